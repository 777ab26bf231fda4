"""The security journal's rules ("Jurnal de securitate"): which events exist, how they read in
Romanian, what a detail may hold, and the journal's keys and cursors. Pure: no I/O.

An event is recorded per company (CIF) with who did it (user id and e-mail at the time), what,
small details and the caller's IP where known. Details never hold secrets: `clean_details`
drops any key that names one (token, code, state, password, secret, key, cookie, binding)
and anything that is not a short scalar, so a careless hook cannot leak a link or a code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.licences import LICENCES
from chalicelib.domain.memberships import Role
from chalicelib.domain.romanian_time import ROMANIA


class EventType(Enum):
    MEMBERSHIP_PROVEN = "membership_proven"  # an ANAF authorization proved the CIF for a user
    MEMBER_ADDED = "member_added"  # invited (the invitation waits for the invitee's consent)
    MEMBER_JOINED = "member_joined"  # an invitation accepted
    MEMBER_ROLE_CHANGED = "member_role_changed"
    MEMBER_REMOVED = "member_removed"  # removed, left, or the account was deleted
    AUTHORIZATION_STARTED = "authorization_started"
    AUTHORIZATION_LINK_SENT = "authorization_link_sent"
    AUTHORIZATION_COMPLETED = "authorization_completed"  # whatever the outcome
    AUTHORIZATION_DISCONNECTED = "authorization_disconnected"
    EXPORT_CREATED = "export_created"
    LICENCE_CHANGED = "licence_changed"
    LOGIN_NEW_DEVICE = "login_new_device"  # a login from a (browser, IP /24) pair new for the user
    API_KEY_CREATED = "api_key_created"
    API_KEY_REVOKED = "api_key_revoked"
    S3_DELIVERY_CHANGED = "s3_delivery_changed"  # where the archive is copied (issue 15)
    WEBHOOK_CREATED = "webhook_created"
    WEBHOOK_DELETED = "webhook_deleted"
    WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated"
    WEBHOOK_CHANGED = "webhook_changed"  # its URL, events or on/off: where the company's data goes

    @property
    def label_ro(self) -> str:
        return _LABELS[self]


_LABELS = {
    EventType.MEMBERSHIP_PROVEN: "Acces dovedit prin autorizare ANAF",
    EventType.MEMBER_ADDED: "Membru adăugat",
    EventType.MEMBER_JOINED: "Invitație acceptată",
    EventType.MEMBER_ROLE_CHANGED: "Rol schimbat",
    EventType.MEMBER_REMOVED: "Membru eliminat",
    EventType.AUTHORIZATION_STARTED: "Autorizare ANAF începută",
    EventType.AUTHORIZATION_LINK_SENT: "Link de autorizare ANAF trimis",
    EventType.AUTHORIZATION_COMPLETED: "Autorizare ANAF încheiată",
    EventType.AUTHORIZATION_DISCONNECTED: "Deconectare de la ANAF",
    EventType.EXPORT_CREATED: "Export creat",
    EventType.LICENCE_CHANGED: "Licență schimbată",
    EventType.LOGIN_NEW_DEVICE: "Autentificare de pe un dispozitiv nou",
    EventType.API_KEY_CREATED: "Cheie API creată",
    EventType.S3_DELIVERY_CHANGED: "Livrare în bucket-ul propriu modificată",
    EventType.API_KEY_REVOKED: "Cheie API revocată",
    EventType.WEBHOOK_CREATED: "Webhook adăugat",
    EventType.WEBHOOK_DELETED: "Webhook șters",
    EventType.WEBHOOK_SECRET_ROTATED: "Secretul unui webhook schimbat",
    EventType.WEBHOOK_CHANGED: "Webhook modificat",
}

_OUTCOMES_RO = {
    "connected": "reușită: compania este conectată la ANAF",
    "proven": "reușită: acces dovedit (sincronizarea continuă cu autorizarea existentă)",
    "cancelled": "anulată la ANAF",
    "no_spv_rights": "certificatul nu are drept SPV pentru companie",
    "anaf_error": "ANAF nu a răspuns",
    "invalid_request": "cerere invalidă sau expirată",
    "other_browser": ("respinsă: încheiată în alt browser decât cel care a pornit-o "
                      "(adresa ANAF a fost trimisă altcuiva)"),
}
_FORMATS_RO = {"zip": "ZIP", "csv": "CSV", "xlsx": "Excel"}

SECRET_WORDS = re.compile(r"token|secret|password|parol|code|state|cookie|binding|key|cursor", re.IGNORECASE)
MAX_DETAILS = 12
MAX_TEXT = 200

_SORT_KEY = re.compile(r"^at#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[0-9a-f]{8}$")
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100


class InvalidAuditCursor(ValidationFailed):
    code = "invalid_cursor"
    message_ro = "Pagina cerută din jurnal nu este validă. Reîncărcați jurnalul."


class InvalidPageSize(ValidationFailed):
    code = "invalid_page_size"
    message_ro = f"Numărul de rânduri pe pagină trebuie să fie între 1 și {PAGE_SIZE_MAX}."


def clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Only short scalars under names that cannot hold a secret; None values dropped."""
    cleaned: dict[str, Any] = {}
    for name, value in details.items():
        if len(cleaned) >= MAX_DETAILS or SECRET_WORDS.search(name) or value is None:
            continue
        if isinstance(value, bool | int):
            cleaned[name] = value
        elif isinstance(value, str):
            cleaned[name] = value[:MAX_TEXT]
        elif isinstance(value, Enum) and isinstance(value.value, str):
            cleaned[name] = value.value[:MAX_TEXT]
    return cleaned


def device_fingerprint(user_agent: str | None, ip: str) -> str:
    """A login's device: the browser (user agent) and the network (IPv4 /24, IPv6 /48), hashed."""
    try:
        address = ipaddress.ip_address(ip)
        prefix = 24 if address.version == 4 else 48
        network = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        network = ip
    return hashlib.sha256(f"{user_agent or ''}|{network}".encode()).hexdigest()[:32]


def device_label(user_agent: str | None) -> str:
    return (user_agent or "necunoscut")[:120]


def sort_key(at: datetime, random_hex: str) -> str:
    """"at#<UTC time, microseconds>#<8 hex>": sorts by time, never collides."""
    return f"at#{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{random_hex}"


def time_of(key: str) -> datetime:
    return datetime.strptime(key.split("#")[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The sort key a page continues before; 400 invalid_cursor for anything else. The query
    stays inside the caller's company whatever the key, so a cursor needs no signature."""
    if not cursor:
        return None
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidAuditCursor() from error
    if len(cursor) > 120 or not _SORT_KEY.match(key):
        raise InvalidAuditCursor()
    return key


def page_size(value: str | None) -> int:
    if value in (None, ""):
        return PAGE_SIZE_DEFAULT
    if not value.isdigit() or not 1 <= int(value) <= PAGE_SIZE_MAX:
        raise InvalidPageSize()
    return int(value)


def event_label(event: str) -> str:
    try:
        return EventType(event).label_ro
    except ValueError:
        return event


def describe(event: str, details: Mapping[str, Any]) -> str:
    """The details of an event as a short Romanian sentence (the journal's "Detalii")."""
    d = dict(details)
    parts: list[str] = []
    if d.get("member"):
        parts.append(f"persoana: {d['member']}")
    if d.get("recipient"):
        parts.append(f"trimis la: {d['recipient']}")
    if d.get("previous") and event == EventType.MEMBER_ROLE_CHANGED.value:
        parts.append(f"rol: {_role(d['previous'])} → {_role(d.get('role'))}")
    elif d.get("role"):
        parts.append(f"rol: {_role(d['role'])}")
    if event == EventType.LICENCE_CHANGED.value:
        parts.append(f"licență: {_licence(d.get('previous'))} → {_licence(d.get('licence'))}")
    if d.get("invited"):
        parts.append("invitație trimisă; accesul se activează după crearea contului")
    if d.get("left"):
        parts.append("a părăsit compania")
    if d.get("reason") == "account_deleted":
        parts.append("contul a fost șters")
    if d.get("outcome"):
        parts.append(f"rezultat: {_OUTCOMES_RO.get(d['outcome'], d['outcome'])}")
    if d.get("origin") == "link":
        parts.append("prin link de autorizare")
    elif d.get("origin") == "existing_certificate":
        parts.append("cu certificatul existent")
    if "companies" in d:
        parts.append(f"companii deconectate: {d['companies']}")
    if d.get("format"):
        parts.append(f"format: {_FORMATS_RO.get(d['format'], d['format'])}")
    if d.get("filters"):
        parts.append(f"filtre: {d['filters']}")
    if d.get("device"):
        parts.append(f"dispozitiv: {d['device']}")
    if d.get("destination"):
        parts.append(f"destinație: {d['destination']}; rol AWS: {d.get('role_arn')}; "
                     f"livrare {'pornită' if d.get('enabled') else 'oprită'}")
    if d.get("prefix"):
        parts.append(f"cheia {d['prefix']} „{d.get('name', '')}”")
    if d.get("scopes"):
        parts.append(f"drepturi: {d['scopes']}")
    if d.get("url"):
        parts.append(f"adresa: {d['url']}")
    if d.get("events"):
        parts.append(f"evenimente: {d['events']}")
    return "; ".join(parts)


def _role(value: Any) -> str:
    try:
        return Role(value).name_ro
    except ValueError:
        return str(value)


def _licence(code: Any) -> str:
    licence = LICENCES.get(code) if isinstance(code, str) else None
    return licence.name_ro if licence else str(code or "—")


# The CSV download's columns (Romanian headers), in order.
CSV_TITLES = ("Data și ora (ora României)", "Cine", "ID utilizator", "Ce", "Tip eveniment",
              "Detalii", "IP")


def csv_file_name(cif: str, now: datetime) -> str:
    return f"Arhivar_jurnal_securitate_{cif}_{now.astimezone(ROMANIA):%Y-%m-%d_%H%M}.csv"

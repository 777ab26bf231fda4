"""The security journal ("Jurnal de securitate"): recording events and reading them (owners).

`record(cif, event, actor_user_id, **details)` is the one call the other services make, one
line at the place where the action has happened. It resolves the actor's e-mail as it is now
(kept with the event, so the journal still says who after an address change or an account
deletion), cleans the details (domain/audit.py: never a secret), adds the caller's IP when an
API request is being served, and appends the event (storage/audit_log.py).

Decision: a failed recording is logged (an error with the CIF and the event type, for an
alarm) and the user's action goes on. The action has already happened when the event is
recorded (a membership saved, a licence changed, a link e-mailed); failing the request then
would not undo it, would make the person repeat an action that was done, and would turn a
journal outage into an outage of every security action. An event cannot be written before the
action either, since it would then record actions that failed.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain import audit as rules
from chalicelib.domain.audit import EventType
from chalicelib.domain.document_columns import Column
from chalicelib.domain.errors import NotAllowed
from chalicelib.domain.memberships import INVITATION_PREFIX, MembershipState, Role
from chalicelib.domain.romanian_time import ROMANIA
from chalicelib.services.sheets import CsvWriter
from chalicelib.storage import accounts, audit_log, devices, memberships
from chalicelib.storage.audit_log import AuditEvent
from chalicelib.storage.memberships import Membership

logger = Logger(service="arhivar-audit")

CSV_MAX_EVENTS = 10_000  # one download; the X-Arhivar-Next-Cursor header continues it
_READ_PAGE = 100

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_request_ip", default=None)
_request_agent: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_request_agent", default=None)


class OwnersOnly(NotAllowed):
    message_ro = "Doar proprietarii companiei pot vedea jurnalul de securitate."


@contextlib.contextmanager
def request_scope(ip: str | None, user_agent: str | None = None) -> Iterator[None]:
    """The IP (and browser) of the API request being served: events recorded meanwhile carry
    the IP; a login compares both with the devices seen before."""
    ip_token, agent_token = _request_ip.set(ip), _request_agent.set(user_agent)
    try:
        yield
    finally:
        _request_ip.reset(ip_token)
        _request_agent.reset(agent_token)


def record(cif: str, event: EventType, actor_user_id: str | None, **details: Any) -> None:
    """Append an event to the company's journal; never raises (see the module's decision).

    A `member` detail holding a user id (or an invitation key) is written as that person's
    e-mail address."""
    try:
        if isinstance(details.get("member"), str):
            details["member"] = _email_of(details["member"])
        at = datetime.now(UTC)
        audit_log.append(
            cif, rules.sort_key(at, secrets.token_hex(4)), event.value,
            actor_user_id=actor_user_id, actor_email=_email_of(actor_user_id) if actor_user_id else None,
            details=rules.clean_details(details), ip=_request_ip.get())
    except Exception:  # the decision above: log, alarm, and let the action stand
        logger.exception("audit event not recorded", extra={"cif": cif, "event": event.value})


def record_login(user_id: Callable[[], str | None]) -> None:
    """After a successful login: when the (browser, IP /24) pair is new for the user, an event
    "Autentificare de pe un dispozitiv nou" in the journal of every company they are an active
    member of. An account's very first login has nothing to compare with and records nothing
    (its device is remembered). Never raises; outside an API request (no IP) nothing is recorded."""
    try:
        ip, agent = _request_ip.get(), _request_agent.get()
        who = user_id() if ip else None
        if not ip or not who:
            return
        first_login = devices.first_sighting(who, devices.ANY_DEVICE)
        if not devices.first_sighting(who, rules.device_fingerprint(agent, ip)) or first_login:
            return
        for membership in memberships.of_user(who):
            if membership.state == MembershipState.ACTIVE.value:
                record(membership.cif, EventType.LOGIN_NEW_DEVICE, who, device=rules.device_label(agent))
    except Exception:  # as record(): the login stands
        logger.exception("new device not checked")


# -- reading (owners only) ---------------------------------------------------------------------

@dataclass(frozen=True)
class JournalEntry:
    at: datetime
    event: str
    label: str
    actor_user_id: str | None
    actor_email: str | None
    details: dict[str, Any]
    summary: str
    ip: str | None


@dataclass(frozen=True)
class JournalPage:
    entries: list[JournalEntry]
    next_cursor: str | None


def page(reader: Membership, cursor: str | None, size: int) -> JournalPage:
    """A page of the journal, newest first, for an active owner of the company."""
    _require_owner(reader)
    items = audit_log.newest_first(reader.cif, size + 1, rules.decode_cursor(cursor))
    more = len(items) > size
    items = items[:size]
    return JournalPage([_entry(item) for item in items],
                       rules.encode_cursor(items[-1].at) if more and items else None)


def csv_file(reader: Membership, cursor: str | None) -> tuple[str, str | None]:
    """The journal as CSV (UTF-8 with BOM, ";", Romanian headers), newest first, at most
    CSV_MAX_EVENTS events; the cursor to continue from when there are more."""
    _require_owner(reader)
    out = io.BytesIO()
    writer = CsvWriter(out, [Column(title, "text") for title in rules.CSV_TITLES])
    before = rules.decode_cursor(cursor)
    written = 0
    while written < CSV_MAX_EVENTS:
        wanted = min(_READ_PAGE, CSV_MAX_EVENTS - written)
        items = audit_log.newest_first(reader.cif, wanted, before)
        for item in items:
            entry = _entry(item)
            writer.row([f"{entry.at.astimezone(ROMANIA):%d.%m.%Y %H:%M:%S}", entry.actor_email or "",
                        entry.actor_user_id or "", entry.label, entry.event, entry.summary, entry.ip or ""])
        written += len(items)
        if len(items) < wanted:
            return out.getvalue().decode("utf-8"), None
        before = items[-1].at
    more = audit_log.newest_first(reader.cif, 1, before)
    return out.getvalue().decode("utf-8"), rules.encode_cursor(before) if more and before is not None else None


def _require_owner(reader: Membership) -> None:
    if reader.role != Role.OWNER.value:
        raise OwnersOnly()


def _entry(item: AuditEvent) -> JournalEntry:
    details = dict(item.details.as_dict() if hasattr(item.details, "as_dict") else item.details or {})
    return JournalEntry(at=rules.time_of(item.at), event=item.event, label=rules.event_label(item.event),
                        actor_user_id=item.actor_user_id, actor_email=item.actor_email, details=details,
                        summary=rules.describe(item.event, details), ip=item.ip)


def _email_of(user_id: str) -> str:
    if user_id.startswith(INVITATION_PREFIX):
        return user_id.removeprefix(INVITATION_PREFIX)
    account = accounts.get(user_id)
    return account.email if account is not None else user_id

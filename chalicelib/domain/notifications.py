"""Which e-mails a person can turn off, and the signed one-click unsubscribe token.

Preferences are per user and company and per category; every category is on until the person
turns it off. Invitations, ANAF authorization links and security codes are not in a category:
they always go (only a bounced or complaining address stops them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum

TOKEN_VERSION = "v1"


class Category(Enum):
    NEW_DOCUMENTS = "new_documents"
    AUTHORIZATION = "authorization"
    COVERAGE_WARNINGS = "coverage_warnings"
    EXPORTS = "exports"
    INTEGRATIONS = "integrations"

    @property
    def label_ro(self) -> str:
        return _LABELS[self][0]

    @property
    def description_ro(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    Category.NEW_DOCUMENTS: ("Documente noi",
                             ("Facturile noi găsite în SPV: după fiecare sincronizare (licența Pro) "
                              "sau un rezumat zilnic (licența Standard).")),
    Category.AUTHORIZATION: ("Autorizarea ANAF",
                             "Autorizarea ANAF expiră în curând sau a expirat."),
    Category.COVERAGE_WARNINGS: ("Avertismente de arhivare",
                                 ("Arhiva nu a mai avansat de mult, iar facturile se apropie de "
                                  "limita de 60 de zile a SPV.")),
    Category.EXPORTS: ("Exporturi gata", "Arhiva cerută pentru descărcare este gata."),
    Category.INTEGRATIONS: ("Integrări", "Un webhook a fost dezactivat: adresa lui nu a răspuns timp de o zi."),
}


def preference_key(cif: str, category: Category) -> str:
    """The key of one toggle in AccountModel.notification_prefs (a flat map)."""
    return f"{cif}#{category.value}"


def wants(prefs: dict[str, bool], cif: str, category: Category) -> bool:
    return bool(prefs.get(preference_key(cif, category), True))


@dataclass(frozen=True)
class UnsubscribeScope:
    """What one link turns off: one category, for one or more companies of one user."""

    user_id: str
    category: Category
    cifs: tuple[str, ...]


class InvalidUnsubscribeToken(ValueError):
    pass


def sign_unsubscribe(key: bytes, scope: UnsubscribeScope) -> str:
    payload = ".".join((TOKEN_VERSION, scope.user_id, scope.category.value, "-".join(scope.cifs)))
    return f"{payload}.{_mac(key, payload)}"


def verify_unsubscribe(key: bytes, token: str) -> UnsubscribeScope:
    """The scope of an untampered token; InvalidUnsubscribeToken otherwise."""
    if not isinstance(token, str) or not token.isascii():
        raise InvalidUnsubscribeToken()  # ours are ASCII; compare_digest refuses other text
    payload, _, mac = token.rpartition(".")
    if not payload or not hmac.compare_digest(mac, _mac(key, payload)):
        raise InvalidUnsubscribeToken()
    version, user_id, category, cifs = [*payload.split("."), "", "", "", ""][:4]
    try:
        parsed = Category(category)
    except ValueError as error:
        raise InvalidUnsubscribeToken() from error
    if version != TOKEN_VERSION or not user_id or not cifs:
        raise InvalidUnsubscribeToken()
    return UnsubscribeScope(user_id, parsed, tuple(cifs.split("-")))


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, f"unsubscribe|{payload}".encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")

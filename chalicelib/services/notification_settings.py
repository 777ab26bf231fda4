"""A person's e-mail settings: per company and category toggles, the one-click unsubscribe,
and whether their address is suppressed (it bounced or complained)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import NotAuthenticated, ValidationFailed
from chalicelib.domain.licences import Licence, licence_for
from chalicelib.domain.memberships import MembershipState, Role, can_administer
from chalicelib.domain.notification_rules import routed_email
from chalicelib.domain.notifications import (
    Category,
    InvalidUnsubscribeToken,
    UnsubscribeScope,
    preference_key,
    verify_unsubscribe,
)
from chalicelib.services import memberships
from chalicelib.services.notifications import Suppression, preferences_of, suppression_of
from chalicelib.storage import accounts, companies


class UnsubscribeLinkInvalid(ValidationFailed):
    code = "unsubscribe_link_invalid"
    message_ro = "Linkul de dezabonare nu este valid. Folosiți linkul complet din e-mail."


@dataclass(frozen=True)
class CompanySettings:
    cif: str
    name: str
    role: Role
    licence: Licence
    categories: dict[Category, bool]

    @property
    def can_change_licence(self) -> bool:
        return can_administer(self.role)


@dataclass(frozen=True)
class Settings:
    email: str
    companies: list[CompanySettings]
    suppressed: Suppression | None


@dataclass(frozen=True)
class Unsubscribed:
    category: Category
    companies: list[str]  # names


def settings_of(user_id: str) -> Settings:
    account = accounts.get(user_id)
    if account is None:
        raise NotAuthenticated()
    prefs = preferences_of(account)
    active = [m for m in memberships.of_user(user_id) if m.state == MembershipState.ACTIVE.value]
    found = {c.cif: c for c in companies.get_many(m.cif for m in active)}
    rows = [
        CompanySettings(
            cif=m.cif, name=found[m.cif].name, role=Role(m.role),
            licence=licence_for(found[m.cif].licence),
            categories={c: bool(prefs.get(preference_key(m.cif, c), True)) for c in Category})
        for m in active if m.cif in found
    ]
    return Settings(account.email, sorted(rows, key=lambda r: r.name), suppression_of(account.email))


def change(user_id: str, changes: dict[str, dict[str, bool]]) -> Settings:
    """Set toggles for companies the user is an active member of (others: 404)."""
    values: dict[str, bool] = {}
    for cif, toggles in changes.items():
        memberships.require_active(user_id, cif)
        for category, on in toggles.items():
            values[preference_key(cif, Category(category))] = bool(on)
    _set(user_id, values)
    return settings_of(user_id)


def check(token: str, key: bytes) -> tuple[UnsubscribeScope, list[str]]:
    """What a link would turn off (for the confirmation page): its scope and company names."""
    try:
        scope = verify_unsubscribe(key, token)
    except InvalidUnsubscribeToken as error:
        raise UnsubscribeLinkInvalid() from error
    return scope, _names(scope.cifs)


def unsubscribe(token: str, key: bytes) -> Unsubscribed:
    """RFC 8058 one-click: turn the link's category off for its companies. No login: the
    HMAC proves the link was ours; repeating it changes nothing."""
    scope, names = check(token, key)
    routed = routed_email(scope.user_id)
    if routed is not None:  # an address a company rule routes e-mails to (not a member)
        for cif in scope.cifs:
            companies.unsubscribe_routed(cif, routed)
        return Unsubscribed(scope.category, names)
    if accounts.get(scope.user_id) is None:
        return Unsubscribed(scope.category, names)  # the account is gone: nothing to send anyway
    _set(scope.user_id, {preference_key(cif, scope.category): False for cif in scope.cifs})
    return Unsubscribed(scope.category, names)


def _set(user_id: str, values: dict[str, bool]) -> None:
    """Set some toggles without touching the others (a path update per toggle)."""
    if not values:
        return
    accounts.set_notification_prefs(user_id, values)


def _names(cifs: tuple[str, ...]) -> list[str]:
    try:
        found = {c.cif: c.name for c in companies.get_many(cifs)}
    except ValueError:
        found = {}
    return [found.get(cif, cif) for cif in cifs]

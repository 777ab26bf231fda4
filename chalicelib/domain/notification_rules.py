"""New-invoice e-mails routed per partner or amount, pure: a rule's checked input and whether a
document matches it.

A rule names a partner (CIF, "RO" or not) and/or a minimum amount (the invoice's total with VAT,
written as in Romania, compared in the invoice's own currency), and up to MAX_EMAILS addresses.
With both, a document must match both. Only invoices and credit notes match (received or sent),
never ANAF errors or buyer messages. Routed addresses are not members: they unsubscribe per
company with the link in each e-mail (signed like the members' links), and a suppressed address
(bounce, complaint) gets nothing.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from chalicelib.domain import romanian
from chalicelib.domain.email import parse_email
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.search_text import clean_cif

MAX_RULES = 20
MAX_EMAILS = 10
ROUTED_KINDS = ("received", "sent")
# Unsubscribe links of routed addresses carry this instead of a user id (domain/notifications.py
# tokens split on "."; an address has dots, so it travels base64url-encoded).
ROUTED_PREFIX = "adresa_"


class InvalidRule(ValidationFailed):
    code = "invalid_notification_rule"
    message_ro = "Regula nu este validă."


class RuleNeedsCondition(InvalidRule):
    code = "notification_rule_condition_required"
    message_ro = "Alegeți un partener (CIF), o sumă minimă sau amândouă."


class TooManyRules(InvalidRule):
    code = "notification_rules_limit"
    message_ro = f"O companie poate avea cel mult {MAX_RULES} reguli de notificare."


@dataclass(frozen=True)
class RuleInput:
    partner_cif: str | None
    min_amount: Decimal | None
    emails: tuple[str, ...]


def parse_rule(partner: object, min_amount: object, emails: object) -> RuleInput:
    cif = None
    if partner not in (None, ""):
        cif = clean_cif(str(partner))
        if cif is None:
            raise InvalidRule("CIF-ul partenerului nu este valid.", details={"field": "partner_cif"})
    amount = None
    if min_amount not in (None, ""):
        try:
            amount = romanian.parse_amount(str(min_amount), "min_amount")
        except romanian.NotAnAmount:
            raise InvalidRule(romanian.NOT_AN_AMOUNT_RO, details={"field": "min_amount"}) from None
        if amount < 0:
            raise InvalidRule("Suma minimă nu poate fi negativă.", details={"field": "min_amount"})
    if cif is None and amount is None:
        raise RuleNeedsCondition(details={"field": "partner_cif"})
    if not isinstance(emails, list) or not 1 <= len(emails) <= MAX_EMAILS:
        raise InvalidRule(f"Scrieți între 1 și {MAX_EMAILS} adrese de e-mail.", details={"field": "emails"})
    addresses = tuple(dict.fromkeys(parse_email(e, "emails") for e in emails))
    return RuleInput(cif, amount, addresses)


def matches(partner_cif: str | None, min_amount: str | None, *, kind: str, document_partner: str | None,
            document_total: str | None) -> bool:
    """Whether a document (its kind, partner CIF and total) falls under a rule."""
    if kind not in ROUTED_KINDS:
        return False
    if partner_cif and (clean_cif(document_partner or "") != partner_cif):
        return False
    if min_amount:
        try:
            return document_total is not None and Decimal(document_total) >= Decimal(min_amount)
        except InvalidOperation:
            return False
    return True


def routed_id(email: str) -> str:
    """The stand-in for a user id in a routed address's unsubscribe link and send records."""
    return ROUTED_PREFIX + base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")


def routed_email(routed: str) -> str | None:
    """The address behind routed_id(); None for a user id."""
    if not routed.startswith(ROUTED_PREFIX):
        return None
    encoded = routed.removeprefix(ROUTED_PREFIX)
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None

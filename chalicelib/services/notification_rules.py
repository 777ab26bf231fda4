"""New-invoice e-mails routed per partner or amount: the company's rules (owners and admins
manage them, any active member reads them) and the e-mails they add to a new-document send.

A routed e-mail goes with the members' e-mail, on the same occasion and licence cadence (Pro
after each sync, Standard the daily digest, Free none: services/new_documents.py calls `send`),
and lists only the documents that match one of the address's rules. Members who already got the
occasion's e-mail are not written to twice. Every routed e-mail has the one-click unsubscribe
link (per company) and skips suppressed addresses (services/notifications.py `send_routed`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import notification_rules as rules
from chalicelib.domain.errors import Conflict, NotAllowed, NotFound
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.services import memberships
from chalicelib.services.notifications import Message, Notifications
from chalicelib.storage import companies
from chalicelib.storage.companies import Company, NotificationRuleRecord
from chalicelib.storage.documents import Document


class RuleNotFound(NotFound):
    code = "notification_rule_not_found"
    message_ro = "Regula nu există."


class RulesChanged(Conflict):
    code = "notification_rules_changed"
    message_ro = "Regulile au fost schimbate între timp. Reîncărcați pagina."


@dataclass(frozen=True)
class Rules:
    rules: list[NotificationRuleRecord]
    unsubscribed: set[str]
    can_manage: bool


def _company(cif: str) -> Company:
    company = companies.get(cif, consistent=True)
    if company is None:
        raise memberships.CompanyNotFound()
    return company


def list_rules(user_id: str, cif: str) -> Rules:
    membership = memberships.require_active(user_id, cif)
    company = _company(cif)
    return Rules(list(company.notification_rules or []), set(company.routed_unsubscribed or set()),
                 can_administer(Role(membership.role)))


def _manager(user_id: str, cif: str) -> None:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed("Doar proprietarii și administratorii pot schimba regulile de notificare.")


def create(user_id: str, cif: str, partner: object, min_amount: object, emails: object, now: datetime) -> Rules:
    _manager(user_id, cif)
    checked = rules.parse_rule(partner, min_amount, emails)
    company = _company(cif)
    if len(company.notification_rules or []) >= rules.MAX_RULES:
        raise rules.TooManyRules()
    rule = NotificationRuleRecord(rule_id=secrets.token_hex(6), partner_cif=checked.partner_cif,
                                  min_amount=str(checked.min_amount) if checked.min_amount is not None else None,
                                  emails=set(checked.emails), created_by=user_id, created_at=now)
    if not companies.add_notification_rule(company, rule):
        raise RulesChanged()
    return list_rules(user_id, cif)


def remove(user_id: str, cif: str, rule_id: str) -> None:
    _manager(user_id, cif)
    removed = companies.remove_notification_rule(_company(cif), rule_id)
    if removed is None:
        raise RuleNotFound()
    if removed is False:
        raise RulesChanged()


def routed(company: Company, documents: Iterable[Document]) -> dict[str, list[Document]]:
    """Each routed address (not unsubscribed) → the documents among these its rules match."""
    skipped = set(company.routed_unsubscribed or set())
    found: dict[str, list[Document]] = {}
    for document in documents:
        for rule in company.notification_rules or []:
            if not rules.matches(rule.partner_cif, rule.min_amount, kind=document.kind,
                                 document_partner=document.partner_cif,
                                 document_total=document.total_with_vat or document.total):
                continue
            for email in sorted(rule.emails or ()):
                chosen = found.setdefault(email, []) if email not in skipped else None
                if chosen is not None and document not in chosen:
                    chosen.append(document)
    return found


def send(notifications: Notifications, company: Company, documents: list[Document], already: set[str],
         once: str, message_for: Callable[[list[Document]], Message]) -> int:
    """The routed e-mails of one occasion; `already`: addresses the members' e-mail went to."""
    sent = 0
    for email, matched in routed(company, documents).items():
        if email in already:
            continue
        sent += notifications.send_routed(email, company.cif, message_for(matched), once=once)
    return sent

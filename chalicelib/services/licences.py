"""Changing a company's licence (owners and admins): effective at once, and recorded.

The change is written with who and when into the company's `licence_history` (the last 20
changes, newest last). A faster licence pulls the next sync forward when the new interval,
counted from the last sync, ends sooner than the planned one; a slower one leaves the
planned sync as is (the one after it follows the new interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.audit import EventType
from chalicelib.domain.errors import Conflict, NotAllowed
from chalicelib.domain.licences import LICENCES, Licence, NewDocumentEmails, licence_for
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.domain.romanian import counted
from chalicelib.services import audit, memberships
from chalicelib.storage import companies as company_records
from chalicelib.storage.companies import Company, LicenceRecord

_EMAILS_RO = {
    NewDocumentEmails.NONE: "fără e-mailuri despre documente noi",
    NewDocumentEmails.DAILY_DIGEST: "un rezumat zilnic al documentelor noi",
    NewDocumentEmails.AFTER_EACH_SYNC: "un e-mail după fiecare sincronizare cu documente noi",
}


@dataclass(frozen=True)
class LicenceState:
    cif: str
    licence: Licence
    next_sync_at: datetime | None
    history: list[LicenceRecord]
    can_change: bool


def sync_label_ro(licence: Licence) -> str:
    """e.g. „la fiecare 15 minute; fără documente noi recente, cel puțin o dată pe oră”: the
    licence's interval, and the longest a quiet company waits (domain/polling.py)."""
    label = _interval_ro(licence.sync_interval)
    quiet = int(licence.quiet_sync_interval.total_seconds() // 3600)
    if licence.quiet_sync_interval != licence.sync_interval:
        at_least = "o dată pe oră" if quiet == 1 else f"o dată la {counted(quiet, 'oră', 'ore')}"
        label += f"; fără documente noi recente, cel puțin {at_least}"
    return label


def _interval_ro(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    if minutes == 24 * 60:
        return "o dată pe zi"
    if minutes == 60:
        return "o dată pe oră"
    if minutes % (24 * 60) == 0:
        return f"la fiecare {counted(minutes // (24 * 60), 'zi', 'zile')}"
    if minutes % 60 == 0:
        return f"la fiecare {counted(minutes // 60, 'oră', 'ore')}"
    return f"la fiecare {counted(minutes, 'minut', 'minute')}"


def emails_label_ro(licence: Licence) -> str:
    return _EMAILS_RO[licence.new_document_emails]


def catalogue() -> list[Licence]:
    return list(LICENCES.values())


def state(user_id: str, cif: str) -> LicenceState:
    membership = memberships.require_active(user_id, cif)
    company = _company(cif)
    return LicenceState(cif, licence_for(company.licence), company.next_sync_at,
                        list(company.licence_history or []), can_administer(Role(membership.role)))


def change(user_id: str, cif: str, code: str, now: datetime) -> LicenceState:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()
    new = LICENCES[code]
    for _ in range(3):  # optimistic: retried when the company changed under us
        company = _company(cif)
        if company.licence == new.code:
            break
        if company_records.change_licence(company, new.code, changed_by=user_id, now=now,
                                          sync_at=_sooner_sync(company, new, now)):
            audit.record(cif, EventType.LICENCE_CHANGED, user_id, previous=company.licence, licence=new.code)
            break
    else:
        raise Conflict("Compania tocmai a fost modificată. Încercați din nou.")
    return state(user_id, cif)


def _sooner_sync(company: Company, licence: Licence, now: datetime) -> datetime | None:
    """The new next sync time, when the licence makes it sooner; None to keep the planned one.
    Only a company that is syncing (has a planned sync) gets one."""
    if company.next_sync_at is None:
        return None
    candidate = max(now, (company.last_sync_at or now) + licence.sync_interval)
    return candidate if candidate < company.next_sync_at else None


def _company(cif: str) -> Company:
    company = company_records.get(cif, consistent=True)
    if company is None:
        raise memberships.CompanyNotFound()
    return company

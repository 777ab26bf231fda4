"""Companies: look a CIF up at ANAF, register it in an account, show the dashboard.

Registering a CIF proves nothing, whether or not somebody archives it already: it gives a
PENDING ("neverificată") membership that shows only the public name until the user's own ANAF
authorization proves SPV rights on it (services/anaf_connect.py) or a proven member invites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.anaf.errors import AnafError
from chalicelib.anaf.lookup import CompanyLookup
from chalicelib.anaf.models import CompanyRecord
from chalicelib.domain.authorization import AuthorizationStatus, authorization_status
from chalicelib.domain.cif import Cif
from chalicelib.domain.errors import ArhivarError, Conflict, NotAllowed, ServiceUnavailable
from chalicelib.domain.licences import Licence, licence_for
from chalicelib.domain.memberships import MembershipState, Role, can_administer
from chalicelib.services import memberships
from chalicelib.storage import companies as company_records
from chalicelib.storage.companies import Company
from chalicelib.storage.memberships import Membership

AT_RISK_AFTER = timedelta(days=45)  # of ANAF's 60
PUBLIC_DATA_MAX_AGE = timedelta(days=7)
QUEUED_SYNC_SHOWN_FOR = timedelta(minutes=15)  # a "sync now" no worker took by then is not "în curs"


class UnknownAtAnaf(ArhivarError):
    code = "cif_not_found_at_anaf"
    status = 422
    message_ro = "ANAF nu are nicio companie cu acest CIF. Verificați cifrele."


class LookupUnavailable(ServiceUnavailable):
    code = "anaf_lookup_unavailable"
    message_ro = ("Serviciul ANAF de interogare a firmelor nu răspunde acum. "
                  "Încercați din nou în câteva momente; datele introduse au fost păstrate.")


class CompanyAlreadyAdded(Conflict):
    code = "company_already_added"
    message_ro = "Compania este deja în contul dumneavoastră."


@dataclass(frozen=True)
class SyncActivity:
    """A sync asked for ("queued") or running now: the dashboard's "în curs". The counts are
    the running run's last published ones (None before it has listed ANAF's messages)."""

    state: str  # queued | running
    started_at: datetime | None = None
    listed: int | None = None
    new: int = 0
    already: int = 0
    failed: int = 0


def sync_activity(company: Company, now: datetime) -> SyncActivity | None:
    """Running while a run holds an unexpired lease; queued after "Sincronizează acum" until a
    run ends (or QUEUED_SYNC_SHOWN_FOR passes)."""
    if company.lease_until is not None and company.lease_until > now:
        stored = company.sync_progress
        progress = stored.as_dict() if stored is not None else {}
        if not progress:
            return SyncActivity("running")
        return SyncActivity("running", datetime.fromisoformat(str(progress["started_at"])),
                            int(progress["listed"]), int(progress["new"]), int(progress["already"]),
                            int(progress["failed"]))
    asked = company.manual_sync_requested_at
    if (asked is not None and now - asked < QUEUED_SYNC_SHOWN_FOR
            and (company.last_sync_at is None or company.last_sync_at < asked)):
        return SyncActivity("queued")
    return None


@dataclass(frozen=True)
class PublicData:
    cif: str
    name: str
    address: str
    registration_number: str
    registration_status: str
    vat_payer: bool
    efactura_registered: bool
    inactive: bool
    radiated: bool


@dataclass(frozen=True)
class CompanySummary:
    cif: str
    name: str
    role: Role
    membership_state: MembershipState
    # Everything below is shown only through an active membership.
    public: PublicData | None
    authorization: AuthorizationStatus | None
    licence: Licence | None
    last_sync_at: datetime | None
    last_sync_result: str | None
    document_count: int | None
    data_refreshed_at: datetime | None
    covered_until: datetime | None = None  # "arhivă completă până la": all before it is archived
    coverage_at_risk: bool = False  # the uncovered stretch nears ANAF's 60-day cliff
    sync_activity: SyncActivity | None = None


def lookup(cif_text: str, anaf: CompanyLookup) -> PublicData:
    cif = Cif.parse(cif_text)
    try:
        record = anaf.lookup_one(cif.value)
    except AnafError as error:
        raise LookupUnavailable(details={"anaf": error.code}) from error
    if record is None:
        raise UnknownAtAnaf(f"ANAF nu are nicio companie cu CIF-ul {cif}. Verificați cifrele.")
    return _public(record, cif)


@dataclass(frozen=True)
class LookupAnswer:
    public: PublicData
    already_added: bool  # the company is in the caller's account already (any membership)


def lookup_for(user_id: str, cif_text: str, anaf: CompanyLookup) -> LookupAnswer:
    """"Adaugă companie": ANAF's public data on a CIF, and whether the caller has it already."""
    public = lookup(cif_text, anaf)
    return LookupAnswer(public, memberships.find(user_id, public.cif) is not None)


def register(user_id: str, cif_text: str, anaf: CompanyLookup, now: datetime) -> CompanySummary:
    cif = Cif.parse(cif_text)
    if memberships.find(user_id, cif.value) is not None:
        raise CompanyAlreadyAdded(f"Compania cu CIF-ul {cif} este deja în contul dumneavoastră.")
    public = lookup(cif.value, anaf)
    company_records.create(public.cif, name=public.name, address=public.address,
                           registry_number=public.registration_number, public_data=_public_map(public),
                           now=now)
    # Whoever registers first gets no more than whoever registers later: proof comes from ANAF.
    membership = memberships.add(user_id, cif.value, Role.OWNER, MembershipState.PENDING, now)
    return summarize(_company(cif.value), membership, now)


def list_for(user_id: str, now: datetime) -> list[CompanySummary]:
    mine = memberships.of_user(user_id)
    companies = {c.cif: c for c in company_records.get_many(m.cif for m in mine)}
    summaries = [summarize(companies[m.cif], m, now) for m in mine if m.cif in companies]
    return sorted(summaries, key=lambda s: s.name.casefold())


def get(user_id: str, cif: str, now: datetime) -> CompanySummary:
    membership = memberships.require_active(user_id, cif)
    return summarize(_company(cif), membership, now)


def refresh_public_data(user_id: str, cif: str, anaf: CompanyLookup, now: datetime) -> CompanySummary:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()
    company = _store_public_data(_company(cif), lookup(cif, anaf), now)
    return summarize(company, membership, now)


def refresh_if_stale(company: Company, anaf: CompanyLookup, now: datetime) -> bool:
    """The periodic refresh (from the sync worker): ANAF's public data once a week at most.
    Best effort: an unavailable lookup leaves the data as it is until next time."""
    refreshed = company.public_data_refreshed_at
    if refreshed is not None and now - refreshed < PUBLIC_DATA_MAX_AGE:
        return False
    try:
        public = lookup(company.cif, anaf)
    except (LookupUnavailable, UnknownAtAnaf):
        return False
    _store_public_data(company, public, now)
    return True


def _store_public_data(company: Company, public: PublicData, now: datetime) -> Company:
    return company_records.store_public_data(
        company.cif, name=public.name, address=public.address,
        registry_number=public.registration_number, public_data=_public_map(public), now=now)


def summarize(company: Company, membership: Membership, now: datetime) -> CompanySummary:
    state = MembershipState(membership.state)
    if state is not MembershipState.ACTIVE:
        return CompanySummary(company.cif, company.name, Role(membership.role), state,
                              None, None, None, None, None, None, None)
    return CompanySummary(
        cif=company.cif,
        name=company.name,
        role=Role(membership.role),
        membership_state=state,
        public=_public_from_model(company),
        authorization=authorization_status(company.authorization_state,
                                           company.authorization_expires_at, now),
        licence=licence_for(company.licence),
        last_sync_at=company.last_sync_at,
        last_sync_result=company.last_sync_result,
        document_count=int(company.document_count or 0),
        data_refreshed_at=company.public_data_refreshed_at,
        covered_until=company.covered_until,
        coverage_at_risk=coverage_at_risk(company.covered_until, now),
        sync_activity=sync_activity(company, now),
    )


def coverage_at_risk(covered_until: datetime | None, now: datetime) -> bool:
    """Messages after `covered_until` exist only at ANAF, which drops them after 60 days."""
    return covered_until is not None and now - covered_until > AT_RISK_AFTER


def _company(cif: str) -> Company:
    company = company_records.get(cif)
    if company is None:
        raise memberships.CompanyNotFound()
    return company


def _public(record: CompanyRecord, cif: Cif) -> PublicData:
    return PublicData(cif=cif.value, name=record.name or f"CIF {cif}", address=record.address,
                      registration_number=record.registration_number,
                      registration_status=record.registration_status, vat_payer=record.vat_payer,
                      efactura_registered=record.efactura_registered, inactive=record.inactive,
                      radiated=record.radiated)


def _public_map(public: PublicData) -> dict:
    return {
        "registration_status": public.registration_status,
        "vat_payer": public.vat_payer,
        "efactura_registered": public.efactura_registered,
        "inactive": public.inactive,
        "radiated": public.radiated,
    }


def _public_from_model(company: Company) -> PublicData:
    stored = company.public_data
    data: dict[str, Any] = stored.as_dict() if hasattr(stored, "as_dict") else dict(stored or {})
    return PublicData(
        cif=company.cif, name=company.name, address=company.address or "",
        registration_number=company.registry_number or "",
        registration_status=str(data.get("registration_status", "")),
        vat_payer=bool(data.get("vat_payer")), efactura_registered=bool(data.get("efactura_registered")),
        inactive=bool(data.get("inactive")), radiated=bool(data.get("radiated")))


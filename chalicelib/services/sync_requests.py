"""The API side of syncing: "Sincronizează acum" and the sync history of a company."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.errors import ArhivarError, NotAllowed
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.services import memberships
from chalicelib.storage import companies, sync_runs
from chalicelib.storage.queues import WorkQueues
from chalicelib.storage.sync_runs import SyncRun

MANUAL_SYNC_INTERVAL = timedelta(minutes=1)


class SyncTooSoon(ArhivarError):
    code = "sync_too_soon"
    status = 429
    message_ro = "Sincronizarea a fost pornită acum câteva secunde. Așteptați un minut."


class NotAuthorizedYet(ArhivarError):
    code = "not_authorized_at_anaf"
    status = 409
    message_ro = "Compania nu este autorizată la ANAF. Autorizați-o mai întâi."


def request_sync(user_id: str, cif: str, queues: WorkQueues, now: datetime) -> None:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()
    company = companies.get(cif)
    if company is None:
        raise memberships.CompanyNotFound()
    if not company.credential_id:
        raise NotAuthorizedYet()
    if not companies.request_manual_sync(cif, now, not_since=now - MANUAL_SYNC_INTERVAL):
        raise SyncTooSoon()
    queues.send("sync", {"cif": cif, "reason": "manual"})


def history(cif: str, limit: int) -> list[SyncRun]:
    return sync_runs.newest_first(cif, limit)

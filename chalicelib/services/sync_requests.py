"""The API side of syncing: "Sincronizează acum" and the sync history of a company."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.domain.errors import ArhivarError, NotAllowed
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.services import memberships
from chalicelib.storage.models import CompanyModel, SyncRunModel
from chalicelib.storage.queues import WorkQueues

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
    company = CompanyModel.get(cif)
    if not company.credential_id:
        raise NotAuthorizedYet()
    try:
        company.update(actions=[CompanyModel.manual_sync_requested_at.set(now)],
                       condition=(CompanyModel.manual_sync_requested_at.does_not_exist()
                                  | (CompanyModel.manual_sync_requested_at < now - MANUAL_SYNC_INTERVAL)))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise SyncTooSoon() from error
        raise
    queues.send("sync", {"cif": cif, "reason": "manual"})


def history(cif: str, limit: int) -> list[SyncRunModel]:
    return list(SyncRunModel.query(cif, scan_index_forward=False, limit=limit))

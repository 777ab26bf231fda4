"""Domain values → the JSON shapes the OpenAPI description declares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.passwords import PASSWORD_POLICY
from chalicelib.services.accounts import AccountView
from chalicelib.services.companies import CompanySummary, PublicData, SyncActivity
from chalicelib.services.imports import reason_message
from chalicelib.services.memberships import Invitation, Member
from chalicelib.storage.imports import FileResult, ImportJob
from chalicelib.storage.sync_runs import SyncRun


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def public_data(public: PublicData) -> dict[str, Any]:
    return {
        "cif": public.cif,
        "name": public.name,
        "address": public.address,
        "registration_number": public.registration_number,
        "registration_status": public.registration_status,
        "vat_payer": public.vat_payer,
        "efactura_registered": public.efactura_registered,
        "inactive": public.inactive,
        "radiated": public.radiated,
    }


def company(summary: CompanySummary) -> dict[str, Any]:
    view: dict[str, Any] = {
        "cif": summary.cif,
        "name": summary.name,
        "role": summary.role.value,
        "membership_state": summary.membership_state.value,
    }
    if summary.public is None or summary.authorization is None or summary.licence is None:
        return view  # a pending membership: the three are set together or not at all
    view.update({
        "public": public_data(summary.public),
        "authorization": {
            "state": summary.authorization.state.value,
            "until": iso(summary.authorization.until),
            "label": summary.authorization.label_ro,
        },
        "licence": {"code": summary.licence.code, "name": summary.licence.name_ro},
        "last_sync": {"at": iso(summary.last_sync_at), "result": summary.last_sync_result},
        "archive": {"complete_until": iso(summary.covered_until),
                    "at_risk": summary.coverage_at_risk},
        "document_count": summary.document_count,
        "data_refreshed_at": iso(summary.data_refreshed_at),
        "sync_in_progress": sync_activity(summary.sync_activity) if summary.sync_activity else None,
    })
    return view


def sync_activity(activity: SyncActivity) -> dict[str, Any]:
    return {"state": activity.state, "started_at": iso(activity.started_at), "listed": activity.listed,
            "new": activity.new, "already_archived": activity.already, "failed": activity.failed}


def sync_run(run: SyncRun) -> dict[str, Any]:
    return {
        "started_at": iso(datetime.fromisoformat(run.started_at.split("#")[0])),
        "finished_at": iso(run.finished_at),
        "reason": run.reason,
        "result": run.result,
        "window": {"start": iso(run.window_start), "end": iso(run.window_end)},
        "anaf_calls": int(run.anaf_calls or 0),
        "listed": int(run.listed or 0),
        "new": int(run.new or 0),
        "already_archived": int(run.already or 0),
        "failed": int(run.failed or 0),
        "lost": int(run.lost or 0),
        "bytes": int(run.bytes or 0),
        "errors": {k: int(v) for k, v in (run.errors.as_dict() if hasattr(run.errors, "as_dict")
                                           else dict(run.errors or {})).items()},
    }


def imported_file(item: FileResult) -> dict[str, Any]:
    return {"name": item.name, "status": item.status, "reason": reason_message(item.reason),
            "reason_code": item.reason, "message_id": item.message_id, "kind": item.kind}


def import_job(job: ImportJob, *, with_files: bool) -> dict[str, Any]:
    """An SPV import job; `files` (each ZIP's result, in the upload's order) only when asked."""
    view: dict[str, Any] = {
        "import_id": job.import_id, "state": job.state, "file_name": job.file_name,
        "size": job.upload_size if job.upload_size is not None else job.declared_size,
        "created_at": iso(job.created_at), "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "progress": {"done": job.position, "total": job.total},
        "counts": dict(job.counts),
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
    }
    if with_files:
        view["files"] = [imported_file(f) for f in job.files]
    return view


def member(item: Member) -> dict[str, Any]:
    return {"member_id": item.member_id, "email": item.email, "role": item.role.value,
            "state": item.state.value, "invited": item.invited}


def account(view: AccountView) -> dict[str, Any]:
    return {"user_id": view.user_id, "email": view.email, "terms_version": view.terms_version,
            "terms_accepted_at": iso(view.terms_accepted_at), "created_at": iso(view.created_at)}


def password_policy() -> dict[str, Any]:
    return {"min_length": PASSWORD_POLICY.min_length,
            "require_lowercase": PASSWORD_POLICY.require_lowercase,
            "require_uppercase": PASSWORD_POLICY.require_uppercase,
            "require_digits": PASSWORD_POLICY.require_digits,
            "require_symbols": PASSWORD_POLICY.require_symbols}


def invitation(item: Invitation) -> dict[str, Any]:
    return {"cif": item.cif, "name": item.company_name, "role": item.role.value,
            "role_label": item.role.name_ro, "membership_state": "invited",
            "invited_by": item.invited_by_email, "invited_at": iso(item.invited_at)}

"""The SPV import jobs (the Imports table): the one module that reads and writes them.

A job is keyed by (cif, import_id); import ids start with their creation time, so a company's
jobs sort newest first. The worker's progress is written with a condition on the position it
started from, so a second worker on the same job (a redelivered message) can never count the
same ZIPs twice: its write fails and it stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.storage.dynamodb_errors import updated_if
from chalicelib.storage.models import ImportFileResult, ImportModel

COUNTED = ("archived", "duplicate", "rejected")


@dataclass(frozen=True)
class FileResult:
    name: str
    status: str  # archived | duplicate | rejected
    reason: str | None = None  # an error code (rejected) or an outcome note (imports.OUTCOME_NOTES)
    message_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class ImportJob:
    cif: str
    import_id: str
    owner_user_id: str
    file_name: str
    declared_size: int
    state: str
    created_at: datetime
    upload_version: str | None
    upload_size: int | None
    position: int
    total: int | None
    counts: dict[str, int]
    files: tuple[FileResult, ...]
    error_code: str | None
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None


def create(cif: str, import_id: str, owner_user_id: str, file_name: str, declared_size: int,
           now: datetime, expires_at: datetime) -> ImportJob:
    item = ImportModel(cif=cif, import_id=import_id, owner_user_id=owner_user_id, file_name=file_name,
                       declared_size=declared_size, state="awaiting_upload", created_at=now,
                       expires_at=expires_at)
    item.save(condition=ImportModel.import_id.does_not_exist())
    return _job(item)


def find(cif: str, import_id: str) -> ImportJob | None:
    try:
        return _job(ImportModel.get(cif, import_id, consistent_read=True))
    except DoesNotExist:
        return None


def recent(cif: str, limit: int) -> list[ImportJob]:
    """The company's newest jobs, without their per-file results (which can be large)."""
    attributes = [a for a in ImportModel.get_attributes() if a != "files"]
    return [_job(item) for item in ImportModel.query(cif, scan_index_forward=False, limit=limit,
                                                      attributes_to_get=attributes)]


def mark_queued(job: ImportJob, upload_version: str, upload_size: int) -> bool:
    """awaiting_upload → queued, fixing which S3 version the worker reads; False when the job
    had left awaiting_upload already (started twice)."""
    return _update(job, [ImportModel.state.set("queued"), ImportModel.upload_version.set(upload_version),
                         ImportModel.upload_size.set(upload_size)],
                   ImportModel.state == "awaiting_upload")


def mark_running(job: ImportJob, total: int, now: datetime) -> bool:
    return _update(job, [ImportModel.state.set("running"), ImportModel.total.set(total),
                         ImportModel.started_at.set(now)],
                   ImportModel.state == "queued")


def save_progress(job: ImportJob, start: int, results: list[FileResult]) -> bool:
    """Record the results of the ZIPs from `start` on and move the position past them, only
    if the position is still `start`; False when another worker moved it (nothing written)."""
    counts = {status: sum(1 for r in results if r.status == status) for status in COUNTED}
    actions = [ImportModel.position.set(start + len(results)),
               ImportModel.files.set(ImportModel.files.append([_stored(r) for r in results])),
               *(getattr(ImportModel, status).add(n) for status, n in counts.items() if n)]
    return _update(job, actions, (ImportModel.position == start) & (ImportModel.state == "running"))


def finish(job: ImportJob, now: datetime) -> bool:
    return _update(job, [ImportModel.state.set("done"), ImportModel.finished_at.set(now)],
                   ImportModel.state == "running")


def fail(job: ImportJob, code: str, message: str, now: datetime) -> bool:
    return _update(job, [ImportModel.state.set("failed"), ImportModel.error_code.set(code),
                         ImportModel.error_message.set(message), ImportModel.finished_at.set(now)],
                   ImportModel.state.is_in("awaiting_upload", "queued", "running"))


def _update(job: ImportJob, actions: list, condition: object) -> bool:
    return updated_if(ImportModel(cif=job.cif, import_id=job.import_id), actions,
                      ImportModel.import_id.exists() & condition)


def _stored(result: FileResult) -> ImportFileResult:
    return ImportFileResult(name=result.name, status=result.status, reason=result.reason,
                            message_id=result.message_id, kind=result.kind)


def _job(item: ImportModel) -> ImportJob:
    files = tuple(FileResult(f.name, f.status, f.reason, f.message_id, f.kind) for f in item.files or [])
    return ImportJob(
        cif=item.cif, import_id=item.import_id, owner_user_id=item.owner_user_id, file_name=item.file_name,
        declared_size=int(item.declared_size), state=item.state, created_at=item.created_at,
        upload_version=item.upload_version,
        upload_size=None if item.upload_size is None else int(item.upload_size),
        position=int(item.position or 0), total=None if item.total is None else int(item.total),
        counts={status: int(getattr(item, status) or 0) for status in COUNTED}, files=files,
        error_code=item.error_code, error_message=item.error_message,
        started_at=item.started_at, finished_at=item.finished_at)

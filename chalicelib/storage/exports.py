"""The export repository: ExportModel items ("download all", CSV and Excel exports: their
filter, status and progress). An item expires with DynamoDB TTL; its S3 object's key is
storage/keys.py `export` and the bucket's lifecycle deletes it."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.storage.models import ExportModel

Export = ExportModel  # the record type services and views read (attributes only)


def create(export_id: str, *, owner_user_id: str, cif: str, fmt: str, filters: dict[str, str],
           now: datetime, expires_at: datetime) -> Export:
    """A queued export (never over an existing id)."""
    export = ExportModel(export_id=export_id, owner_user_id=owner_user_id, cif=cif, filters=filters,
                         status="queued", progress=0, created_at=now, expires_at=expires_at, format=fmt,
                         done=0)
    export.save(condition=ExportModel.export_id.does_not_exist())
    return export


def get(export_id: str, *, consistent: bool = False) -> Export | None:
    try:
        return ExportModel.get(export_id, consistent_read=consistent)
    except DoesNotExist:
        return None


def mark_building(export_id: str, now: datetime) -> None:
    """A (re)started build: progress from zero, an earlier error forgotten."""
    ExportModel(export_id=export_id).update(actions=[
        ExportModel.status.set("building"), ExportModel.started_at.set(now), ExportModel.done.set(0),
        ExportModel.progress.set(0), ExportModel.error.remove()])


def set_total(export_id: str, total: int) -> None:
    ExportModel(export_id=export_id).update(actions=[ExportModel.total.set(total)])


def set_progress(export_id: str, done: int, percent: int) -> None:
    ExportModel(export_id=export_id).update(actions=[ExportModel.done.set(done), ExportModel.progress.set(percent)])


def mark_failed(export_id: str, error: str, now: datetime) -> None:
    ExportModel(export_id=export_id).update(actions=[
        ExportModel.status.set("failed"), ExportModel.error.set(error), ExportModel.finished_at.set(now)])


def mark_ready(export_id: str, *, done: int, s3_key: str, size: int, now: datetime) -> None:
    ExportModel(export_id=export_id).update(actions=[
        ExportModel.status.set("ready"), ExportModel.progress.set(100), ExportModel.done.set(done),
        ExportModel.s3_key.set(s3_key), ExportModel.size.set(size), ExportModel.finished_at.set(now)])

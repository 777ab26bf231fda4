"""The sync run repository: SyncRunModel items, the audit trail of each sync run of a company
(what was listed, fetched and failed), written once at the end of the run and read newest
first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from chalicelib.storage.models import SyncRunModel

SyncRun = SyncRunModel  # the record type services and views read (attributes only)


def record(cif: str, run_id: str, *, reason: str, started: datetime, finished: datetime,
           window: tuple[datetime, datetime], result: str, anaf_calls: int, listed: int, new: int,
           already: int, failed: int, lost: int, bytes_: int, errors: dict[str, int]) -> None:
    """One run; its key "<ISO-8601 UTC start>#<run>" sorts the company's runs by time."""
    SyncRunModel(cif=cif, started_at=f"{started.astimezone(UTC).isoformat()}#{run_id[:8]}",
                 finished_at=finished, window_start=window[0], window_end=window[1],
                 anaf_calls=anaf_calls, listed=listed, new=new, already=already, failed=failed,
                 lost=lost, bytes=bytes_, errors=errors, result=result, reason=reason).save()


def newest_first(cif: str, limit: int) -> list[SyncRun]:
    return list(SyncRunModel.query(cif, scan_index_forward=False, limit=limit))


def oldest_first(cif: str) -> Iterator[SyncRun]:
    """Every run of the company, oldest first (the integrity check reads their windows)."""
    yield from SyncRunModel.query(cif, scan_index_forward=True)

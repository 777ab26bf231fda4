"""The sync run repository: SyncRunModel items, the audit trail of each sync run of a company
(what was listed, fetched and failed), written once at the end of the run and read newest
first.

Runs age out after RUN_RETENTION (DynamoDB TTL): a company synced every 15 minutes writes
35 000 runs a year. The integrity check reads the windows the runs listed to find the period
covered and its holes, so that survives in two forms kept for good: coverage spans (one item
per stretch of contiguously listed time, partition "{cif}#coverage", extended by each listed
run) and the runs that lost messages past ANAF's 60 days. `oldest_first` yields both with the
runs still kept, in start order, so the check sees the same period and gaps as with every run.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from chalicelib.domain.integrity import LISTED_RESULTS, MIN_GAP
from chalicelib.storage.models import SyncRunModel

RUN_RETENTION = timedelta(days=396)  # 13 months: a year of runs to look back on, then TTL
SPAN_SUFFIX = "#span"

SyncRun = SyncRunModel  # the record type services and views read (attributes only)


def record(cif: str, run_id: str, *, reason: str, started: datetime, finished: datetime,
           window: tuple[datetime, datetime], result: str, anaf_calls: int, listed: int, new: int,
           already: int, failed: int, lost: int, bytes_: int, errors: dict[str, int]) -> None:
    """One run; its key "<ISO-8601 UTC start>#<run>" sorts the company's runs by time. A run
    that lost messages is kept for good (the integrity report lists them); the others age out
    once their listed window is in the company's coverage spans."""
    if result in LISTED_RESULTS:
        _extend_coverage(cif, window[0], window[1])
    SyncRunModel(cif=cif, started_at=f"{started.astimezone(UTC).isoformat()}#{run_id[:8]}",
                 finished_at=finished, window_start=window[0], window_end=window[1],
                 anaf_calls=anaf_calls, listed=listed, new=new, already=already, failed=failed,
                 lost=lost, bytes=bytes_, errors=errors, result=result, reason=reason,
                 expires_at=None if lost else finished + RUN_RETENTION).save()


def _coverage_key(cif: str) -> str:
    return f"{cif}#coverage"


def _extend_coverage(cif: str, start: datetime, end: datetime) -> None:
    """Grow the newest span when the window continues it (within MIN_GAP, the check's own
    tolerance), else open a new span: a hole between spans stays a hole. Runs of a company
    never overlap (the sync holds the company's lease), so read-then-write is safe."""
    newest = next(iter(SyncRunModel.query(_coverage_key(cif), scan_index_forward=False, limit=1)), None)
    if newest is not None and newest.window_start is not None and newest.window_end is not None \
            and newest.window_start - MIN_GAP <= start <= newest.window_end + MIN_GAP:
        if end > newest.window_end:
            newest.update(actions=[SyncRunModel.window_end.set(end)])
        return
    SyncRunModel(cif=_coverage_key(cif), started_at=f"{start.astimezone(UTC).isoformat()}{SPAN_SUFFIX}",
                 window_start=start, window_end=end, result="complete", reason="coverage").save()


def newest_first(cif: str, limit: int) -> list[SyncRun]:
    return list(SyncRunModel.query(cif, scan_index_forward=False, limit=limit))


def oldest_first(cif: str) -> Iterator[SyncRun]:
    """The runs still kept and the coverage spans, oldest start first (the integrity check
    reads their windows; both keys begin with the ISO-8601 UTC start, so they merge by key)."""
    yield from heapq.merge(SyncRunModel.query(cif, scan_index_forward=True),
                           SyncRunModel.query(_coverage_key(cif), scan_index_forward=True),
                           key=lambda run: run.started_at)

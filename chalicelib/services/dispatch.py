"""Fan-out: find the companies whose sync is due and put one sync message per company.

Reads only the `due` index entries that are due (a query per shard, never a scan), so the
cost follows the number of due companies, not the size of the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.licences import licence_for
from chalicelib.storage import companies
from chalicelib.storage.companies import DUE_SHARDS, Company
from chalicelib.storage.queues import WorkQueues


@dataclass(frozen=True)
class DispatchResult:
    due: int
    enqueued: int
    skipped: int  # another dispatcher moved the company first (its message went out twice: harmless)


def dispatch_due_companies(now: datetime, queues: WorkQueues,
                           time_left_s: Callable[[], float] = lambda: 900.0) -> DispatchResult:
    """Enqueue every due company, ten messages per SQS call; stop when the invocation's time
    runs low (the companies left stay due and the next firing takes them).

    A company's message is sent before its next sync moves: when SQS refuses, the error
    propagates and the companies stay due, so the next firing takes them (never a lost
    interval). A message sent twice (two dispatchers, or a crash between send and advance) is
    harmless: the sync worker's lease on the company keeps the runs apart."""
    due = enqueued = skipped = 0
    for shard in range(DUE_SHARDS):
        batch: list[Company] = []
        for entry in companies.due(shard, now):
            if time_left_s() < 10:
                break
            due += 1
            batch.append(entry)
            if len(batch) == 10:
                sent, moved_first = _send_then_advance(batch, now, queues)
                enqueued, skipped, batch = enqueued + sent, skipped + moved_first, []
        sent, moved_first = _send_then_advance(batch, now, queues)
        enqueued, skipped = enqueued + sent, skipped + moved_first
    return DispatchResult(due=due, enqueued=enqueued, skipped=skipped)


def _send_then_advance(batch: list[Company], now: datetime, queues: WorkQueues) -> tuple[int, int]:
    """Send the batch's sync messages, then move each company's next sync; (sent, skipped)."""
    if not batch:
        return 0, 0
    sent = queues.send_many("sync", [{"cif": entry.cif, "reason": "schedule",
                                      "due_at": entry.next_sync_at.isoformat()} for entry in batch])
    skipped = sum(1 for entry in batch if not _advance(entry, now))
    return sent, skipped


def _advance(entry: Company, now: datetime) -> bool:
    """Move next_sync_at forward by the licence's interval, unless someone else already did."""
    return companies.schedule_next(entry.cif, now + licence_for(entry.licence).sync_interval,
                                   planned=entry.next_sync_at)

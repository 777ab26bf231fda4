"""Fan-out: find the companies whose sync is due and put one sync message per company.

Reads only the `due` index entries that are due (a query per shard, never a scan), so the
cost follows the number of due companies, not the size of the table.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import UpdateError

from chalicelib.domain.licences import licence_for
from chalicelib.storage.models import CompanyModel
from chalicelib.storage.queues import WorkQueues

DUE_SHARDS = 8


def due_shard(cif: str) -> int:
    """A stable shard for a CIF, spreading the `due` index over several partitions."""
    return zlib.crc32(cif.encode("ascii")) % DUE_SHARDS


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
        batch: list[CompanyModel] = []
        for entry in CompanyModel.due.query(shard, CompanyModel.next_sync_at <= now):
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


def _send_then_advance(batch: list[CompanyModel], now: datetime, queues: WorkQueues) -> tuple[int, int]:
    """Send the batch's sync messages, then move each company's next sync; (sent, skipped)."""
    if not batch:
        return 0, 0
    sent = queues.send_many("sync", [{"cif": entry.cif, "reason": "schedule",
                                      "due_at": entry.next_sync_at.isoformat()} for entry in batch])
    skipped = sum(1 for entry in batch if not _advance(entry, now))
    return sent, skipped


def _advance(entry: CompanyModel, now: datetime) -> bool:
    """Move next_sync_at forward by the licence's interval, unless someone else already did."""
    licence = licence_for(entry.licence)
    company = CompanyModel(cif=entry.cif)
    try:
        company.update(
            actions=[CompanyModel.next_sync_at.set(now + licence.sync_interval)],
            condition=CompanyModel.next_sync_at == entry.next_sync_at,
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True

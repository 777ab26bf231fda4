"""Sync runs age out (DynamoDB TTL) and the integrity check still sees the same coverage: the
spans and the runs that lost messages are kept for good. Over moto's DynamoDB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from chalicelib.domain import integrity as rules
from chalicelib.storage import integrity as integrity_store
from chalicelib.storage import sync_runs
from chalicelib.storage.models import SyncRunModel

T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def run(cif: str, start: datetime, end: datetime, *, lost: int = 0, result: str = "complete") -> None:
    sync_runs.record(cif, uuid.uuid4().hex, reason="schedule", started=end, finished=end + timedelta(minutes=1),
                     window=(start, end), result=result, anaf_calls=2, listed=3, new=1, already=2, failed=0,
                     lost=lost, bytes_=1000, errors={})


def test_runs_age_out_and_the_coverage_with_its_gaps_survives_them(settings):
    cif = "7" + uuid.uuid4().hex[:6]
    # GIVEN a first sync over 60 days, hourly runs overlapping by an hour, a failed run, a day
    # never listed, then a run that lost messages past ANAF's 60 days
    run(cif, T0 - timedelta(days=60), T0)
    for hour in range(1, 6):
        run(cif, T0 + timedelta(hours=hour - 2), T0 + timedelta(hours=hour))
    run(cif, T0 + timedelta(hours=5), T0 + timedelta(hours=6), result="failed")
    after_gap = T0 + timedelta(days=2)
    run(cif, after_gap, after_gap + timedelta(hours=1), lost=3)
    run(cif, after_gap, after_gap + timedelta(hours=2))
    before = rules.coverage(integrity_store.sync_windows(cif), None)
    assert before.period_from == T0 - timedelta(days=60) and before.period_to == after_gap + timedelta(hours=2)
    assert {gap["kind"] for gap in before.gaps} == {"not_listed", "lost"}

    # THEN every run but the one that lost messages expires 13 months after it finished
    runs = list(SyncRunModel.query(cif))
    assert len(runs) == 9
    kept = [r for r in runs if r.expires_at is None]
    assert [int(r.lost) for r in kept] == [3]
    assert all(r.expires_at == r.finished_at + sync_runs.RUN_RETENTION for r in runs if r.expires_at)

    # WHEN DynamoDB's TTL has deleted the expired runs
    for expired in (r for r in runs if r.expires_at is not None):
        expired.delete()

    # THEN the integrity check sees the same period and the same gaps
    after = rules.coverage(integrity_store.sync_windows(cif), None)
    assert (after.period_from, after.period_to, after.gaps) == (before.period_from, before.period_to, before.gaps)
    # and the recent runs list (the company page) shows only runs, never coverage spans
    assert [r.cif for r in sync_runs.newest_first(cif, 10)] == [cif]

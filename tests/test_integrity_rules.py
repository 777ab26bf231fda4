"""The integrity check's pure rules (chalicelib/domain/integrity.py): what an original's Object
Lock must say, how counters reconcile, where the listed window has holes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain import integrity as rules
from chalicelib.domain.integrity import SyncWindow

T0 = datetime(2026, 11, 1, tzinfo=UTC)
LEGAL = datetime(2037, 1, 1, tzinfo=UTC)


def test_the_lock_must_reach_the_legal_retention_in_the_stage_s_mode():
    expected = rules.expected_retention(LEGAL, T0, lock_days=None)
    assert expected == LEGAL
    assert rules.retention_problem("COMPLIANCE", LEGAL, expected_mode="COMPLIANCE", expected_until=expected) is None
    assert rules.retention_problem("COMPLIANCE", LEGAL - timedelta(days=1), expected_mode="COMPLIANCE",
                                   expected_until=expected)[0] == "retention_short"
    assert rules.retention_problem("GOVERNANCE", LEGAL, expected_mode="COMPLIANCE",
                                   expected_until=expected)[0] == "retention_mode"
    assert rules.retention_problem(None, None, expected_mode="COMPLIANCE",
                                   expected_until=expected)[0] == "retention_missing"
    assert rules.retention_problem(None, None, expected_mode="NONE", expected_until=expected) is None


def test_a_stage_cap_counts_from_the_write_not_the_legal_date():
    # dev and local cap the lock at a day from the write (storage/blobs.py)
    expected = rules.expected_retention(LEGAL, T0, lock_days=1)
    assert expected == T0
    assert rules.retention_problem("GOVERNANCE", T0 + timedelta(days=1), expected_mode="GOVERNANCE",
                                   expected_until=expected) is None


def test_counters_reconcile_per_kind_and_in_total():
    assert rules.counter_drift({"total": 3, "received": 2, "sent": 1}, {"received": 2, "sent": 1}) == []
    drift = rules.counter_drift({"total": 4, "received": 3, "sent": 1}, {"received": 2, "sent": 1})
    assert [(p.kind, p.detail) for p in drift] == [("total", "afișat 4, în arhivă 3"),
                                                  ("received", "afișat 3, în arhivă 2")]


def test_holes_between_listed_windows_and_lost_messages_are_gaps():
    day = timedelta(days=1)
    windows = [
        SyncWindow(T0, T0 + day, "complete", 0, f"{T0.isoformat()}#a"),
        SyncWindow(T0 + day - timedelta(minutes=5), T0 + 2 * day, "complete", 0, "b"),  # overlaps: no hole
        SyncWindow(T0 + 3 * day, T0 + 4 * day, "anaf_unavailable", 0, "c"),  # listed nothing
        SyncWindow(T0 + 5 * day, T0 + 6 * day, "partial", 2, f"{(T0 + 5 * day).isoformat()}#d"),
    ]
    coverage = rules.coverage(windows, covered_until=T0 + 6 * day)
    assert coverage.period_from == T0 and coverage.period_to == T0 + 6 * day
    assert coverage.gaps == [
        {"kind": "lost", "at": (T0 + 5 * day).isoformat(), "count": 2},
        {"kind": "not_listed", "from": (T0 + 2 * day).isoformat(), "to": (T0 + 5 * day).isoformat()},
    ]
    assert rules.coverage([], None) == rules.Coverage(None, None, [])

"""Adaptive polling (domain/polling.py): active companies at their licence's interval, quiet
ones less often, never past what the licence promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.licences import FREE, LICENCES, PRO, STANDARD
from chalicelib.domain.polling import QUIET_FRACTION, next_sync_interval

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("licence", [FREE, STANDARD, PRO])
def test_a_company_with_a_new_document_just_now_is_polled_at_its_licences_interval(licence):
    assert next_sync_interval(licence, NOW, NOW) == licence.sync_interval


def test_the_interval_grows_with_the_quiet_time_between_the_licences_interval_and_its_promise():
    quiet_for = [timedelta(minutes=m) for m in (0, 60, 120, 180, 240, 360, 480, 600, 24 * 60, 7 * 24 * 60)]
    intervals = [next_sync_interval(PRO, NOW - q, NOW) for q in quiet_for]
    assert intervals == sorted(intervals)  # never shorter for a quieter company
    assert intervals[0] == intervals[2] == PRO.sync_interval  # quiet 2 h: still every 15 min
    assert intervals[3] == timedelta(minutes=180) / QUIET_FRACTION  # an eighth of the quiet time
    assert intervals[-1] == PRO.quiet_sync_interval == timedelta(hours=1)


@pytest.mark.parametrize("licence", list(LICENCES.values()))
def test_no_company_waits_longer_than_its_licence_promises(licence):
    for quiet in (timedelta(0), timedelta(hours=5), timedelta(days=3), timedelta(days=400)):
        assert licence.sync_interval <= next_sync_interval(licence, NOW - quiet, NOW) <= licence.quiet_sync_interval
    assert next_sync_interval(licence, None, NOW) == licence.quiet_sync_interval  # never any activity


def test_a_clock_behind_the_last_activity_counts_as_active():
    assert next_sync_interval(STANDARD, NOW + timedelta(minutes=5), NOW) == STANDARD.sync_interval

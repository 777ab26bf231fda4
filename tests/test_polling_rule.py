"""The adaptive polling rule (domain/polling.py): active companies at the licence's interval,
quiet ones backed off stepwise within the licence's promise, reset by any sign of activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.licences import FREE, LICENCES, PRO, STANDARD
from chalicelib.domain.polling import (
    HISTORY,
    OVERLAP,
    QUIET_AFTER,
    QUIET_RUNS,
    Activity,
    after_run,
    list_window,
    next_poll,
    poll_interval,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(("licence", "quiet_for", "quiet_runs", "first_sync_done", "expected"), [
    # active: recent activity, too few empty runs, or the first sync not done
    (STANDARD, timedelta(0), 0, True, H),
    (STANDARD, 23 * H, 22, True, H),
    (STANDARD, QUIET_AFTER - M, 100, True, H),
    (STANDARD, 10 * D, QUIET_RUNS - 1, True, H),
    (STANDARD, 10 * D, 50, False, H),
    # quiet: doubling as the quiet time doubles, up to the licence's quiet promise
    (STANDARD, QUIET_AFTER, QUIET_RUNS, True, 2 * H),
    (STANDARD, 2 * D - M, 30, True, 2 * H),
    (STANDARD, 2 * D, 30, True, 4 * H),
    (STANDARD, 30 * D, 300, True, 4 * H),
    (PRO, 12 * H, 40, True, 15 * M),
    (PRO, D, 96, True, 30 * M),
    (PRO, 2 * D, 192, True, H),
    (PRO, 59 * D, 5000, True, H),
    # Free is polled once a day whatever happens
    (FREE, timedelta(0), 0, True, D),
    (FREE, 30 * D, 30, True, D),
])
def test_the_next_poll_follows_the_activity_within_the_licence(licence, quiet_for, quiet_runs, first_sync_done,
                                                               expected):
    activity = Activity(active_at=NOW - quiet_for, quiet_runs=quiet_runs)
    assert poll_interval(licence, activity, now=NOW, first_sync_done=first_sync_done) == expected
    assert next_poll(licence, activity, now=NOW, first_sync_done=first_sync_done) == NOW + expected


@pytest.mark.parametrize("licence", list(LICENCES.values()))
def test_no_quiet_time_ever_exceeds_the_licence_promise(licence):
    for days in range(61):
        for runs in (0, QUIET_RUNS, 10_000):
            interval = poll_interval(licence, Activity(NOW - days * D, runs), now=NOW, first_sync_done=True)
            assert licence.sync_interval <= interval <= licence.quiet_sync_interval


def test_a_company_with_no_activity_known_is_polled_at_the_licence_interval():
    assert poll_interval(STANDARD, Activity(None, 99), now=NOW, first_sync_done=True) == H


@pytest.mark.parametrize(("before", "found_new", "complete", "manual_at", "expected"), [
    # new messages: active now, whatever came before
    (Activity(NOW - 5 * D, 80), True, True, None, Activity(NOW, 0)),
    (Activity(NOW - 5 * D, 80), True, False, None, Activity(NOW, 0)),  # a partial run archived some
    # nothing new: one more quiet run when the run was complete, none when it was not
    (Activity(NOW - 5 * D, 80), False, True, None, Activity(NOW - 5 * D, 81)),
    (Activity(NOW - 5 * D, 80), False, False, None, Activity(NOW - 5 * D, 80)),
    # "Sincronizează acum" after the last activity: active from that moment
    (Activity(NOW - 5 * D, 80), False, True, NOW - M, Activity(NOW - M, 1)),
    # ... but an older one changes nothing
    (Activity(NOW - 5 * D, 80), False, True, NOW - 6 * D, Activity(NOW - 5 * D, 81)),
    # no activity known yet (companies synced before the rule): the quiet time starts now
    (Activity(None, 0), False, True, None, Activity(NOW, 1)),
])
def test_the_activity_after_a_run(before, found_new, complete, manual_at, expected):
    assert after_run(before, now=NOW, found_new=found_new, complete=complete, manual_requested_at=manual_at) == expected


def test_a_manual_sync_brings_a_backed_off_company_back_to_its_interval():
    quiet = Activity(NOW - 10 * D, 100)
    assert poll_interval(STANDARD, quiet, now=NOW, first_sync_done=True) == 4 * H
    after = after_run(quiet, now=NOW, found_new=False, complete=True, manual_requested_at=NOW - M)
    assert poll_interval(STANDARD, after, now=NOW, first_sync_done=True) == H


@pytest.mark.parametrize(("covered_until", "expected_start"), [
    (None, NOW - HISTORY + timedelta(minutes=10)),  # first sync: ANAF's whole listable history
    (NOW - 4 * H, NOW - 4 * H - OVERLAP),  # a backed-off company: one longer window
    (NOW - 90 * D, NOW - HISTORY + timedelta(minutes=10)),  # never past ANAF's 60 days
])
def test_the_list_window(covered_until, expected_start):
    start, end = list_window(covered_until, NOW)
    assert start == expected_start and end == NOW - timedelta(seconds=30)


def test_a_backed_off_window_stays_far_from_the_sixty_days():
    for licence in LICENCES.values():
        covered_until = NOW - licence.quiet_sync_interval
        start, end = list_window(covered_until, NOW)
        assert end - start <= licence.quiet_sync_interval + OVERLAP < timedelta(days=2)

"""The ANAF call bucket: its arithmetic (pure), then workers sharing it over moto's DynamoDB.

ANAF counts calls over a sliding 60 s: no budget may ever let more than its share into any
60 s, whatever the timing of the calls or the number of workers."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.call_bucket import Bucket, lease
from chalicelib.services.budget import BudgetExhausted, CallBudget

ANAF = Bucket()


def most_in_any_window(times: list[float], window_s: float) -> int:
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window_s:
            first += 1
        most = max(most, last - first + 1)
    return most


# -- arithmetic ----------------------------------------------------------------------------------

def test_the_rate_keeps_anafs_window_under_its_share_and_uses_at_least_95_percent_of_it():
    # the most calls one ANAF window can see: the burst, plus the refill over the window, a
    # lease's lifetime and the time a call takes to reach ANAF
    most_in_window = ANAF.burst + ANAF.rate_per_s * (ANAF.window_s + ANAF.lease_ttl_s + ANAF.transit_s)
    assert most_in_window <= 1000 - 10
    assert ANAF.rate_per_s * 60 >= 950


def test_a_new_bucket_grants_its_burst_then_nothing_until_it_refills():
    first = lease(None, 1000.0, 5, ANAF)
    second = lease(first.tat, 1000.0, 5, ANAF)
    third = lease(second.tat, 1000.0, 5, ANAF)
    assert (first.granted, second.granted, third.granted) == (5, 5, 0)
    assert third.wait_s == pytest.approx(5 / ANAF.rate_per_s)
    assert lease(second.tat, 1000.0 + third.wait_s, 5, ANAF).granted == 5


def test_a_lease_grants_what_is_there_when_less_than_wanted():
    empty = lease(None, 0.0, 10, ANAF).tat
    assert lease(empty, 2 / ANAF.rate_per_s, 5, ANAF).granted == 2


def test_an_idle_bucket_holds_no_more_than_its_burst():
    old = lease(None, 0.0, 5, ANAF).tat
    answer = lease(old, 3600.0, 100, ANAF)
    assert answer.granted == ANAF.burst


def test_greedy_workers_spending_late_never_exceed_the_share_of_any_sliding_window():
    # Workers lease as soon as tokens are there and spend each token as late as allowed
    # (lease time + TTL + transit): the worst case for ANAF's window.
    tat, now, calls = None, 0.0, []
    while now < 300:
        answer = lease(tat, now, 5, ANAF)
        if answer.granted:
            tat = answer.tat
            calls += [now + ANAF.lease_ttl_s + ANAF.transit_s] * answer.granted
        else:
            now += answer.wait_s
    assert most_in_any_window(calls, 60.0) <= 990
    assert len(calls) >= 0.95 * 1000 * 300 / 60 * 0.99


# -- shared over DynamoDB (moto) ------------------------------------------------------------------

class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def spend_until_refused(budget: CallBudget, count: list[int], lock: threading.Lock) -> None:
    while True:
        try:
            budget.spend_call()
        except BudgetExhausted:
            return
        with lock:
            count[0] += 1


def burst(budgets: list[CallBudget]) -> int:
    count, lock = [0], threading.Lock()
    threads = [threading.Thread(target=spend_until_refused, args=(b, count, lock)) for b in budgets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count[0]


def workers(clock: Callable[[], datetime], key: str, n: int) -> list[CallBudget]:
    # max_wait_s=0: a worker that would have to wait stops (the test's clock stands still)
    return [CallBudget(clock, max_wait_s=0, key=key) for _ in range(n)]


def test_a_burst_at_59_and_one_at_01_stay_within_anafs_sliding_minute(settings):
    # The calendar-minute counter let its whole minute through at :59 and again at :01.
    key = f"bucket#test-{uuid.uuid4().hex}"
    clock = Clock(datetime(2026, 3, 2, 12, 0, 59, tzinfo=UTC))
    team = workers(clock, key, 6)
    at_59 = burst(team)
    clock.at += timedelta(seconds=2)
    at_01 = burst(team)
    assert at_59 + at_01 <= ANAF.burst + ANAF.rate_per_s * 2 + 1
    assert at_59 + at_01 <= 990
    assert at_01 >= 1  # the bucket refilled meanwhile


def test_concurrent_workers_in_real_time_never_pass_a_sliding_window(settings):
    # A small bucket (50 calls per 2 s) lets the test watch several windows in a few seconds.
    small = Bucket(limit=50, window_s=2.0, burst=6, lease_ttl_s=0.2, transit_s=0.05)
    key = f"bucket#test-{uuid.uuid4().hex}"
    calls: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker() -> None:
        budget = CallBudget(lambda: datetime.now(UTC), bucket=small, block=3, key=key)
        while not stop.is_set():
            budget.spend_call()
            with lock:
                calls.append(datetime.now(UTC).timestamp())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    threading.Event().wait(5.0)
    stop.set()
    for thread in threads:
        thread.join()
    assert most_in_any_window(calls, 2.0) <= 50
    assert len(calls) >= 50  # they did take the budget (more than one window's worth)


def test_a_worker_that_dies_holding_a_block_loses_nothing_for_the_others(settings):
    key = f"bucket#test-{uuid.uuid4().hex}"
    clock = Clock(datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC))
    dead = CallBudget(clock, max_wait_s=0, key=key)
    dead.spend_call()  # leases a block of 5, spends 1, then its Lambda dies
    survivor = CallBudget(clock, max_wait_s=0, key=key)
    clock.at += timedelta(seconds=60)
    assert burst([survivor]) == ANAF.burst  # the bucket is full again: nothing was kept

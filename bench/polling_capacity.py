"""How many companies one ANAF application can serve: fixed vs adaptive polling (issue 14).

The saturation bench measures what a run costs in ANAF calls (a list call per run with nothing
to download, and calls per archived message) and passes them here; this module plays a
realistic mix of companies through the product's own polling rule (domain/polling.py) over
simulated weeks and divides the workers' share of ANAF's budget (the call bucket's refill rate,
956 calls a minute) by the calls one company of the mix needs in the busiest hour of the week.
The busiest hour binds: the bucket cannot save the nights' unused calls for the mornings.

Run alone with the default inputs (the figures measured in the README):
.venv/bin/python -m bench.polling_capacity
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.call_bucket import Bucket
from chalicelib.domain.licences import FREE, PRO, STANDARD, Licence
from chalicelib.domain.polling import Activity, after_run, next_poll


@dataclass(frozen=True)
class Kind:
    """A kind of company: its share of the mix and how many messages it gets per working day."""

    name: str
    share: float
    messages_per_working_day: float


# The mix (stated in the README): most companies receive a few invoices a month (quiet: ≈ 8 a
# month; a few a day: ≈ 90; busy: ≈ 1 300).
MIX = (Kind("quiet (≈ 2 messages a week)", 0.70, 0.4),
       Kind("a few a day", 0.25, 4.0),
       Kind("busy", 0.05, 60.0))
LICENCE_SHARES = ((FREE, 0.40), (STANDARD, 0.45), (PRO, 0.15))
WORK_START_H, WORK_END_H = 8, 18  # messages arrive on working days, in these hours (Romanian time)
PAGE = 500  # messages per list page
WEEKS, WARM_UP_WEEKS = 4, 1
COMPANIES_PER_CELL = 12  # simulated companies per (kind, licence), each with its own phase
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class Costs:
    """ANAF calls measured by the saturation bench."""

    list_calls_per_run: float  # a run's list (one page for a company with < 500 messages listed)
    calls_per_message: float  # downloads, retries included


def arrivals(kind: Kind, rng: random.Random) -> list[datetime]:
    """Message times over the simulated weeks: a Poisson process in working hours."""
    hours = WORK_END_H - WORK_START_H
    rate_per_h = kind.messages_per_working_day / hours
    times: list[datetime] = []
    for day in range(7 * (WEEKS + WARM_UP_WEEKS)):
        start = START + timedelta(days=day, hours=WORK_START_H)
        if start.weekday() >= 5:
            continue
        t = 0.0
        while True:
            t += rng.expovariate(rate_per_h)
            if t >= hours:
                break
            times.append(start + timedelta(hours=t))
    return times


def hourly_calls(kind: Kind, licence: Licence, costs: Costs, schedule: Callable[..., datetime],
                 rng: random.Random) -> tuple[list[float], list[float]]:
    """Calls per hour of the week (168 buckets, Monday 00:00 first) of one company, averaged
    over the measured weeks, and the list calls among them; `schedule(licence, activity, now)`
    is the next poll."""
    buckets = [0.0] * 168
    list_buckets = [0.0] * 168
    messages = arrivals(kind, rng)
    end = START + timedelta(weeks=WEEKS + WARM_UP_WEEKS)
    measured_from = START + timedelta(weeks=WARM_UP_WEEKS)
    t = START + timedelta(seconds=rng.uniform(0, licence.sync_interval.total_seconds()))
    activity = Activity(active_at=START, quiet_runs=0)
    index = 0
    while t < end:
        first = index
        while index < len(messages) and messages[index] <= t:
            index += 1
        found = index - first
        if t >= measured_from:
            listed = found  # a window's list shows its new messages (and the overlap's few)
            list_calls = costs.list_calls_per_run * max(1, math.ceil(listed / PAGE))
            buckets[t.weekday() * 24 + t.hour] += (list_calls + found * costs.calls_per_message) / WEEKS
            list_buckets[t.weekday() * 24 + t.hour] += list_calls / WEEKS
        activity = after_run(activity, now=t, found_new=found > 0, complete=True, manual_requested_at=None)
        t = schedule(licence, activity, t)
    return buckets, list_buckets


def fixed(licence: Licence, activity: Activity, now: datetime) -> datetime:
    return now + licence.sync_interval


def adaptive(licence: Licence, activity: Activity, now: datetime) -> datetime:
    return next_poll(licence, activity, now=now, first_sync_done=True)


@dataclass(frozen=True)
class Capacity:
    companies_at_peak: int
    companies_on_average: int
    calls_per_company_day: float
    list_share: float  # of a company's calls, the lists


def capacity(costs: Costs, schedule: Callable[..., datetime], bucket: Bucket) -> Capacity:
    rng = random.Random(14)
    mix = [0.0] * 168
    lists = [0.0] * 168
    for kind in MIX:
        for licence, licence_share in LICENCE_SHARES:
            for _ in range(COMPANIES_PER_CELL):
                company, only_lists = hourly_calls(kind, licence, costs, schedule, rng)
                weight = kind.share * licence_share / COMPANIES_PER_CELL
                mix = [m + weight * c for m, c in zip(mix, company, strict=True)]
                lists = [m + weight * c for m, c in zip(lists, only_lists, strict=True)]
    per_hour_budget = bucket.rate_per_s * 3600
    per_day = sum(mix) / 7
    return Capacity(companies_at_peak=int(per_hour_budget / max(mix)),
                    companies_on_average=int(per_hour_budget * 24 / per_day),
                    calls_per_company_day=per_day, list_share=min(1.0, sum(lists) / sum(mix)))


def report(costs: Costs) -> None:
    bucket = Bucket()
    print(f"capacity of one ANAF application (the workers' {bucket.rate_per_s * 60:.0f} calls/min of ANAF's 1000), "
          f"inputs measured: {costs.list_calls_per_run:.2f} list calls per run, "
          f"{costs.calls_per_message:.3f} calls per archived message")
    print("  mix: " + ", ".join(f"{k.share:.0%} {k.name}: {k.messages_per_working_day:g}/working day" for k in MIX)
          + f" ({WORK_START_H}:00-{WORK_END_H}:00, Mon-Fri); licences "
          + ", ".join(f"{licence.name_ro} {share:.0%}" for licence, share in LICENCE_SHARES))
    for name, schedule in (("fixed polling", fixed), ("adaptive polling", adaptive)):
        figure = capacity(costs, schedule, bucket)
        print(f"  {name:16s}: {figure.companies_at_peak:7,d} companies (busiest hour of the week binds; "
              f"{figure.companies_on_average:,d} if calls could wait for quiet hours); "
              f"{figure.calls_per_company_day:.1f} calls per company-day, {figure.list_share:.0%} of them lists")


if __name__ == "__main__":
    report(Costs(list_calls_per_run=1.0, calls_per_message=1.002))

"""How many companies of a realistic mix one ANAF application can serve, with the product's
polling rule (domain/polling.py) against fixed polling at each licence's interval.

A model, not a measurement: companies of each licence get documents at the stated monthly
rate, on working days (Monday to Friday) between 08:00 and 18:00 (Romanian time), at random
(seeded); two weeks are simulated per sample company, the second one counted. Every sync run
costs one list call per 500 messages listed (at least one) and one download per new message.
ANAF's budget is the product's share of 1000 calls per sliding minute (domain/call_bucket.py).

The ceiling is the busiest hour of the week: polling promises cannot be deferred, and
everyone's working hours are the same hours. The per-day figure is what the budget would
carry if the busy hours' work could wait for quieter ones (it cannot without breaking the
promise): an upper bound.

Run alone: .venv/bin/python -m bench.polling_capacity (also printed by the saturation bench).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WEEK_S = 7 * 24 * 3600
PAGE = 500  # messages per list page


@dataclass(frozen=True)
class Profile:
    licence: str
    share: float  # of the companies
    documents_per_month: int


# A realistic mix (the cost bench's Standard company has 200 invoices a month).
MIX = (Profile("free", 0.60, 30), Profile("standard", 0.30, 200), Profile("pro", 0.10, 1000))
SAMPLES = 40  # companies simulated per profile


def arrivals(profile: Profile, rng: random.Random, weeks: int) -> list[float]:
    """Document arrival times (seconds from a Monday 00:00), working hours of working days."""
    per_week = profile.documents_per_month * 12 / 52
    times = []
    for week in range(weeks):
        for _ in range(round(per_week)):
            day = rng.randrange(5)
            times.append(week * WEEK_S + day * 86400 + 8 * 3600 + rng.random() * 10 * 3600)
    return sorted(times)


def simulate(profile: Profile, adaptive: bool, seed: int) -> list[int]:
    """ANAF calls per hour of the second simulated week, for one company (the same documents
    and the same first sync for a seed, whichever the polling)."""
    from datetime import UTC, datetime

    from chalicelib.domain.licences import licence_for
    from chalicelib.domain.polling import next_sync_interval

    rng = random.Random(seed)
    licence = licence_for(profile.licence)
    docs = arrivals(profile, rng, weeks=2)
    per_hour = [0] * (7 * 24)
    epoch = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday
    t = rng.random() * licence.sync_interval.total_seconds()  # companies are not in step
    seen = 0
    last_activity: float | None = None
    while t < 2 * WEEK_S:
        new = 0
        while seen < len(docs) and docs[seen] <= t:
            seen += 1
            new += 1
        calls = max(1, -(-new // PAGE)) + new  # list page(s), then a download per new message
        if t >= WEEK_S:
            per_hour[int((t - WEEK_S) // 3600)] += calls
        if new:
            last_activity = t
        if adaptive:
            at = epoch + timedelta(seconds=t)
            active = None if last_activity is None else epoch + timedelta(seconds=last_activity)
            t += next_sync_interval(licence, active, at).total_seconds()
        else:
            t += licence.sync_interval.total_seconds()
    return per_hour


def capacity(adaptive: bool, seed: int = 14) -> tuple[float, float, float]:
    """(companies at the busiest hour, companies by the day's total, calls per company-day)."""
    from chalicelib.domain.call_bucket import Bucket

    mixed = [0.0] * (7 * 24)  # calls per hour of an average company of the mix
    for number, profile in enumerate(MIX):
        total = [0] * (7 * 24)
        for sample in range(SAMPLES):
            for hour, calls in enumerate(simulate(profile, adaptive, seed * 10_000 + number * 1000 + sample)):
                total[hour] += calls
        for hour in range(len(mixed)):
            mixed[hour] += profile.share * total[hour] / SAMPLES
    per_minute = Bucket().limit  # the product's share of ANAF's 1000 per sliding minute
    per_hour_budget = per_minute * 60
    busiest = max(mixed)
    per_day = sum(mixed) / 7
    return per_hour_budget / busiest, per_hour_budget * 24 / per_day, per_day


def print_capacity() -> None:
    mix = ", ".join(f"{p.share:.0%} {p.licence} ({p.documents_per_month} documents/month)" for p in MIX)
    print(f"companies one ANAF application can serve (model, domain/polling.py): mix {mix}; documents on "
          f"working days 08-18")
    figures = {}
    for adaptive in (False, True):
        at_peak, by_day, per_day = capacity(adaptive)
        figures[adaptive] = at_peak
        name = "adaptive polling" if adaptive else "fixed polling   "
        print(f"  {name}: {at_peak:,.0f} companies at the busiest hour (the ceiling); {by_day:,.0f} by the "
              f"day's total; {per_day:,.1f} ANAF calls per company-day")
    print(f"  adaptive / fixed at the busiest hour: {figures[True] / figures[False]:.2f}x")


if __name__ == "__main__":
    print_capacity()

"""Adaptive polling (pure): when a company's next sync is due and which window its list spans.

Every sync run costs at least one ANAF list call out of one application's 1000 a minute, so
polling every company at its licence's interval caps the product long before invoices do
(README, "How many companies one ANAF application serves"). Companies with recent activity
are polled at their licence's interval; quiet ones are backed off stepwise, never beyond the
licence's promise for a quiet company (`Licence.quiet_sync_interval`):

- active: the first sync is not done yet, or the last activity (a run that archived new
  messages, "Sincronizează acum", a new authorization) is less than QUIET_AFTER old, or fewer
  than QUIET_RUNS complete runs since it found nothing: polled every `sync_interval`;
- quiet for QUIET_AFTER (and at least QUIET_RUNS empty runs): twice the interval; the interval
  doubles again each time the quiet time doubles (1 day: 2x, 2 days: 4x, 4 days: 8x ...), up
  to `quiet_sync_interval` (Standard: every hour, quiet every 4 h at least; Pro: every 15 min,
  quiet every hour at least; Free: once a day either way);
- any new message, "Sincronizează acum" or a new authorization makes the company active again.

The list of a run spans everything since the covered window's end (less OVERLAP), in one
paginated list: a backed-off company's window is at most its quiet interval plus OVERLAP
(5 h for Standard, 25 h for Free), far from ANAF's 60 days; a company that could not be synced
for long lists from ANAF's earliest listable moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.licences import Licence

HISTORY = timedelta(days=60)  # ANAF keeps messages this long
OVERLAP = timedelta(hours=1)  # ANAF's lists can show a message some minutes after its time
EDGE = timedelta(minutes=10)  # kept inside ANAF's 60 days: its lists and downloads count them differently
SETTLE = timedelta(seconds=30)  # a list ends this long before now (ANAF is still writing the newest)
QUIET_AFTER = timedelta(days=1)  # no activity for this long (and QUIET_RUNS empty runs): quiet
QUIET_RUNS = 3  # complete runs that found nothing, the evidence a company is quiet


@dataclass(frozen=True)
class Activity:
    """What the schedule knows of a company's recent activity (stored on the company record)."""

    active_at: datetime | None  # the last new messages, "Sincronizează acum" or authorization
    quiet_runs: int  # complete runs since active_at that archived nothing new


def list_window(covered_until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The window a run lists: from the covered window's end (less OVERLAP), or from ANAF's
    earliest listable moment on a first sync, to just before now; never past ANAF's 60 days."""
    earliest = now - HISTORY + EDGE
    start = covered_until - OVERLAP if covered_until else earliest
    return max(start, earliest), now - SETTLE


def after_run(before: Activity, *, now: datetime, found_new: bool, complete: bool,
              manual_requested_at: datetime | None) -> Activity:
    """The activity facts after a run: new messages make the company active now; a "Sincronizează
    acum" asked for after the last activity makes it active from that moment; a complete run
    that found nothing counts one more quiet run. A company with no activity known yet (before
    this rule existed) starts its quiet time now."""
    if found_new:
        return Activity(active_at=now, quiet_runs=0)
    active_at, quiet_runs = before.active_at, before.quiet_runs
    if manual_requested_at is not None and (active_at is None or manual_requested_at > active_at):
        active_at, quiet_runs = manual_requested_at, 0
    if active_at is None:
        active_at = now
    return Activity(active_at=active_at, quiet_runs=quiet_runs + (1 if complete else 0))


def poll_interval(licence: Licence, activity: Activity, *, now: datetime, first_sync_done: bool) -> timedelta:
    """How long after a complete run the company is synced again (see the module's rule)."""
    interval = licence.sync_interval
    if not first_sync_done or activity.active_at is None or activity.quiet_runs < QUIET_RUNS:
        return interval
    quiet_for = now - activity.active_at
    step = QUIET_AFTER
    while quiet_for >= step and interval < licence.quiet_sync_interval:
        interval, step = interval * 2, step * 2
    return min(interval, max(licence.quiet_sync_interval, licence.sync_interval))


def next_poll(licence: Licence, activity: Activity, *, now: datetime, first_sync_done: bool) -> datetime:
    return now + poll_interval(licence, activity, now=now, first_sync_done=first_sync_done)

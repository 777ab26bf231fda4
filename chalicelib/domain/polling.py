"""Adaptive polling: how soon a company is synced again (pure).

Every sync run costs at least one ANAF list call, and ANAF allows one application 1000 calls
in any sliding minute: polling every company at its licence's interval caps one application at
about 14 800 Pro companies (96 lists a day each) before a single invoice is downloaded.
Companies are not equally busy: most documents arrive on working days, in working hours, and a
company quiet since Friday will very likely stay quiet for the next hour.

So a company with recent activity (a new document archived) is polled at its licence's
interval; one that has been quiet is polled at a fraction of its quiet time (1/QUIET_FRACTION),
never less often than the licence's promise (`Licence.quiet_sync_interval`, what the licence
page states). A list call covers everything since the covered window's end however long that is
(sync.py), so a longer interval loses nothing: the next list spans the longer window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.licences import Licence

# A company quiet for 8 h is polled every hour (the delay a new document may wait is then an
# eighth of the time the company had been quiet).
QUIET_FRACTION = 8


def next_sync_interval(licence: Licence, last_activity_at: datetime | None, now: datetime) -> timedelta:
    """The wait until a company's next sync after a run at `now`: the licence's interval while
    the company is active, growing with its quiet time up to the licence's promise.
    `last_activity_at`: when a run last archived a new document (None: never)."""
    if last_activity_at is None:
        return licence.quiet_sync_interval
    quiet = max(timedelta(0), now - last_activity_at)
    return min(licence.quiet_sync_interval, max(licence.sync_interval, quiet / QUIET_FRACTION))

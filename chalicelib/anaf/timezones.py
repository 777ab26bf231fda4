"""ANAF speaks Romania local time (Europe/Bucharest); we keep aware datetimes.

Also the injectable clock: everything that needs "now", a monotonic time or a sleep gets a
`Clock`, so tests move time instead of waiting for it.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUCHAREST = ZoneInfo("Europe/Bucharest")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations and spacing)."""

    def sleep(self, seconds: float) -> None:
        """Wait that long (tests advance a fake clock instead)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def parse_anaf_timestamp(value: str) -> datetime:
    """`YYYYMMDDHHmm` in Bucharest local time -> aware datetime (Europe/Bucharest).

    On the autumn DST change the hour 03:00-03:59 happens twice; ANAF's format cannot say
    which, so we take the first (summer time, fold=0). On the spring change 03:00-03:59 does
    not exist; such a value is read with the offset before the change and normalised, so the
    result is always a real instant.
    """
    text = value.strip()
    if len(text) != 12 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"not an ANAF timestamp (YYYYMMDDHHmm): {value!r}")
    try:
        local = datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=BUCHAREST, fold=0)
    except ValueError:  # a month 13, a 31st of June, …: the same answer as any other malformed value
        raise ValueError(f"not an ANAF timestamp (YYYYMMDDHHmm): {value!r}") from None
    return local.astimezone(UTC).astimezone(BUCHAREST)


def to_epoch_millis(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: ANAF times must be timezone-aware")
    return int(moment.timestamp() * 1000)


def next_bucharest_midnight(moment: datetime) -> datetime:
    """The start of the next calendar day in Romania (when ANAF's daily quotas reset)."""
    local_day: date = moment.astimezone(BUCHAREST).date() + timedelta(days=1)
    return datetime(local_day.year, local_day.month, local_day.day, tzinfo=BUCHAREST)

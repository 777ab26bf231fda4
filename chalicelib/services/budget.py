"""ANAF call budgets shared by every worker, kept in the Limits table (atomic counters).

ANAF allows 1000 calls/minute in all, 100 000 paginated lists per CIF per day and 10
downloads per message per day; ignoring its refusals can get the application blocked. Every
worker takes from the same counters before calling, staying a margin below the per-minute and
per-CIF numbers (other callers share them) and at exactly ANAF's number per message.
Per-minute calls are reserved in small chunks, so a busy worker writes once per chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.anaf.timezones import BUCHAREST
from chalicelib.storage import limits as counters

CALLS_PER_MINUTE = 900  # of ANAF's 1000: room for the API's own calls
PAGINATED_LISTS_PER_CIF_PER_DAY = 90_000  # of 100 000
DOWNLOADS_PER_MESSAGE_PER_DAY = 10  # ANAF's number: a message past it waits for tomorrow
MINUTE_CHUNK = 20


class BudgetExhausted(Exception):
    def __init__(self, what: str, retry_at: datetime) -> None:
        super().__init__(f"{what} budget exhausted until {retry_at.isoformat()}")
        self.what = what
        self.retry_at = retry_at


class CallBudget:
    def __init__(self, clock: Callable[[], datetime], *, per_minute: int = CALLS_PER_MINUTE,
                 chunk: int = MINUTE_CHUNK) -> None:
        self._now = clock
        self._per_minute = per_minute
        self._chunk = min(chunk, per_minute)
        self._reserved: dict[str, int] = {}  # minute key -> calls still reserved by us
        self._lock = threading.Lock()

    def spend_call(self) -> None:
        """One ANAF call of any kind (the global per-minute budget)."""
        now = self._now()
        minute = f"minute#{now:%Y%m%d%H%M}"
        with self._lock:
            if self._reserved.get(minute, 0) == 0:
                self._reserved = {minute: 0}  # older minutes' leftovers are worthless now
                if not counters.add_within(minute, self._chunk, self._per_minute, _end_of_minute(now)):
                    raise BudgetExhausted("calls_per_minute", _end_of_minute(now))
                self._reserved[minute] = self._chunk
            self._reserved[minute] -= 1

    # The per-minute budget is taken first: a call it refuses must not use up one of the day's
    # allowances (a message refused ten times in a busy minute would wait for tomorrow).

    def spend_list(self, cif: str) -> None:
        self.spend_call()
        now = self._now()
        day_end = _end_of_day(now)
        if not counters.add_within(f"list#{cif}#{_day(now)}", 1, PAGINATED_LISTS_PER_CIF_PER_DAY, day_end):
            raise BudgetExhausted("lists_per_cif", day_end)

    def spend_download(self, message_id: str) -> None:
        self.spend_call()
        now = self._now()
        day_end = _end_of_day(now)
        if not counters.add_within(f"download#{message_id}#{_day(now)}", 1, DOWNLOADS_PER_MESSAGE_PER_DAY, day_end):
            raise BudgetExhausted("downloads_per_message", day_end)


def _day(now: datetime) -> str:
    return now.astimezone(BUCHAREST).strftime("%Y%m%d")  # ANAF's days are Romanian days


def _end_of_day(now: datetime) -> datetime:
    local = now.astimezone(BUCHAREST)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight


def _end_of_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)

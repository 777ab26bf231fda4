"""ANAF call budgets shared by every worker, kept in the Limits table.

ANAF allows one application 1000 calls in any sliding 60 s, 100 000 paginated lists per CIF
per day and 10 downloads per message per day; ignoring its refusals can get the application
blocked.

The per-minute budget is a token bucket shared by every worker (domain/call_bucket.py: it
keeps any sliding 60 s under the workers' share of ANAF's 1000, whatever the calls' timing; a
calendar-minute counter cannot: 900 calls at :59 and 900 more at :01 are 1800 in ANAF's
window). Workers lease tokens in blocks of BLOCK (one conditional DynamoDB write per block, not
per call) and drop what a block has left after its lease time: a worker that dies holding a
block costs the others at most BLOCK calls, and nothing waits for it.

When the bucket is empty a worker waits for its next block (the wait is known from the
bucket, under a second when the workers together ask for more than ANAF allows), so runs keep
going while work and budget remain; only a wait longer than MAX_WAIT_S stops a run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.anaf.timezones import BUCHAREST
from chalicelib.domain.call_bucket import Bucket
from chalicelib.storage import limits as counters

BLOCK = 5  # tokens leased at once by a worker
MAX_WAIT_S = 10.0  # a worker waiting longer for tokens than this stops its run
PAGINATED_LISTS_PER_CIF_PER_DAY = 90_000  # of 100 000
DOWNLOADS_PER_MESSAGE_PER_DAY = 10  # ANAF's number: a message past it waits for tomorrow
STATUS_CHECKS_PER_UPLOAD_PER_DAY = 90  # of ANAF's 100 stareMesaj calls per upload per day
BUCKET_KEY = "bucket#anaf-calls"
ANAF_BUCKET = Bucket()


class BudgetExhausted(Exception):
    def __init__(self, what: str, retry_at: datetime) -> None:
        super().__init__(f"{what} budget exhausted until {retry_at.isoformat()}")
        self.what = what
        self.retry_at = retry_at


class CallBudget:
    """One worker's view of the shared budgets (thread-safe: a run's download threads share it)."""

    def __init__(self, clock: Callable[[], datetime], *, bucket: Bucket = ANAF_BUCKET,
                 block: int = BLOCK, max_wait_s: float = MAX_WAIT_S,
                 sleep: Callable[[float], None] = time.sleep, key: str = BUCKET_KEY) -> None:
        self._now = clock
        self._bucket = bucket
        self._block = block
        self._max_wait_s = max_wait_s
        self._sleep = sleep
        self._key = key
        self._held = 0
        self._held_until = 0.0
        self._wanted = block  # lowered when a run knows it needs fewer calls (see expect)
        self._lock = threading.Lock()

    def expect(self, calls: int) -> None:
        """The calls the current run still needs: a block never leases more (no tokens are
        dropped for a company that needs one list and two downloads)."""
        with self._lock:
            self._wanted = max(1, min(self._block, calls))

    def spend_call(self) -> None:
        """One ANAF call of any kind (the sliding-minute budget)."""
        with self._lock:
            now = self._now().timestamp()
            if self._held > 0 and now < self._held_until:
                self._held -= 1
                return
            waited = 0.0
            while True:
                granted, wait_s = counters.lease_tokens(self._key, self._wanted, self._bucket, now)
                if granted:
                    self._held, self._held_until = granted - 1, now + self._bucket.lease_ttl_s
                    return
                if waited + wait_s > self._max_wait_s:
                    raise BudgetExhausted("calls_per_minute", self._now() + timedelta(seconds=wait_s))
                self._sleep(wait_s)
                waited += wait_s
                now = self._now().timestamp()

    # The per-minute budget is taken first: a call it refuses must not use up one of the day's
    # allowances (a message refused ten times in a busy minute would wait for tomorrow).

    def spend_list(self, cif: str) -> None:
        self.spend_call()
        now = self._now()
        day_end = _end_of_day(now)
        if not counters.add_within(f"list#{cif}#{_day(now)}", 1, PAGINATED_LISTS_PER_CIF_PER_DAY, day_end):
            raise BudgetExhausted("lists_per_cif", day_end)

    def spend_download(self, message_id: str, *, first: bool = False) -> None:
        """One download. `first`: the message has never been downloaded (the caller knows it
        from a mark written before the download: services/sync.py), so no per-message counter
        is written; every later download is counted, up to one fewer than ANAF's daily number
        (the uncounted first one may have been today)."""
        self.spend_call()
        if first:
            return
        now = self._now()
        day_end = _end_of_day(now)
        if not counters.add_within(f"download#{message_id}#{_day(now)}", 1, DOWNLOADS_PER_MESSAGE_PER_DAY - 1,
                                   day_end):
            raise BudgetExhausted("downloads_per_message", day_end)


    def spend_status(self, upload_index: str) -> None:
        """One stareMesaj call about an upload (a buyer message being followed)."""
        self.spend_call()
        now = self._now()
        day_end = _end_of_day(now)
        if not counters.add_within(f"status#{upload_index}#{_day(now)}", 1, STATUS_CHECKS_PER_UPLOAD_PER_DAY,
                                   day_end):
            raise BudgetExhausted("status_per_upload", day_end)


def _day(now: datetime) -> str:
    return now.astimezone(BUCHAREST).strftime("%Y%m%d")  # ANAF's days are Romanian days


def _end_of_day(now: datetime) -> datetime:
    local = now.astimezone(BUCHAREST)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight

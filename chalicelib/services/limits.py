"""Rate limits: windows counted in the Limits table with atomic conditional counters.

One call takes one unit from a bucket, or refuses with `RateLimited` (429, a stable code, a
Romanian message and the seconds to wait, which the API sends as `Retry-After`):

    limits.take("login-address", email, per=timedelta(minutes=15), limit=10, now=now)

The counter item is `rate#<bucket>#<key>` (count, `noted_at` = when its window closes): a
single `UpdateItem` adds one only while the window is open and the count below the limit
(`ADD count 1` with the condition `count < limit`), so parallel requests never take more than
`limit` units of a window, whatever their timing. A window opens at the first unit taken after
the previous one closed (so "one per minute" means a minute, not "until the clock's minute
ends"). Items expire with DynamoDB TTL a window after their window closes. Keys are hashed (SHA-256), so
e-mail addresses and IP addresses are not stored in clear.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import ArhivarError
from chalicelib.domain.romanian import counted
from chalicelib.storage import limits as counters


class RateLimited(ArhivarError):
    """429. A `{wait}` in the message becomes the wait in Romanian ("45 de secunde")."""

    code = "rate_limited"
    status = 429
    message_ro = "Prea multe încercări. Încercați din nou peste {wait}."

    def __init__(self, retry_after_s: int, message_ro: str | None = None) -> None:
        template = message_ro or type(self).message_ro
        super().__init__(template.replace("{wait}", romanian_wait(retry_after_s)),
                         details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


def romanian_wait(seconds: int) -> str:
    """"1 secundă", "5 secunde", "45 de secunde", "1 minut", "15 minute", "20 de minute"."""
    if seconds < 60:
        return counted(seconds, "secundă", "secunde")
    return counted(math.ceil(seconds / 60), "minut", "minute")


@dataclass(frozen=True)
class Taken:
    """A unit taken from a window; `give_back` returns it (e.g. a login that succeeded)."""

    counter_key: str

    def give_back(self) -> None:
        counters.give_back(self.counter_key)


def take(bucket: str, key: str, *, per: timedelta, limit: int, now: datetime,
         message_ro: str | None = None) -> Taken:
    """Take one unit of `bucket`/`key` in its current window of length `per` (a window opens
    at the first unit taken after the previous one closed), or raise RateLimited with the
    seconds until the window closes."""
    counter_key = counters.rate_counter_key(bucket, _digest(key))
    wait_s = counters.take_in_window(counter_key, per=per, limit=limit, now=now)
    if wait_s is not None:
        raise RateLimited(wait_s, message_ro)
    return Taken(counter_key)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]

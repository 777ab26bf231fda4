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

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.errors import ArhivarError
from chalicelib.domain.romanian import counted
from chalicelib.storage.models import LimitCounterModel


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
        try:
            LimitCounterModel(counter_key=self.counter_key).update(
                actions=[LimitCounterModel.tally.add(-1)],
                condition=LimitCounterModel.tally > 0)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise


def take(bucket: str, key: str, *, per: timedelta, limit: int, now: datetime,
         message_ro: str | None = None) -> Taken:
    """Take one unit of `bucket`/`key` in its current window of length `per` (a window opens
    at the first unit taken after the previous one closed), or raise RateLimited with the
    seconds until the window closes."""
    counter_key = f"rate#{bucket}#{_digest(key)}"
    counter = LimitCounterModel(counter_key=counter_key)
    for _ in range(3):  # parallel requests may open the window or give units back meanwhile
        try:  # within an open window, below the limit: one more
            counter.update(
                actions=[LimitCounterModel.tally.add(1)],
                condition=(LimitCounterModel.noted_at > now) & (LimitCounterModel.tally < limit))
            return Taken(counter_key)
        except UpdateError as error:
            _unless_condition_failed(error)
        try:
            current = LimitCounterModel.get(counter_key, consistent_read=True)
        except DoesNotExist:
            current = None
        if current is not None and current.noted_at is not None and current.noted_at > now:
            if current.tally < limit:
                continue  # a unit was given back since
            raise RateLimited(max(1, math.ceil((current.noted_at - now).total_seconds())), message_ro)
        try:  # no window, or it has closed: open a new one with this unit
            counter.update(
                actions=[LimitCounterModel.tally.set(1), LimitCounterModel.noted_at.set(now + per),
                         LimitCounterModel.expires_at.set(now + per + per)],
                condition=LimitCounterModel.noted_at.does_not_exist() | (LimitCounterModel.noted_at <= now))
            return Taken(counter_key)
        except UpdateError as error:
            _unless_condition_failed(error)  # opened by a parallel request: count in it
    raise RateLimited(1, message_ro)


def _unless_condition_failed(error: UpdateError) -> None:
    if error.cause_response_code != "ConditionalCheckFailedException":
        raise error


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]

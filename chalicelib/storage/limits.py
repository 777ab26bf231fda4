"""The counters repository: LimitCounterModel items that count (rate-limit windows
"rate#<bucket>#<hashed key>", and the ANAF call budgets: the shared call bucket "bucket#…",
"list#…", "download#…").

Every write is one conditional `UpdateItem`, so parallel callers never take more than a limit
allows, whatever their timing. (The same table holds other small items, each with its own
repository: storage/mail_records.py, storage/devices.py, storage/mac_keys.py, and the archive's
"archived#…" claims.)
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.call_bucket import Bucket, lease
from chalicelib.storage.dynamodb_errors import updated_if
from chalicelib.storage.models import LimitCounterModel

# -- budgets: a counter with a ceiling -----------------------------------------------------------

def add_within(key: str, amount: int, limit: int, expires: datetime) -> bool:
    """Add `amount` to a counter unless that would pass `limit`; False when it would. The
    counter expires (TTL) a day after `expires`."""
    return updated_if(LimitCounterModel(counter_key=key),
                      [LimitCounterModel.tally.add(amount),
                       LimitCounterModel.expires_at.set(expires + timedelta(days=1))],
                      LimitCounterModel.tally.does_not_exist() | (LimitCounterModel.tally <= limit - amount))


# -- rate limits: windows ------------------------------------------------------------------------

def rate_counter_key(bucket: str, hashed_key: str) -> str:
    return f"rate#{bucket}#{hashed_key}"


def take_in_window(counter_key: str, *, per: timedelta, limit: int, now: datetime) -> int | None:
    """Take one unit of the counter's current window of length `per` (a window opens at the
    first unit taken after the previous one closed, its end kept in `noted_at`): None when
    taken, else the seconds until the window closes (at least 1)."""
    counter = LimitCounterModel(counter_key=counter_key)
    for _ in range(3):  # parallel requests may open the window or give units back meanwhile
        # within an open window, below the limit: one more
        if updated_if(counter, [LimitCounterModel.tally.add(1)],
                      (LimitCounterModel.noted_at > now) & (LimitCounterModel.tally < limit)):
            return None
        try:
            current = LimitCounterModel.get(counter_key, consistent_read=True)
        except DoesNotExist:
            current = None
        if current is not None and current.noted_at is not None and current.noted_at > now:
            if current.tally < limit:
                continue  # a unit was given back since
            return max(1, math.ceil((current.noted_at - now).total_seconds()))
        # no window, or it has closed: open a new one with this unit
        if updated_if(counter, [LimitCounterModel.tally.set(1), LimitCounterModel.noted_at.set(now + per),
                                LimitCounterModel.expires_at.set(now + per + per)],
                      LimitCounterModel.noted_at.does_not_exist() | (LimitCounterModel.noted_at <= now)):
            return None  # else opened by a parallel request meanwhile: count in it
    return 1


def give_back(counter_key: str) -> None:
    """Return one unit taken (never below zero)."""
    updated_if(LimitCounterModel(counter_key=counter_key), [LimitCounterModel.tally.add(-1)],
               LimitCounterModel.tally > 0)


# -- the ANAF call bucket: one number, its theoretical arrival time (domain/call_bucket.py) ------

def lease_tokens(key: str, wanted: int, bucket: Bucket, now: float) -> tuple[int, float]:
    """Take up to `wanted` tokens of the shared bucket at `now` (epoch seconds): (granted,
    seconds to wait when none). One conditional write when the bucket is busy and has the
    tokens; two when it was idle (full: the busy write fails, the idle one sets the TAT); a
    consistent read and a compare-and-set otherwise. The TAT is kept in `tally`, in whole
    microseconds (an integer compares exactly in a condition; a float may not)."""
    rate = bucket.rate_per_s
    wanted = max(1, min(wanted, bucket.burst))
    item = LimitCounterModel(counter_key=key)
    expires = datetime.fromtimestamp(now, UTC) + timedelta(days=1)
    # busy bucket (TAT ahead of now) with room for the block: move the TAT on
    if updated_if(item, [LimitCounterModel.tally.add(_micros(wanted / rate)),
                         LimitCounterModel.expires_at.set(expires)],
                  LimitCounterModel.tally.between(_micros(now), _micros(now + (bucket.burst - wanted) / rate))):
        return wanted, 0.0
    # idle bucket (TAT behind now, or never used): it is full, the block starts now
    if updated_if(item, [LimitCounterModel.tally.set(_micros(now + wanted / rate)),
                         LimitCounterModel.expires_at.set(expires)],
                  LimitCounterModel.tally.does_not_exist() | (LimitCounterModel.tally < _micros(now))):
        return wanted, 0.0
    for _ in range(5):  # parallel workers may move the TAT between our read and our write
        try:
            stored: int | None = int(LimitCounterModel.get(key, consistent_read=True).tally)
        except DoesNotExist:
            stored = None
        answer = lease(None if stored is None else stored / 1e6, now, wanted, bucket)
        if not answer.granted:
            return 0, answer.wait_s
        unchanged = (LimitCounterModel.tally.does_not_exist() if stored is None
                     else LimitCounterModel.tally == stored)
        if updated_if(item, [LimitCounterModel.tally.set(_micros(answer.tat)),
                             LimitCounterModel.expires_at.set(expires)], unchanged):
            return answer.granted, 0.0
    return 0, 1 / rate


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)

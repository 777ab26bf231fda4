"""The counters repository: LimitCounterModel items that count (rate-limit windows
"rate#<bucket>#<hashed key>", and the ANAF call budgets "minute#…", "list#…", "download#…").

Every write is one conditional `UpdateItem`, so parallel callers never take more than a limit
allows, whatever their timing. (The same table holds other small items, each with its own
repository: storage/mail_records.py, storage/devices.py, storage/mac_keys.py, and the archive's
"archived#…" claims.)
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.storage.dynamodb_errors import condition_failed
from chalicelib.storage.models import LimitCounterModel

# -- budgets: a counter with a ceiling -----------------------------------------------------------

def add_within(key: str, amount: int, limit: int, expires: datetime) -> bool:
    """Add `amount` to a counter unless that would pass `limit`; False when it would. The
    counter expires (TTL) a day after `expires`."""
    try:
        LimitCounterModel(counter_key=key).update(
            actions=[LimitCounterModel.tally.add(amount),
                     LimitCounterModel.expires_at.set(expires + timedelta(days=1))],
            condition=(LimitCounterModel.tally.does_not_exist()
                       | (LimitCounterModel.tally <= limit - amount)))
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


# -- rate limits: windows ------------------------------------------------------------------------

def rate_counter_key(bucket: str, hashed_key: str) -> str:
    return f"rate#{bucket}#{hashed_key}"


def take_in_window(counter_key: str, *, per: timedelta, limit: int, now: datetime) -> int | None:
    """Take one unit of the counter's current window of length `per` (a window opens at the
    first unit taken after the previous one closed, its end kept in `noted_at`): None when
    taken, else the seconds until the window closes (at least 1)."""
    counter = LimitCounterModel(counter_key=counter_key)
    for _ in range(3):  # parallel requests may open the window or give units back meanwhile
        try:  # within an open window, below the limit: one more
            counter.update(
                actions=[LimitCounterModel.tally.add(1)],
                condition=(LimitCounterModel.noted_at > now) & (LimitCounterModel.tally < limit))
            return None
        except UpdateError as error:
            _unless_condition_failed(error)
        try:
            current = LimitCounterModel.get(counter_key, consistent_read=True)
        except DoesNotExist:
            current = None
        if current is not None and current.noted_at is not None and current.noted_at > now:
            if current.tally < limit:
                continue  # a unit was given back since
            return max(1, math.ceil((current.noted_at - now).total_seconds()))
        try:  # no window, or it has closed: open a new one with this unit
            counter.update(
                actions=[LimitCounterModel.tally.set(1), LimitCounterModel.noted_at.set(now + per),
                         LimitCounterModel.expires_at.set(now + per + per)],
                condition=LimitCounterModel.noted_at.does_not_exist() | (LimitCounterModel.noted_at <= now))
            return None
        except UpdateError as error:
            _unless_condition_failed(error)  # opened by a parallel request: count in it
    return 1


def give_back(counter_key: str) -> None:
    """Return one unit taken (never below zero)."""
    try:
        LimitCounterModel(counter_key=counter_key).update(actions=[LimitCounterModel.tally.add(-1)],
                                                          condition=LimitCounterModel.tally > 0)
    except UpdateError as error:
        _unless_condition_failed(error)


def _unless_condition_failed(error: UpdateError) -> None:
    if not condition_failed(error):
        raise error

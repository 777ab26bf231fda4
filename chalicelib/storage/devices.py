"""Which (browser, network) pairs each user has signed in from: one small item per pair in the
Limits table ("device#<user id>#<fingerprint>"), written once with a condition, so the first
sighting of a pair is known atomically even when two logins race."""

from __future__ import annotations

from chalicelib.storage.dynamodb_errors import saved_if
from chalicelib.storage.models import LimitCounterModel

ANY_DEVICE = "any"  # the pair every user has once they signed in at all


def first_sighting(user_id: str, fingerprint: str) -> bool:
    """Remember the pair; True when it had not been seen for this user before."""
    return saved_if(LimitCounterModel(counter_key=f"device#{user_id}#{fingerprint}"),
                    LimitCounterModel.counter_key.does_not_exist())

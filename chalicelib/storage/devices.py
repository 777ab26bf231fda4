"""Which (browser, network) pairs each user has signed in from: one small item per pair in the
Limits table ("device#<user id>#<fingerprint>"), written once with a condition, so the first
sighting of a pair is known atomically even when two logins race."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from chalicelib.storage.dynamodb_errors import condition_failed
from chalicelib.storage.models import LimitCounterModel

ANY_DEVICE = "any"  # the pair every user has once they signed in at all


def first_sighting(user_id: str, fingerprint: str) -> bool:
    """Remember the pair; True when it had not been seen for this user before."""
    try:
        LimitCounterModel(counter_key=f"device#{user_id}#{fingerprint}").save(
            condition=LimitCounterModel.counter_key.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return False
        raise
    return True

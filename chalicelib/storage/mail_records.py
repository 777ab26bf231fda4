"""The e-mail bookkeeping repository, LimitCounterModel items of the Limits table:
"mail#<once>#<user id>" send records (an e-mail sent at most once per occasion) and
"suppressed#<address>" entries (an address that bounced or complained)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.storage.dynamodb_errors import saved_if
from chalicelib.storage.models import LimitCounterModel

SENDING = "sending"
SENT = "sent"


@dataclass(frozen=True)
class SuppressedAddress:
    reason: str  # bounce | complaint
    at: datetime


def send_record_key(once: str, user_id: str) -> str:
    return f"mail#{once}#{user_id}"


def claim_send(key: str, now: datetime, expires_at: datetime) -> str | None:
    """Claim the send record before the e-mail goes; None when claimed, else the state of the
    existing record ("sending": an earlier attempt stopped while sending; "sent")."""
    claim = LimitCounterModel(counter_key=key, tally=1, reason=SENDING, noted_at=now, expires_at=expires_at)
    if saved_if(claim, LimitCounterModel.counter_key.does_not_exist()):
        return None
    existing = _get(key)
    return (existing.reason if existing is not None else None) or SENT


def release_send(key: str) -> None:
    """The e-mail was not sent: a retry may send it."""
    LimitCounterModel(counter_key=key).delete()


def mark_sent(key: str) -> None:
    LimitCounterModel(counter_key=key).update(actions=[LimitCounterModel.reason.set(SENT)])


def suppression(address: str) -> SuppressedAddress | None:
    """Whether a (normalized) address is suppressed, and why."""
    item = _get(f"suppressed#{address}")
    if item is None or not item.reason:
        return None
    return SuppressedAddress(item.reason, item.noted_at)


def suppress(address: str, reason: str, at: datetime) -> None:
    """Stop writing to a (normalized) address. Kept without TTL; counted."""
    LimitCounterModel(counter_key=f"suppressed#{address}").update(actions=[
        LimitCounterModel.reason.set(reason), LimitCounterModel.noted_at.set(at),
        LimitCounterModel.tally.add(1)])


def _get(key: str) -> LimitCounterModel | None:
    try:
        return LimitCounterModel.get(key, consistent_read=True)
    except DoesNotExist:
        return None

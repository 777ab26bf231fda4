"""The S3 delivery repository: S3DeliveryModel items, a company's delivery settings ("config")
and its failing deliveries ("failure#<message id>"). services/s3_delivery.py is the only caller."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.update import Action

from chalicelib.storage.models import S3DeliveryModel

Delivery = S3DeliveryModel  # what services and views read (attributes only)

CONFIG = "config"
FAILURE = "failure#"
FAILURES_SHOWN = 50


def config(cif: str, *, consistent: bool = False) -> Delivery | None:
    try:
        return S3DeliveryModel.get(cif, CONFIG, consistent_read=consistent)
    except DoesNotExist:
        return None


def ensure_config(cif: str, external_id: str, now: datetime) -> Delivery:
    """The company's settings; created (disabled, with this external id) the first time. The
    external id of an existing item never changes."""
    item = S3DeliveryModel(cif=cif, item=CONFIG, external_id=external_id, enabled=False, updated_at=now)
    try:
        item.save(condition=S3DeliveryModel.item.does_not_exist())
        return item
    except PutError:
        existing = config(cif, consistent=True)
        if existing is None:
            raise
        return existing


def save_destination(cif: str, *, bucket: str, prefix: str, role_arn: str, enabled: bool,
                     user_id: str, now: datetime, verified: bool) -> Delivery:
    item = S3DeliveryModel(cif=cif, item=CONFIG)
    actions: list[Action] = [S3DeliveryModel.bucket.set(bucket), S3DeliveryModel.prefix.set(prefix),
               S3DeliveryModel.role_arn.set(role_arn), S3DeliveryModel.enabled.set(enabled),
               S3DeliveryModel.updated_by.set(user_id), S3DeliveryModel.updated_at.set(now)]
    if verified:
        actions.append(S3DeliveryModel.verified_at.set(now))
    item.update(actions=actions, condition=S3DeliveryModel.external_id.exists())
    return item


def mark_verified(cif: str, now: datetime) -> None:
    S3DeliveryModel(cif=cif, item=CONFIG).update(actions=[S3DeliveryModel.verified_at.set(now)],
                                                 condition=S3DeliveryModel.external_id.exists())


def set_backfill(cif: str, state: str) -> None:
    S3DeliveryModel(cif=cif, item=CONFIG).update(actions=[S3DeliveryModel.backfill_state.set(state)],
                                                 condition=S3DeliveryModel.external_id.exists())


def record_delivered(cif: str, key: str, written: int, now: datetime) -> None:
    """A document's copy is complete (`written` files were new or changed)."""
    S3DeliveryModel(cif=cif, item=CONFIG).update(actions=[
        S3DeliveryModel.last_delivery_at.set(now), S3DeliveryModel.last_delivery_key.set(key[:1024]),
        S3DeliveryModel.delivered_count.add(written)], condition=S3DeliveryModel.external_id.exists())


def record_failure(cif: str, *, message_id: str, sk: str, reason_code: str, reason: str, attempt: int,
                   now: datetime, next_attempt_at: datetime | None) -> None:
    item = S3DeliveryModel(cif=cif, item=f"{FAILURE}{message_id}")
    item.update(actions=[
        S3DeliveryModel.message_id.set(message_id), S3DeliveryModel.sk.set(sk),
        S3DeliveryModel.reason_code.set(reason_code), S3DeliveryModel.reason.set(reason),
        S3DeliveryModel.attempts.set(attempt),
        S3DeliveryModel.state.set("retrying" if next_attempt_at else "failed"),
        S3DeliveryModel.first_failed_at.set(S3DeliveryModel.first_failed_at | now),
        S3DeliveryModel.last_failed_at.set(now),
        (S3DeliveryModel.next_attempt_at.set(next_attempt_at) if next_attempt_at
         else S3DeliveryModel.next_attempt_at.remove())])


def clear_failure(cif: str, message_id: str) -> None:
    S3DeliveryModel(cif=cif, item=f"{FAILURE}{message_id}").delete()


def failures(cif: str, limit: int = FAILURES_SHOWN) -> list[Delivery]:
    return list(S3DeliveryModel.query(cif, S3DeliveryModel.item.startswith(FAILURE), consistent_read=True,
                                      limit=limit))

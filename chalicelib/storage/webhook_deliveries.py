"""The webhook delivery repository: WebhookDeliveryModel items, one per (endpoint, event),
with the attempts so far. The event id is the sort key, so reporting an event twice (a retry,
a second door) finds the delivery already there instead of making a second one."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.storage.dynamodb_errors import saved_if, updated_if
from chalicelib.storage.models import WebhookDeliveryModel

Delivery = WebhookDeliveryModel  # the record type services and views read (attributes only)

DELIVERY_TTL = timedelta(days=30)  # the delivery log keeps a month


def create(endpoint_id: str, event_id: str, *, cif: str, event_type: str, payload: str,
           now: datetime) -> Delivery | None:
    """A pending delivery; None when this endpoint has this event already."""
    delivery = WebhookDeliveryModel(
        endpoint_id=endpoint_id, event_id=event_id, listed_at=f"{now.isoformat()}#{event_id}", cif=cif,
        event_type=event_type, payload=payload, status="pending", attempts=0, created_at=now,
        next_attempt_at=now, expires_at=now + DELIVERY_TTL)
    return delivery if saved_if(delivery, WebhookDeliveryModel.event_id.does_not_exist()) else None


def get(endpoint_id: str, event_id: str) -> Delivery | None:
    try:
        return WebhookDeliveryModel.get(endpoint_id, event_id, consistent_read=True)
    except DoesNotExist:
        return None


def recent(endpoint_id: str, limit: int) -> list[Delivery]:
    """The endpoint's newest deliveries first."""
    return list(WebhookDeliveryModel.by_time.query(endpoint_id, scan_index_forward=False, limit=limit))


def record_attempt(delivery: Delivery, *, status: str, now: datetime, response_status: int | None,
                   latency_ms: int | None, error: str | None, excerpt: str | None,
                   next_attempt_at: datetime | None) -> None:
    actions: list[Action] = [
        WebhookDeliveryModel.status.set(status),
        WebhookDeliveryModel.attempts.add(1),
        WebhookDeliveryModel.last_attempt_at.set(now),
        WebhookDeliveryModel.first_attempt_at.set(WebhookDeliveryModel.first_attempt_at | now),
        WebhookDeliveryModel.response_status.set(response_status) if response_status is not None
        else WebhookDeliveryModel.response_status.remove(),
        WebhookDeliveryModel.latency_ms.set(latency_ms) if latency_ms is not None
        else WebhookDeliveryModel.latency_ms.remove(),
        WebhookDeliveryModel.error.set(error) if error else WebhookDeliveryModel.error.remove(),
        WebhookDeliveryModel.response_excerpt.set(excerpt) if excerpt
        else WebhookDeliveryModel.response_excerpt.remove(),
        WebhookDeliveryModel.next_attempt_at.set(next_attempt_at) if next_attempt_at
        else WebhookDeliveryModel.next_attempt_at.remove(),
    ]
    if status == "delivered":
        actions.append(WebhookDeliveryModel.delivered_at.set(now))
    delivery.update(actions=actions)


def mark_failed(delivery: Delivery, error: str) -> None:
    """Given up without an attempt (the endpoint was disabled or deleted)."""
    delivery.update(actions=[WebhookDeliveryModel.status.set("failed"), WebhookDeliveryModel.error.set(error),
                             WebhookDeliveryModel.next_attempt_at.remove()])


def requeue(delivery: Delivery, now: datetime) -> None:
    """"Retrimite": due again now, with the same id and body (the attempts keep counting)."""
    delivery.update(actions=[WebhookDeliveryModel.status.set("pending"),
                             WebhookDeliveryModel.next_attempt_at.set(now),
                             WebhookDeliveryModel.first_attempt_at.remove(),
                             WebhookDeliveryModel.expires_at.set(now + DELIVERY_TTL)])


def bring_forward(delivery: Delivery, now: datetime, due_since: datetime) -> bool:
    """A pending delivery that was due no earlier than `due_since` made due now; False (nothing
    written) when it is not pending or was due before that."""
    return updated_if(delivery, [WebhookDeliveryModel.next_attempt_at.set(now),
                                 WebhookDeliveryModel.expires_at.set(now + DELIVERY_TTL)],
                      (WebhookDeliveryModel.status == "pending")
                      & (WebhookDeliveryModel.next_attempt_at >= due_since))

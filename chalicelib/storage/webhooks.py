"""The webhook endpoint repository: WebhookEndpointModel items, one per endpoint of a company
(key `cif` + `endpoint_id`). The secrets arrive here already encrypted (services/webhooks.py)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.storage.dynamodb_errors import updated_if
from chalicelib.storage.models import WebhookEndpointModel

Endpoint = WebhookEndpointModel  # the record type services and views read (attributes only)


def create(cif: str, endpoint_id: str, *, url: str, description: str | None, events: set[str],
           kinds: set[str] | None, secret_ciphertext: bytes, secret_hint: str, created_by: str,
           now: datetime) -> Endpoint:
    endpoint = WebhookEndpointModel(
        cif=cif, endpoint_id=endpoint_id, url=url, description=description, events=events,
        kinds=kinds or None, secret_ciphertext=secret_ciphertext, secret_hint=secret_hint,
        enabled=True, created_at=now, created_by=created_by)
    endpoint.save(condition=WebhookEndpointModel.endpoint_id.does_not_exist())
    return endpoint


def get(cif: str, endpoint_id: str) -> Endpoint | None:
    try:
        return WebhookEndpointModel.get(cif, endpoint_id, consistent_read=True)
    except DoesNotExist:
        return None


def of_company(cif: str) -> list[Endpoint]:
    """Every endpoint of the company (a handful: services cap them), oldest first."""
    found = list(WebhookEndpointModel.query(cif, consistent_read=True))
    return sorted(found, key=lambda e: e.created_at)


def update(cif: str, endpoint_id: str, *, url: str, description: str | None, events: set[str],
           kinds: set[str] | None) -> None:
    actions: list[Action] = [WebhookEndpointModel.url.set(url), WebhookEndpointModel.events.set(events),
               WebhookEndpointModel.kinds.set(kinds) if kinds else WebhookEndpointModel.kinds.remove(),
               WebhookEndpointModel.description.set(description) if description
               else WebhookEndpointModel.description.remove()]
    WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id).update(
        actions=actions, condition=WebhookEndpointModel.endpoint_id.exists())


def set_enabled(cif: str, endpoint_id: str, enabled: bool, *, reason: str | None, now: datetime) -> None:
    """Turn an endpoint on (forgetting its failures) or off (with why and when)."""
    actions: list[Action]
    if enabled:
        actions = [WebhookEndpointModel.enabled.set(True), WebhookEndpointModel.disabled_at.remove(),
                   WebhookEndpointModel.disabled_reason.remove(), WebhookEndpointModel.failing_since.remove()]
    else:
        actions = [WebhookEndpointModel.enabled.set(False), WebhookEndpointModel.disabled_at.set(now),
                   WebhookEndpointModel.disabled_reason.set(reason or "owner")]
    WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id).update(
        actions=actions, condition=WebhookEndpointModel.endpoint_id.exists())


def disable_if_enabled(cif: str, endpoint_id: str, reason: str, now: datetime) -> bool:
    """Disable an endpoint; False when it was disabled already (by another worker, say)."""
    return updated_if(WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id),
                      [WebhookEndpointModel.enabled.set(False), WebhookEndpointModel.disabled_at.set(now),
                       WebhookEndpointModel.disabled_reason.set(reason)],
                      WebhookEndpointModel.enabled == True)  # noqa: E712 - a pynamodb condition


def rotate_secret(cif: str, endpoint_id: str, *, secret_ciphertext: bytes, secret_hint: str,
                  previous_ciphertext: bytes, previous_until: datetime) -> None:
    WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id).update(actions=[
        WebhookEndpointModel.secret_ciphertext.set(secret_ciphertext),
        WebhookEndpointModel.secret_hint.set(secret_hint),
        WebhookEndpointModel.previous_secret_ciphertext.set(previous_ciphertext),
        WebhookEndpointModel.previous_secret_until.set(previous_until)],
        condition=WebhookEndpointModel.endpoint_id.exists())


def record_success(cif: str, endpoint_id: str, now: datetime) -> None:
    WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id).update(actions=[
        WebhookEndpointModel.last_success_at.set(now), WebhookEndpointModel.failing_since.remove()])


def record_failure(cif: str, endpoint_id: str, now: datetime) -> datetime:
    """Note a failed attempt; returns since when the endpoint has been failing (kept from the
    first failure after the last success)."""
    WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id).update(actions=[
        WebhookEndpointModel.failing_since.set(WebhookEndpointModel.failing_since | now)])
    endpoint = get(cif, endpoint_id)
    return endpoint.failing_since if endpoint is not None and endpoint.failing_since else now


def delete(cif: str, endpoint_id: str) -> None:
    WebhookEndpointModel(cif=cif, endpoint_id=endpoint_id).delete()

"""Webhook endpoints of a company ("Integrări" → Webhook-uri): owners and admins with an active
membership create, change, rotate, disable and delete them, read their delivery log, send one
delivery again ("Retrimite") or a test event ("Trimite un eveniment de test").

The secret (`whsec_…`, Standard Webhooks) is shown once, when the endpoint is created or its
secret rotated, and kept KMS-encrypted. A rotation keeps the previous secret signing beside the
new one for ROTATION_OVERLAP, so receivers can switch without losing a delivery.
"""

from __future__ import annotations

import secrets as random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.audit import EventType as AuditEvent
from chalicelib.domain.errors import NotAllowed, NotFound, ValidationFailed
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.domain.webhooks import (
    DOCUMENT_KINDS,
    EVENT_TYPES,
    MAX_ENDPOINTS_PER_COMPANY,
    ROTATION_OVERLAP,
    TEST_EVENT,
    check_url,
    event_id,
    new_secret,
)
from chalicelib.services import audit, memberships
from chalicelib.services.webhook_events import WebhookEvents, payload_json
from chalicelib.storage import webhook_deliveries, webhooks
from chalicelib.storage.crypto import TokenCipher
from chalicelib.storage.queues import MAX_DELAY_S
from chalicelib.storage.webhook_deliveries import Delivery
from chalicelib.storage.webhooks import Endpoint

LOG_SIZE = 50  # deliveries shown per endpoint
MESSAGE_LOST_AFTER = timedelta(seconds=2 * MAX_DELAY_S)  # a pending delivery this overdue has no message


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    message_ro = "Webhook-ul nu există."


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    message_ro = "Livrarea nu există (jurnalul păstrează 30 de zile)."


class TooManyWebhooks(ValidationFailed):
    code = "too_many_webhooks"
    message_ro = f"O companie poate avea cel mult {MAX_ENDPOINTS_PER_COMPANY} webhook-uri."


class NoEvents(ValidationFailed):
    code = "webhook_events_required"
    message_ro = "Alegeți cel puțin un eveniment."


@dataclass(frozen=True)
class Created:
    endpoint: Endpoint
    secret: str  # shown once


def secret_context(endpoint_id: str) -> dict[str, str]:
    return {"webhook_endpoint": endpoint_id}


def hint(secret: str) -> str:
    return f"…{secret[-4:]}"


class Webhooks:
    def __init__(self, cipher: TokenCipher, events: WebhookEvents, clock: Callable[[], datetime],
                 allow_local: bool) -> None:
        self._cipher = cipher
        self._events = events
        self._clock = clock
        self._allow_local = allow_local

    def _admin(self, user_id: str, cif: str) -> None:
        membership = memberships.require_active(user_id, cif)
        if not can_administer(Role(membership.role)):
            raise NotAllowed("Doar proprietarii și administratorii gestionează webhook-urile.")

    def _endpoint(self, cif: str, endpoint_id: str) -> Endpoint:
        endpoint = webhooks.get(cif, endpoint_id) if 0 < len(endpoint_id) <= 64 else None
        if endpoint is None:
            raise WebhookNotFound()
        return endpoint

    def endpoints(self, user_id: str, cif: str) -> list[Endpoint]:
        self._admin(user_id, cif)
        return webhooks.of_company(cif)

    def create(self, user_id: str, cif: str, data: dict[str, Any]) -> Created:
        self._admin(user_id, cif)
        url, events, kinds, description = self._parsed(data)
        if len(webhooks.of_company(cif)) >= MAX_ENDPOINTS_PER_COMPANY:
            raise TooManyWebhooks()
        endpoint_id = f"we_{random.token_hex(12)}"
        secret = new_secret()
        endpoint = webhooks.create(
            cif, endpoint_id, url=url, description=description, events=events, kinds=kinds,
            secret_ciphertext=self._cipher.encrypt(secret, secret_context(endpoint_id)),
            secret_hint=hint(secret), created_by=user_id, now=self._clock())
        audit.record(cif, AuditEvent.WEBHOOK_CREATED, user_id, url=url, events=", ".join(sorted(events)))
        return Created(endpoint, secret)

    def update(self, user_id: str, cif: str, endpoint_id: str, data: dict[str, Any]) -> Endpoint:
        self._admin(user_id, cif)
        endpoint = self._endpoint(cif, endpoint_id)
        url, events, kinds, description = self._parsed(data)
        webhooks.update(cif, endpoint_id, url=url, description=description, events=events, kinds=kinds)
        if "enabled" in data and bool(data["enabled"]) != endpoint.enabled:
            webhooks.set_enabled(cif, endpoint_id, bool(data["enabled"]), reason="owner", now=self._clock())
        changed = self._endpoint(cif, endpoint_id)
        audit.record(cif, AuditEvent.WEBHOOK_CHANGED, user_id, url=url, events=", ".join(sorted(events)),
                     enabled=changed.enabled)
        return changed

    def delete(self, user_id: str, cif: str, endpoint_id: str) -> None:
        self._admin(user_id, cif)
        endpoint = self._endpoint(cif, endpoint_id)
        webhooks.delete(cif, endpoint_id)
        audit.record(cif, AuditEvent.WEBHOOK_DELETED, user_id, url=endpoint.url)

    def rotate(self, user_id: str, cif: str, endpoint_id: str) -> Created:
        """A new secret; the current one keeps signing beside it for ROTATION_OVERLAP."""
        self._admin(user_id, cif)
        endpoint = self._endpoint(cif, endpoint_id)
        secret = new_secret()
        webhooks.rotate_secret(cif, endpoint_id,
                               secret_ciphertext=self._cipher.encrypt(secret, secret_context(endpoint_id)),
                               secret_hint=hint(secret), previous_ciphertext=endpoint.secret_ciphertext,
                               previous_until=self._clock() + ROTATION_OVERLAP)
        audit.record(cif, AuditEvent.WEBHOOK_SECRET_ROTATED, user_id, url=endpoint.url)
        return Created(self._endpoint(cif, endpoint_id), secret)

    def deliveries(self, user_id: str, cif: str, endpoint_id: str) -> list[Delivery]:
        self._admin(user_id, cif)
        self._endpoint(cif, endpoint_id)
        return webhook_deliveries.recent(endpoint_id, LOG_SIZE)

    def resend(self, user_id: str, cif: str, endpoint_id: str, delivery_id: str) -> Delivery:
        """"Retrimite": the same event (same id, same body) queued again now."""
        self._admin(user_id, cif)
        endpoint = self._endpoint(cif, endpoint_id)
        if not endpoint.enabled:
            raise NotAllowed("Webhook-ul este dezactivat: activați-l înainte de a retrimite.")
        delivery = webhook_deliveries.get(endpoint_id, delivery_id) if 0 < len(delivery_id) <= 64 else None
        if delivery is None or delivery.cif != cif:
            raise DeliveryNotFound()
        # A pending delivery has its message on the queue already (at most 15 minutes away, see
        # services/webhook_delivery.py): made due now, that message sends it; a second message
        # would start a second chain of retries, each failure queueing its own next attempt.
        # One overdue by far more than that lost its message (dead-lettered): queued afresh.
        now = self._clock()
        if not webhook_deliveries.bring_forward(delivery, now, now - MESSAGE_LOST_AFTER):
            webhook_deliveries.requeue(delivery, now)
            self._events.requeue(cif, endpoint_id, delivery_id)
        found = webhook_deliveries.get(endpoint_id, delivery_id)
        assert found is not None
        return found

    def send_test(self, user_id: str, cif: str, endpoint_id: str) -> str:
        """"Trimite un eveniment de test": a new `webhook.test` event to this endpoint; its id."""
        self._admin(user_id, cif)
        endpoint = self._endpoint(cif, endpoint_id)
        if not endpoint.enabled:
            raise NotAllowed("Webhook-ul este dezactivat: activați-l înainte de a trimite un test.")
        now = self._clock()
        message_id = event_id(TEST_EVENT, f"{endpoint_id}#{random.token_hex(8)}")
        payload = payload_json(TEST_EVENT, now, {
            "cif": cif, "endpoint_id": endpoint_id,
            "message": "Eveniment de test trimis din Arhivar (Integrări → Webhook-uri)."})
        self._events.add_delivery(cif, endpoint_id, message_id, TEST_EVENT, payload)
        return message_id

    def _parsed(self, data: dict[str, Any]) -> tuple[str, set[str], set[str] | None, str | None]:
        url = check_url(str(data.get("url", "")), allow_local=self._allow_local)
        events = {e for e in data.get("events", []) if e in EVENT_TYPES}
        if not events:
            raise NoEvents()
        kinds = {k for k in data.get("kinds") or [] if k in DOCUMENT_KINDS} or None
        if kinds == set(DOCUMENT_KINDS):
            kinds = None  # every kind: also the kinds added later
        description = (str(data.get("description") or "").strip()[:200]) or None
        return url, events, kinds, description

"""Delivering webhooks (functions/deliver_webhooks, one SQS message per attempt).

At least once, with a stable `webhook-id`: the delivery record (storage/webhook_deliveries.py)
holds the exact body and the event id, so every attempt sends the same bytes under the same id;
only `webhook-timestamp` and the signature are new each time, as the specification wants.

Retries: exponential back-off (domain/webhooks.py: 30 s, 2 min, 8 min, 32 min, ~2 h, then every
8 h, each wait varied by up to ±20 %) until an attempt fails a day or more after the first one.
SQS delays a message by at most 15 minutes, so the wait is the record's `next_attempt_at`: a
failed attempt sends the message again with min(wait, 15 min) of delay, and a message that
arrives before its attempt is due is sent on again the same way (an 8-hour wait is 32 cheap
hops). No schedule and no index of due deliveries is needed, and nothing is lost if a worker
dies: an exception leaves the message on the queue, which redelivers it (and after five
failures parks it in the DLQ, alarmed).

Signatures: `v1,<base64>` per active secret (the current one, and the previous one during the
rotation overlap), space-separated in `webhook-signature` as the specification allows.

An endpoint with no success for DISABLE_AFTER is disabled, and its owners and admins hear it
by e-mail (category `integrations`: preferences, suppression and the unsubscribe link apply).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from standardwebhooks.webhooks import Webhook

from chalicelib.domain.notifications import Category
from chalicelib.domain.webhooks import gives_up, retry_delay, should_disable
from chalicelib.services.notifications import ADMINS, Message, Notifications
from chalicelib.services.webhook_events import queue_body
from chalicelib.services.webhooks import secret_context
from chalicelib.storage import companies, webhook_deliveries, webhooks
from chalicelib.storage.crypto import TokenCipher
from chalicelib.storage.queues import MAX_DELAY_S, WorkQueues
from chalicelib.storage.webhook_deliveries import Delivery
from chalicelib.storage.webhooks import Endpoint
from chalicelib.webhooks.transport import Answer, WebhookTransport

logger = Logger(service="arhivar-webhooks", child=True)

EARLY_TOLERANCE_S = 5  # a message this close to its due time is attempted, not re-queued


@dataclass(frozen=True)
class Outcome:
    result: str  # delivered | retry | failed | waiting | skipped
    answer: Answer | None = None
    next_attempt_at: datetime | None = None


class WebhookDeliverer:
    def __init__(self, cipher: TokenCipher, queues: WorkQueues, notifications: Notifications,
                 transport: WebhookTransport, clock: Callable[[], datetime],
                 jitter: Callable[[], float] = random.random) -> None:
        self._cipher = cipher
        self._jitter = jitter
        self._queues = queues
        self._notifications = notifications
        self._transport = transport
        self._clock = clock

    def handle(self, message: dict[str, Any]) -> Outcome:
        cif, endpoint_id, event = str(message["cif"]), str(message["endpoint_id"]), str(message["event_id"])
        delivery = webhook_deliveries.get(endpoint_id, event)
        if delivery is None or delivery.status != "pending":
            return Outcome("skipped")  # delivered or given up already (a duplicate message)
        endpoint = webhooks.get(cif, endpoint_id)
        if endpoint is None or not endpoint.enabled:
            webhook_deliveries.mark_failed(delivery, "webhook dezactivat sau șters")
            return Outcome("skipped")
        now = self._clock()
        if delivery.next_attempt_at and (delivery.next_attempt_at - now).total_seconds() > EARLY_TOLERANCE_S:
            self._queue_for(cif, endpoint_id, event, delivery.next_attempt_at, now)
            return Outcome("waiting", next_attempt_at=delivery.next_attempt_at)
        return self._attempt(endpoint, delivery, now)

    def _attempt(self, endpoint: Endpoint, delivery: Delivery, now: datetime) -> Outcome:
        headers = {"webhook-id": delivery.event_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": self.signatures(endpoint, delivery.event_id, now, delivery.payload)}
        answer = self._transport.post(endpoint.url, delivery.payload.encode("utf-8"), headers)
        done = self._clock()
        if answer.ok:
            webhook_deliveries.record_attempt(delivery, status="delivered", now=done, response_status=answer.status,
                                              latency_ms=answer.latency_ms, error=None, excerpt=answer.excerpt,
                                              next_attempt_at=None)
            if endpoint.failing_since is not None or endpoint.last_success_at is None:
                webhooks.record_success(endpoint.cif, endpoint.endpoint_id, done)
            return Outcome("delivered", answer)
        first = delivery.first_attempt_at or now
        attempts = int(delivery.attempts or 0) + 1
        final = gives_up(first, now)
        next_at = None if final else done + retry_delay(attempts, self._jitter())
        webhook_deliveries.record_attempt(delivery, status="failed" if final else "pending", now=done,
                                          response_status=answer.status, latency_ms=answer.latency_ms,
                                          error=answer.error, excerpt=answer.excerpt, next_attempt_at=next_at)
        failing_since = webhooks.record_failure(endpoint.cif, endpoint.endpoint_id, done)
        if should_disable(failing_since, done):
            self._disable(endpoint, failing_since, done)
            return Outcome("failed", answer)
        if next_at is None:
            return Outcome("failed", answer)
        self._queue_for(endpoint.cif, endpoint.endpoint_id, delivery.event_id, next_at, done)
        return Outcome("retry", answer, next_at)

    def signatures(self, endpoint: Endpoint, message_id: str, at: datetime, payload: str) -> str:
        secrets = [endpoint.secret_ciphertext]
        if endpoint.previous_secret_ciphertext and endpoint.previous_secret_until \
                and endpoint.previous_secret_until > at:
            secrets.append(endpoint.previous_secret_ciphertext)
        return " ".join(self._signer(endpoint.endpoint_id, bytes(c)).sign(message_id, at.astimezone(UTC), payload)
                        for c in secrets)

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one deliverer per process; saves a KMS call per attempt
    def _signer(self, endpoint_id: str, ciphertext: bytes) -> Webhook:
        return Webhook(self._cipher.decrypt(ciphertext, secret_context(endpoint_id)))

    def _queue_for(self, cif: str, endpoint_id: str, event: str, due: datetime, now: datetime) -> None:
        wait = max(0, int((due - now).total_seconds()))
        self._queues.send("webhook", queue_body(cif, endpoint_id, event), delay_s=min(wait, MAX_DELAY_S))

    def _disable(self, endpoint: Endpoint, failing_since: datetime, now: datetime) -> None:
        if not webhooks.disable_if_enabled(endpoint.cif, endpoint.endpoint_id, "failing", now):
            return
        logger.warning("webhook endpoint disabled after a day of failures",
                       extra={"cif": endpoint.cif, "endpoint_id": endpoint.endpoint_id})
        company = companies.get(endpoint.cif)
        name = company.name if company is not None else endpoint.cif
        page = f"{self._notifications.public_url}/companii/{endpoint.cif}/integrari"
        message = Message(
            subject=f"Webhook dezactivat pentru {name}",
            text=(f"Bună ziua,\n\nWebhook-ul {endpoint.url} al companiei {name} (CIF {endpoint.cif}) "
                  f"nu a răspuns cu succes din {failing_since.strftime('%d.%m.%Y %H:%M')} (UTC) și a "
                  "fost dezactivat. Evenimentele noi nu îi mai sunt trimise.\n\n"
                  f"Verificați adresa și reactivați-l din Arhivar: {page}\n"))
        once = f"webhook-disabled:{endpoint.endpoint_id}:{failing_since.isoformat()}"
        for recipient in self._notifications.recipients(endpoint.cif, Category.INTEGRATIONS, ADMINS):
            self._notifications.send(recipient, Category.INTEGRATIONS, [endpoint.cif], message, once=once)

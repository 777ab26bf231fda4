"""Webhook routes (app.py calls `register_routes(app)`): a company's endpoints, their secret
(shown once, on creation and rotation), the delivery log, "Retrimite" and the test event.
Routes only: parse, call the service (services/webhooks.py), map the result. Owners and
admins with an active membership (the service checks it); anyone else gets 404 or 403.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote

from chalice import Chalice, Response

from chalicelib import dependencies
from chalicelib.api import caller as callers
from chalicelib.api import routing
from chalicelib.api.requests import parse_body
from chalicelib.api.views import iso
from chalicelib.storage.webhook_deliveries import Delivery
from chalicelib.storage.webhooks import Endpoint


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


def endpoint_view(endpoint: Endpoint) -> dict[str, Any]:
    rotating = endpoint.previous_secret_until if endpoint.previous_secret_ciphertext else None
    return {"id": endpoint.endpoint_id, "url": endpoint.url, "description": endpoint.description,
            "events": sorted(endpoint.events), "kinds": sorted(endpoint.kinds) if endpoint.kinds else None,
            "enabled": endpoint.enabled, "disabled_reason": endpoint.disabled_reason,
            "disabled_at": iso(endpoint.disabled_at), "failing_since": iso(endpoint.failing_since),
            "last_success_at": iso(endpoint.last_success_at), "secret_hint": endpoint.secret_hint,
            "previous_secret_until": iso(rotating), "created_at": iso(endpoint.created_at)}


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.event_id, "event_type": delivery.event_type, "status": delivery.status,
            "attempts": int(delivery.attempts or 0), "created_at": iso(delivery.created_at),
            "last_attempt_at": iso(delivery.last_attempt_at), "next_attempt_at": iso(delivery.next_attempt_at),
            "delivered_at": iso(delivery.delivered_at),
            "response_status": int(delivery.response_status) if delivery.response_status is not None else None,
            "latency_ms": int(delivery.latency_ms) if delivery.latency_ms is not None else None,
            "error": delivery.error, "response_excerpt": delivery.response_excerpt}


def register_routes(app: Chalice) -> None:
    route = functools.partial(routing.route, app)

    def user_id() -> str:
        return callers.caller(routing.current_request(app)).user_id

    def member_id(cif: str) -> str:
        """The caller, an active member (404 otherwise): before the body is read, so an
        outsider learns nothing, not even from a 400."""
        return callers.member(routing.current_request(app), cif).user_id

    def body(schema: str) -> dict[str, Any]:
        return parse_body(routing.body_bytes(routing.current_request(app)), schema)

    @route("/api/companies/{cif}/webhooks", "GET")
    def list_webhooks(cif: str) -> Response:
        found = dependencies.webhooks().endpoints(user_id(), cif)
        return ok({"webhooks": [endpoint_view(e) for e in found]})

    @route("/api/companies/{cif}/webhooks", "POST")
    def create_webhook(cif: str) -> Response:
        who = member_id(cif)
        created = dependencies.webhooks().create(who, cif, body("WebhookRequest"))
        return ok({"webhook": endpoint_view(created.endpoint), "secret": created.secret}, status=201)

    @route("/api/companies/{cif}/webhooks/{endpoint_id}", "PUT")
    def change_webhook(cif: str, endpoint_id: str) -> Response:
        who = member_id(cif)
        changed = dependencies.webhooks().update(who, cif, unquote(endpoint_id), body("WebhookRequest"))
        return ok({"webhook": endpoint_view(changed)})

    @route("/api/companies/{cif}/webhooks/{endpoint_id}", "DELETE")
    def delete_webhook(cif: str, endpoint_id: str) -> Response:
        dependencies.webhooks().delete(user_id(), cif, unquote(endpoint_id))
        return Response(status_code=204, body="", headers={"Cache-Control": "no-store"})

    @route("/api/companies/{cif}/webhooks/{endpoint_id}/rotate", "POST")
    def rotate_webhook_secret(cif: str, endpoint_id: str) -> Response:
        rotated = dependencies.webhooks().rotate(user_id(), cif, unquote(endpoint_id))
        return ok({"webhook": endpoint_view(rotated.endpoint), "secret": rotated.secret})

    @route("/api/companies/{cif}/webhooks/{endpoint_id}/deliveries", "GET")
    def webhook_deliveries(cif: str, endpoint_id: str) -> Response:
        found = dependencies.webhooks().deliveries(user_id(), cif, unquote(endpoint_id))
        return ok({"deliveries": [delivery_view(d) for d in found]})

    @route("/api/companies/{cif}/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend", "POST")
    def resend_webhook_delivery(cif: str, endpoint_id: str, delivery_id: str) -> Response:
        again = dependencies.webhooks().resend(user_id(), cif, unquote(endpoint_id), unquote(delivery_id))
        return ok({"delivery": delivery_view(again)}, status=202)

    @route("/api/companies/{cif}/webhooks/{endpoint_id}/test", "POST")
    def send_webhook_test(cif: str, endpoint_id: str) -> Response:
        event = dependencies.webhooks().send_test(user_id(), cif, unquote(endpoint_id))
        return ok({"delivery_id": event}, status=202)

"""Delivery to the company's own S3 bucket (issue 15; a Chalice Blueprint, app.py registers
it): the settings and status, the settings' change, "Verifică" and "Reîncearcă". Routes only:
the caller's token, then the service (owners and admins of an active membership; 404 to anyone
else, before the body is read).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from chalicelib import dependencies
from chalicelib.api import caller as callers
from chalicelib.api import routing
from chalicelib.api.requests import parse_body
from chalicelib.domain import s3_delivery as rules
from chalicelib.services import s3_delivery
from chalicelib.services.s3_delivery import DeliveryState

s3_delivery_routes = Blueprint(__name__)
route = functools.partial(routing.route, s3_delivery_routes)


def _user_id() -> str:
    return callers.caller(routing.current_request(s3_delivery_routes)).user_id


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def view(found: DeliveryState) -> dict[str, Any]:
    config = found.config
    return {
        "enabled": bool(config.enabled),
        "bucket": config.bucket,
        "prefix": config.prefix or "",
        "role_arn": config.role_arn,
        "external_id": config.external_id,
        "principal": found.principal,
        **rules.policies(found.principal, config.external_id or "", config.bucket, config.prefix),
        "verified_at": _time(config.verified_at),
        "last_delivery_at": _time(config.last_delivery_at),
        "last_delivery_key": config.last_delivery_key,
        "delivered_count": int(config.delivered_count or 0),
        "backfill": config.backfill_state,
        "failures": [{
            "message_id": failure.message_id, "reason_code": failure.reason_code, "reason": failure.reason,
            "attempts": int(failure.attempts or 0), "state": failure.state,
            "first_failed_at": _time(failure.first_failed_at), "last_failed_at": _time(failure.last_failed_at),
            "next_attempt_at": _time(failure.next_attempt_at)} for failure in found.failures],
    }


def _state(cif: str, user_id: str) -> dict[str, Any]:
    found = s3_delivery.state(user_id, cif, dependencies.settings().s3_delivery_principal, dependencies.now())
    return {"delivery": view(found)}


@route("/api/companies/{cif}/s3-delivery", "GET")
def get_s3_delivery(cif: str) -> Response:
    return ok(_state(cif, _user_id()))


@route("/api/companies/{cif}/s3-delivery/settings", "PUT")
def change_s3_delivery(cif: str) -> Response:
    user_id = _user_id()
    s3_delivery.require_administrator(user_id, cif)  # outsiders and viewers stop here, before the body
    data = parse_body(routing.body_bytes(routing.current_request(s3_delivery_routes)), "S3DeliveryRequest")
    s3_delivery.configure(user_id, cif, data, dependencies.customer_buckets(), dependencies.work_queues(),
                          dependencies.now())
    return ok(_state(cif, user_id))


@route("/api/companies/{cif}/s3-delivery/verify", "POST")
def verify_s3_delivery(cif: str) -> Response:
    user_id = _user_id()
    s3_delivery.verify(user_id, cif, dependencies.customer_buckets(), dependencies.now())
    return ok(_state(cif, user_id))


@route("/api/companies/{cif}/s3-delivery/retry", "POST")
def retry_s3_delivery(cif: str) -> Response:
    user_id = _user_id()
    queued = s3_delivery.retry(user_id, cif, dependencies.work_queues(), dependencies.now())
    return ok({"queued": queued, **_state(cif, user_id)}, status=202)

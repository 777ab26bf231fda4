"""API key management routes (issue 15; app.py calls `register_routes(app)`): owners and admins
list, create and revoke a company's keys. Routes only: parse, call services/api_keys.py, map.

No key reaches these routes (their OpenAPI operations name no key scope): a key cannot mint
or revoke keys. Not a Blueprint, for the reason two_factor_routes.py gives.
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
from chalicelib.domain import api_keys as rules
from chalicelib.services import api_keys
from chalicelib.storage.api_keys import ApiKey


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


def key_view(key: ApiKey) -> dict[str, Any]:
    """A key as lists show it: never the secret, nor its hash."""
    now = dependencies.now()
    return {"key_id": key.key_id, "prefix": f"{rules.PREFIX}{key.key_id}", "name": key.name,
            "scopes": [scope for scope in rules.SCOPES if scope in key.scopes],
            "created_at": iso(key.created_at), "expires_on": key.expires_on,
            "revoked_at": iso(key.revoked_at), "active": api_keys.is_active(key, now),
            "expired": rules.is_expired(api_keys.expiry_of(key), now),
            "last_used_at": iso(key.last_used_at), "last_used_ip": key.last_used_ip}


def register_routes(app: Chalice) -> None:
    route = functools.partial(routing.route, app)

    def user_id() -> str:
        return callers.caller(routing.current_request(app)).user_id

    @route("/api/companies/{cif}/api-keys", "GET")
    def list_api_keys(cif: str) -> Response:
        return ok({"api_keys": [key_view(key) for key in api_keys.of_company(user_id(), cif)],
                   "scopes": list(rules.SCOPES),
                   "rate_limit_per_minute": rules.RATE_LIMIT_PER_MINUTE})

    @route("/api/companies/{cif}/api-keys", "POST")
    def create_api_key(cif: str) -> Response:
        who = user_id()
        api_keys.require_admin(who, cif)  # outsiders get 404 before the body is looked at
        data = parse_body(routing.body_bytes(routing.current_request(app)), "ApiKeyRequest")
        key, secret = api_keys.create(who, cif, data["name"], data["scopes"], data.get("expires_on"),
                                      dependencies.now())
        return ok({"api_key": key_view(key), "secret": secret}, status=201)

    @route("/api/companies/{cif}/api-keys/{key_id}", "DELETE")
    def revoke_api_key(cif: str, key_id: str) -> Response:
        api_keys.revoke(user_id(), cif, unquote(key_id), dependencies.now())
        return Response(status_code=204, body="", headers={"Cache-Control": "no-store"})

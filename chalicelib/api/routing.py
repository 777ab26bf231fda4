"""Registering routes, for the app and its blueprints alike: domain errors become answers in
this one place (Chalice would turn them into 500s), and a request made with an integrator's API
key (`Authorization: ApiKey …`) passes the key gate here, against the scope the route's OpenAPI
operation names (services/api_keys.py), before the route runs as the key's creator."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from chalice import Blueprint, Chalice, Response
from chalice.app import Request

from chalicelib import dependencies
from chalicelib.anaf.http import request_deadline
from chalicelib.api import caller as callers
from chalicelib.api.company_gate import check_company_route
from chalicelib.api.requests import openapi_document
from chalicelib.domain.api_keys import api_key_of
from chalicelib.domain.errors import ArhivarError
from chalicelib.services import api_keys, audit

View = Callable[..., Response]
logger = Logger(service="arhivar-api")


def error_response(error: ArhivarError) -> Response:
    """The one place where domain errors become HTTP answers."""
    body: dict[str, Any] = {"code": error.code, "message": error.message_ro}
    if error.details and error.status < 500:
        body["details"] = error.details
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    return Response(status_code=error.status, body={"error": body}, headers=headers)


def route(target: Chalice | Blueprint, path: str, method: str,
          content_types: list[str] | None = None) -> Callable[[View], View]:
    company_route = "{cif}" in path
    scope = key_scope(path, method)

    def register(view: View) -> View:
        @functools.wraps(view)
        def guarded(**kwargs: str) -> Response:
            try:
                # Every ANAF call of the request shares one deadline: together they never take
                # longer than the request can (API Gateway stops it at 29 s).
                with audit.request_scope(_source_ip(target), _user_agent(target)), \
                        request_deadline(dependencies.API_ANAF_DEADLINE_S):
                    secret = api_key_of(current_request(target).headers.get("authorization"))
                    if secret is not None:  # an integrator's key: the whole gate is services/api_keys.py
                        key = api_keys.authenticate(secret, scope, kwargs.get("cif"), _source_ip(target),
                                                    dependencies.now())
                        with callers.acting_with_key(key.user_id):
                            return view(**kwargs)
                    if company_route:  # a company's two-factor requirement, before anything else
                        check_company_route(current_request(target), kwargs["cif"])
                    return view(**kwargs)
            except ArhivarError as error:
                if error.status >= 500:
                    logger.warning("request failed", extra={"code": error.code, "details": error.details})
                return error_response(error)
        target.route(path, methods=[method], content_types=content_types or ["application/json"])(guarded)
        return guarded
    return register


def key_scope(path: str, method: str) -> str | None:
    """The API key scope a route needs, as its OpenAPI operation declares it (the one place):
    `"security": [{"bearer": []}, {"apiKey": ["documents:read"]}]`. None: no key reaches it."""
    operation = openapi_document()["paths"].get(path, {}).get(method.lower(), {})
    for requirement in operation.get("security") or []:
        scopes = requirement.get("apiKey")
        if scopes:
            return str(scopes[0])
    return None


def _source_ip(target: Chalice | Blueprint) -> str | None:
    """The caller's IP as API Gateway saw it (the security journal records it)."""
    context = getattr(target.current_request, "context", None) or {}
    ip = (context.get("identity") or {}).get("sourceIp")
    return ip if isinstance(ip, str) and 0 < len(ip) <= 64 else None


def _user_agent(target: Chalice | Blueprint) -> str | None:
    agent = current_request(target).headers.get("user-agent")
    return agent[:300] if agent else None


def current_request(target: Chalice | Blueprint) -> Request:
    """The request being handled (Chalice types it Optional: there is none between requests)."""
    request = target.current_request
    if request is None:
        raise RuntimeError("no request is being handled")
    return request


def body_bytes(request: Request) -> bytes:
    """The raw body; Chalice types it str | bytes but always decodes it to bytes."""
    body = request.raw_body
    return body.encode("utf-8") if isinstance(body, str) else body

"""The Arhivar API (Chalice). Routes only: parse the request, call a service, map the result.

Every route lives under /api/ so the same paths work behind CloudFront (which forwards
/api/* to API Gateway) and in the local stack (one origin for the web app and the API).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from aws_lambda_powertools import Logger
from chalice import Chalice, Response

from chalicelib import dependencies
from chalicelib.domain.errors import ArhivarError
from chalicelib.services.health import check_health

app = Chalice(app_name="arhivar")
logger = Logger(service="arhivar-api")

_OPENAPI_PATH = Path(__file__).parent / "chalicelib" / "openapi.json"


def error_response(error: ArhivarError) -> Response:
    """The one place where domain errors become HTTP answers."""
    return Response(
        status_code=error.status,
        body={"error": {"code": error.code, "message": error.message_ro}},
        headers={"Content-Type": "application/json"},
    )


@app.middleware("http")
def handle_errors(event, get_response):  # type: ignore[no-untyped-def]
    try:
        return get_response(event)
    except ArhivarError as error:
        if error.status >= 500:
            logger.warning("request failed", extra={"code": error.code, "details": error.details})
        return error_response(error)


@app.route("/api/health", methods=["GET"])
def health() -> Response:
    stage = dependencies.settings().stage
    checks = check_health(dependencies.archive())
    healthy = all(state == "ok" for state in checks.values())
    return Response(
        status_code=200 if healthy else 503,
        body={"status": "ok" if healthy else "degraded", "stage": stage, "checks": checks},
    )


@app.route("/api/openapi.json", methods=["GET"])
def openapi() -> Response:
    return Response(status_code=200, body=_openapi_document())


@functools.cache
def _openapi_document() -> dict:
    return json.loads(_OPENAPI_PATH.read_text(encoding="utf-8"))

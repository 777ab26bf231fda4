"""Response shapes shared by the ANAF endpoints (Spring errors, ANAF JSON/XML envelopes)."""

from __future__ import annotations

import json

from flask import Response, current_app, request

from .clock import ro_datetime
from .state import Sandbox


def sandbox() -> Sandbox:
    return current_app.config["SANDBOX"]


def json_response(payload: dict, status: int = 200) -> Response:
    # ensure_ascii=False: ANAF sends UTF-8 text, not \\u escapes (sandbox choice)
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


def spring_error(status: int, message: str) -> Response:
    """The Spring-style error body ANAF returns for 400s (API.md §2.2)."""
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}.get(status, "Error")
    return json_response(
        {
            "timestamp": ro_datetime(sandbox().clock.now_ms()),
            "status": status,
            "error": reason,
            "message": message,
            "path": request.path,
        },
        status,
    )


def forbidden() -> Response:
    """403 for a missing/invalid bearer token or a path ANAF does not serve (body UNCONFIRMED)."""
    return spring_error(403, "Access Denied")


def xml_response(body: str) -> Response:
    return Response(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n",
        mimetype="application/xml",
    )

"""The WSGI app: ANAF's paths, the admin API, and the fault injector in front of them."""

from __future__ import annotations

import secrets
from time import sleep

from flask import Flask, Response, request

from . import admin, efactura, lookup, oauth
from .config import SandboxConfig
from .faults import MAINTENANCE_PAGE, WAF_PAGE, corrupt, truncate
from .http_common import forbidden, sandbox
from .state import Sandbox

ADMIN_PREFIX = "/__sandbox"
_GATEWAY_PAGE = ("<html><head><title>{code}</title></head>"
                 "<body><center><h1>{code}</h1></center><hr><center>nginx</center></body></html>")
_REASONS = {500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable",
            504: "504 Gateway Time-out"}


def _html(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/html")


def _inject_before() -> Response | None:
    if request.path.startswith(ADMIN_PREFIX):
        return None
    sb = sandbox()
    for rule in sb.faults.take(request.path, response_phase=False):
        if rule.kind == "latency":
            sleep(rule.delay_ms / 1000)
        elif rule.kind == "status":
            code = rule.status or 503
            answer = _html(_GATEWAY_PAGE.format(code=_REASONS.get(code, str(code))), code)
            if rule.retry_after is not None:
                answer.headers["Retry-After"] = str(rule.retry_after)
            return answer
        elif rule.kind == "timeout":
            sb.faults.cancel.wait(rule.seconds)  # hold the connection; reset/shutdown ends it
            return _html(_GATEWAY_PAGE.format(code=_REASONS[504]), 504)
        elif rule.kind == "waf":
            support_id = str(secrets.randbelow(10**19)).zfill(19)
            return _html(WAF_PAGE.format(support_id=support_id), rule.status or 200)
        elif rule.kind == "maintenance":
            return _html(MAINTENANCE_PAGE, rule.status or 200)
    return None


def _inject_after(response: Response) -> Response:
    if request.path.startswith(ADMIN_PREFIX) or response.mimetype != "application/zip":
        return response
    for rule in sandbox().faults.take(request.path, response_phase=True):
        data = response.get_data()
        response.set_data(truncate(data) if rule.kind == "truncate_zip" else corrupt(data, rule.seed))
    return response


def create_app(config: SandboxConfig | None = None) -> Flask:
    """A WSGI app serving one sandbox world built from ``config``."""
    app = Flask(__name__)
    app.config["SANDBOX"] = Sandbox(config or SandboxConfig())
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    app.before_request(_inject_before)
    app.after_request(_inject_after)

    @app.errorhandler(404)
    def _not_found(_exc) -> Response:
        if request.path.startswith(ADMIN_PREFIX):
            return Response('{"error": "not found"}', status=404, mimetype="application/json")
        return forbidden()  # ANAF's gateway answers 403 for paths it does not serve

    for blueprint in (oauth.bp, efactura.bp, lookup.bp, admin.bp):
        app.register_blueprint(blueprint)
    return app

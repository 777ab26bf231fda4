"""One local origin for the product: the web app, the API under /api/, and the local mailbox.

/api/* goes through Chalice's LocalGateway (the same event/response translation `chalice local`
uses), except /api/vizualizare: in AWS, API Gateway sends that path to its own function (the
public viewer, which needs WeasyPrint, infra/components/viewer.py), so here it goes to that
function's handler with the proxy event API Gateway would build. Everything else is the
static web app from web/ (unknown paths fall back to index.html so the browser's router can
handle them). /local/mail shows the e-mails sent through SES.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import mimetypes
import re
import signal
import sys
import threading
from pathlib import Path

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from chalicelib.settings import get_settings
from chalicelib.storage.blobs import upload_origin
from infra.http_policy import redact_request_target, security_headers
from local.environment import LOCAL_HOST
from local.mailbox import render_mailbox

VIEWER_PATH = "/api/vizualizare"  # functions/public_viewer/handler.py PATH
_UNKNOWN_ROUTE = {"error": {"code": "not_found", "message": "Resursa nu există."}}
WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
_REQUEST_TARGET = re.compile(r"/[^\s\"']*")  # what looks like a path in a log line


class RedactingRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler whose log lines (access and errors) never show a credential
    carried in a URL (see infra/http_policy.py), as API Gateway's access log does not."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The target as sent (still percent-encoded, so a value cannot hide behind a decoded
        # space), redacted; werkzeug's own line would be the decoded path.
        target = redact_request_target(self.path) if hasattr(self, "path") else "-"
        line = f"{self.command} {target} {self.request_version}".translate(self._control_char_table)
        self.log("info", '"%s" %s %s', line, code, size)

    def log(self, type: str, message: str, *args: object) -> None:  # werkzeug's signature
        # Every other line (errors quote the raw request line) is scrubbed of URL credentials.
        line = message % args if args else message
        super().log(type, "%s", _REQUEST_TARGET.sub(lambda m: redact_request_target(m.group(0)), line))


class LocalOrigin:
    def __init__(self, gateway: LocalGateway, web_root: Path = WEB_ROOT) -> None:
        self._gateway = gateway
        self._web_root = web_root.resolve()
        self._headers = security_headers(upload_origin(get_settings()))
        # Chalice keeps the request being handled on the app object (app.current_request), so
        # two threads inside the app would read each other's request. A Lambda execution
        # environment handles one event at a time; so does the local API.
        self._one_at_a_time = threading.Lock()

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        if request.path == VIEWER_PATH:
            response = self._viewer(request)
        elif request.path == "/api" or request.path.startswith("/api/"):
            response = self._api(request)
        elif request.path == "/local/mail":
            response = Response(render_mailbox(), content_type="text/html; charset=utf-8")
        else:
            response = self._static(request.path)
        # CloudFront's response headers policy, on every answer of the local origin too.
        response.headers.update(self._headers)
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        # The path as sent (still percent-encoded), as API Gateway hands it to the function.
        path = request.environ.get("RAW_URI") or request.full_path.rstrip("?")
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            with self._one_at_a_time:
                answer = self._gateway.handle_request(
                    request.method, path, headers, request.get_data() or None)
        except LocalGatewayException as error:
            if error.CODE == 403 and b"Missing Authentication Token" in (error.body or b""):
                # API Gateway's answer for an unknown route; the deployed API maps it to this
                # same 404 with a gateway response (infra), so clients see one shape.
                return Response(json.dumps(_UNKNOWN_ROUTE), status=404, content_type="application/json")
            response = Response(error.body, status=error.CODE, headers=dict(error.headers))
            response.headers["Content-Type"] = "application/json"  # Chalice's errors are JSON
            return response
        body = answer.get("body") or b""
        if answer.get("isBase64Encoded"):
            body = base64.b64decode(body)
        # API Gateway's default (werkzeug's would be text/plain); the function's own overrides it.
        response = Response(body, status=answer["statusCode"], content_type="application/json")
        for name, value in answer.get("headers", {}).items():
            response.headers[name] = value
        for name, values in answer.get("multiValueHeaders", {}).items():
            for value in values:
                response.headers.add(name, value)
        return response

    def _viewer(self, request: Request) -> Response:
        from functions.public_viewer.handler import view  # WeasyPrint: loaded on first use only

        event = {
            "httpMethod": request.method,
            "path": request.path,
            "headers": {key.lower(): value for key, value in request.headers.items()},
            "body": base64.b64encode(request.get_data()).decode("ascii"),
            "isBase64Encoded": True,  # application/octet-stream is a binary media type
            "requestContext": {"identity": {"sourceIp": request.remote_addr or ""}},
        }
        answer = view(event)
        return Response(answer["body"], status=answer["statusCode"], headers=answer["headers"])

    def _static(self, path: str) -> Response:
        candidate = (self._web_root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self._web_root) or not candidate.is_file():
            # Asset-looking paths that do not exist are real 404s; pages go to the app shell.
            if "." in Path(path).name:
                return Response("Not found", status=404)
            candidate = self._web_root / "index.html"
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        response = Response(candidate.read_bytes(), content_type=content_type)
        response.headers["Cache-Control"] = "no-cache"
        return response


def create_origin() -> LocalOrigin:
    from app import app  # imported here: the environment must be set before the app loads

    return LocalOrigin(LocalGateway(app, Config(chalice_stage="local")))


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Arhivar's web app and API locally.")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    server = make_server(LOCAL_HOST, args.port, create_origin(), threaded=True,
                         request_handler=RedactingRequestHandler)
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"web+api listening on http://{LOCAL_HOST}:{server.server_port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()

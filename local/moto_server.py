"""moto's server for the local stack, plus one read-only endpoint: the e-mails SES accepted.

``GET /_aws/ses`` answers ``{"messages": [...]}``, oldest first, every account and region (the
path of LocalStack's SES inspection endpoint). moto 5.2.5 has no such endpoint: its only view
of sent mail is ``/moto-api/data.json``, a dump of every object moto holds, which grows with
everything the tests store and timed out on a loaded machine. This one costs what the mailbox
holds. Everything else is moto's own server, started exactly as ``python -m moto.server``,
with one gap filled: moto 5.2.5 accepts SignUp on a pool whose AdminCreateUserConfig says
AllowAdminCreateUserOnly (self sign-up off); AWS refuses it with NotAuthorizedException, and
so does this server (`refuse_self_sign_up`).

Run: python -m local.moto_server -H 127.0.0.1 -p 5000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.ses.models import Message, RawMessage, ses_backends
from werkzeug.serving import run_simple

SES_PATH = "/_aws/ses"


def sent_messages() -> list[dict[str, Any]]:
    """What moto's SES accepted: raw MIME messages and simple ones, oldest first."""
    found: list[dict[str, Any]] = []
    for account_id, region, backend in ses_backends.iter_backends():
        for message in list(backend.sent_messages):  # a copy: other threads append
            if not isinstance(message, (RawMessage, Message)):
                continue  # templated messages: the product sends none
            common = {"id": message.id, "account": account_id, "region": region, "source": message.source}
            if isinstance(message, RawMessage):
                found.append({**common, "kind": "raw", "destinations": list(message.destinations),
                              "raw_data": message.raw_data})
            else:
                found.append({**common, "kind": "simple", "destinations": message.destinations,
                              "subject": message.subject, "body": message.body})
    return found


def refuse_self_sign_up() -> None:
    """SignUp on a pool with self sign-up off answers as AWS does: NotAuthorizedException."""
    original = CognitoIdpBackend.sign_up
    if getattr(original, "refuses_self_sign_up", False):
        return

    def sign_up(self: CognitoIdpBackend, client_id: str, *args: Any, **kwargs: Any) -> Any:
        for pool in self.user_pools.values():
            admin_only = pool.extended_config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly")
            if client_id in pool.clients and admin_only:
                raise NotAuthorizedError("SignUp is not permitted for this user pool")
        return original(self, client_id, *args, **kwargs)

    sign_up.refuses_self_sign_up = True  # type: ignore[attr-defined]
    CognitoIdpBackend.sign_up = sign_up  # type: ignore[method-assign]


class WithSentMail:
    """WSGI: answer GET /_aws/ses, hand every other request to moto."""

    def __init__(self, moto_app: Callable) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != SES_PATH:
            return self.moto_app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "GET":
            start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        body = json.dumps({"messages": sent_messages()}).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does (URLs moto builds)
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: sys.exit(0))
    refuse_self_sign_up()
    moto_app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, WithSentMail(moto_app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()

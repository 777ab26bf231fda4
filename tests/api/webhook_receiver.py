"""A webhook receiver the tests run on loopback: a small threaded HTTP server that records what
it is sent and answers as told (a status, a redirect, or too slowly)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib import dependencies
from chalicelib.services.webhook_delivery import WebhookDeliverer
from chalicelib.storage.aws import aws_client
from chalicelib.topology import queue
from chalicelib.webhooks.transport import WebhookTransport


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Answers each request with the next planned reply; 200 once the plan is used up.
    A reply is a status (int), ("redirect", url) or ("slow", seconds)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.plan: deque[Any] = deque()
        self.always: Any = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                reply = receiver.plan.popleft() if receiver.plan else receiver.always
                if isinstance(reply, tuple) and reply[0] == "slow":
                    time.sleep(reply[1])
                    reply = 200
                if isinstance(reply, tuple) and reply[0] == "redirect":
                    self.send_response(302)
                    self.send_header("Location", reply[1])
                    self.end_headers()
                    return
                answer = b'{"primit": true}' if reply < 300 else b"eroare la receptor " * 100
                self.send_response(reply)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the sender may have given up waiting
                    self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/arhivar"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Clock:
    """The deliverer's time, moved by the test (no sleeping through a day of retries)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> None:
        self.now = max(self.now, moment)


def deliverer(clock: Clock, *, allow_loopback: bool = True, read_timeout_s: float = 10.0) -> WebhookDeliverer:
    transport = WebhookTransport(allow_loopback=allow_loopback, read_timeout_s=read_timeout_s)
    return WebhookDeliverer(dependencies.token_cipher(), dependencies.work_queues(), dependencies.notifications(),
                            transport, clock)


def queued_for(endpoint_id: str) -> list[dict[str, str]]:
    """Take the webhook queue's visible messages; return (and remove) this endpoint's ones."""
    sqs = aws_client(dependencies.settings(), "sqs")
    url = dependencies.work_queues().url(queue("webhook").key)
    mine: list[dict[str, str]] = []
    others: list[str] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        for message in messages:
            body = json.loads(message["Body"])
            if body["endpoint_id"] == endpoint_id:
                mine.append(body)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                others.append(message["ReceiptHandle"])
    for handle in others:  # another test's: visible again at once
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    return mine

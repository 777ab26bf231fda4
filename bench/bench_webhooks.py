"""Webhook deliveries per second from one worker against a receiver on loopback.

Run: .venv/bin/python bench/bench_webhooks.py      (or: make bench ONLY=webhooks)

Against moto's server (started here with the bootstrap; nothing else): one endpoint whose
signing secret is KMS-encrypted as in production, N events reported through
services/webhook_events.py (a delivery record and an SQS message each), then the
deliver_webhooks function fed by the local runtime's poller (batches of 10, as its event source
mapping) until every delivery is delivered. The receiver is a threaded HTTP server on loopback
that answers 200 at once, so the figure is the worker's own cost per delivery: reading the
delivery and the endpoint, signing, the HTTP round trip, recording the attempt, deleting the
message. Time is wall time; moto's DynamoDB and SQS are slower than AWS's per call.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "300"))


class _Ok(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Ok.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    from bench._local import moto_only  # sets fake AWS credentials first

    with moto_only():
        from chalicelib import dependencies
        from chalicelib.domain.webhooks import EVENT_TYPES, new_secret
        from chalicelib.services.webhook_events import payload_json
        from chalicelib.services.webhooks import hint, secret_context
        from chalicelib.storage import webhook_deliveries, webhooks
        from chalicelib.topology import queue
        from functions.deliver_webhooks import handler
        from local.runtime import QueuePoller

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings = dependencies.settings()
        secret = new_secret()
        endpoint_id = "we_bench"
        webhooks.create("12345678", endpoint_id, url=f"http://127.0.0.1:{server.server_address[1]}/hook",
                        description=None, events=set(EVENT_TYPES), kinds=None,
                        secret_ciphertext=dependencies.token_cipher().encrypt(secret, secret_context(endpoint_id)),
                        secret_hint=hint(secret), created_by="bench", now=datetime.now(UTC))
        events = dependencies.webhook_events()
        started = time.perf_counter()
        for n in range(EVENTS):
            payload = payload_json("document.archived", datetime.now(UTC), {"cif": "12345678", "number": f"B-{n}"})
            events.add_delivery("12345678", endpoint_id, f"msg_bench{n:06d}", "document.archived", payload)
        reported = time.perf_counter() - started

        poller = QueuePoller(settings, queue("webhook"), handler.lambda_handler, wait_time_s=0)
        started = time.perf_counter()
        while _Ok.received < EVENTS:
            if not poller.poll_once().received and time.perf_counter() - started > 120:
                break
        elapsed = time.perf_counter() - started
        latencies = [int(d.latency_ms) for d in webhook_deliveries.recent(endpoint_id, EVENTS)
                     if d.latency_ms is not None]
        server.shutdown()
        print(f"events reported: {EVENTS} in {reported:.2f} s ({EVENTS / reported:.0f}/s: record + SQS message)")
        print(f"delivered by one worker: {_Ok.received} in {elapsed:.2f} s = {_Ok.received / elapsed:.1f} deliveries/s")
        if latencies:
            print(f"HTTP latency to the loopback receiver: median {statistics.median(latencies)} ms, "
                  f"max {max(latencies)} ms")


if __name__ == "__main__":
    main()

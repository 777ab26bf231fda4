"""SQS webhook queue → one delivery attempt per record (services/webhook_delivery.py).

A record is `{"cif", "endpoint_id", "event_id"}`. A failed attempt is not a failed record: the
service records it and queues the next attempt itself. Only transient AWS errors raise; that
record alone is reported failed (ReportBatchItemFailures), so SQS redelivers it and finally
dead-letters it (alarmed).

The records of a batch are delivered at the same time, on threads: each waits mostly on a
customer's server (up to 3 s to connect and 10 s to answer), and ten of those one after the
other would outlast the function's time-out.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-deliver-webhooks")
FIELDS = ("cif", "endpoint_id", "event_id")
THREADS = 10  # the queue's batch size (chalicelib/topology.py)


def deliver(record: dict[str, Any]) -> bool:
    """One record; False when it must come back (a transient error)."""
    try:
        message = json.loads(record["body"])
        usable = all(isinstance(message.get(f), str) and 0 < len(message[f]) <= 64 for f in FIELDS)
    except (ValueError, AttributeError, KeyError, TypeError):
        usable = False
    if not usable:
        logger.warning("webhook: unusable message dropped", extra={"body": str(record.get("body"))[:200]})
        return True
    try:
        outcome = dependencies.webhook_deliverer().handle(message)
    except Exception:
        logger.exception("webhook delivery failed; the message comes back",
                         extra={"endpoint_id": message["endpoint_id"], "event_id": message["event_id"]})
        return False
    logger.info("webhook delivery", extra={"endpoint_id": message["endpoint_id"],
                                           "event_id": message["event_id"], "result": outcome.result})
    return True


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    dependencies.settings()
    records = event.get("Records", [])
    with ThreadPoolExecutor(THREADS, thread_name_prefix="webhook") as pool:
        done = list(pool.map(deliver, records))
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r, ok in zip(records, done, strict=True)
                                  if not ok]}

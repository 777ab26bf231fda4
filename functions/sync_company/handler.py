"""SQS sync queue → one company per record (batch size 1 in AWS), partial failures reported.

A record fails only on an unexpected error (it is retried, then dead-lettered); ANAF's
outages and refusals are handled inside the run and show up as the company's sync state.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.sqs_jobs import run_batch
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-sync")
metrics = Metrics(namespace="Arhivar", service="sync")
_context: LambdaContext | None = None


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    time_left = (lambda: _context.get_remaining_time_in_millis() / 1000) if _context else (lambda: 900.0)
    started = time.monotonic()
    outcome = dependencies.company_sync(time_left).run(message["cif"], message.get("reason", "schedule"))
    stats = outcome.stats
    metrics.add_metric("MessagesListed", MetricUnit.Count, stats.listed)
    metrics.add_metric("MessagesNew", MetricUnit.Count, stats.new)
    metrics.add_metric("MessagesFailed", MetricUnit.Count, stats.failed)
    metrics.add_metric("MessagesLost", MetricUnit.Count, stats.lost)
    metrics.add_metric("AnafCalls", MetricUnit.Count, stats.anaf_calls)
    metrics.add_metric("BytesArchived", MetricUnit.Bytes, stats.bytes)
    metrics.add_metric("RunDuration", MetricUnit.Seconds, time.monotonic() - started)
    for kind, count in stats.errors.items():
        metrics.add_metric(f"Errors_{kind}", MetricUnit.Count, count)
    logger.info("company synced", extra={"cif": outcome.cif, "result": outcome.result})


@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    global _context
    _context = context
    return run_batch(event, context, record_handler)

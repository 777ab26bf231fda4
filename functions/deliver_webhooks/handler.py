"""SQS webhook queue → one delivery attempt per record (services/webhook_delivery.py).

A record is `{"cif", "endpoint_id", "event_id"}`. A failed attempt is not a failed record: the
service records it and queues the next attempt itself. Only transient AWS errors raise, so SQS
redelivers the record (and finally dead-letters it, alarmed).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-deliver-webhooks")
processor = BatchProcessor(event_type=EventType.SQS)
FIELDS = ("cif", "endpoint_id", "event_id")


def record_handler(record: SQSRecord) -> None:
    try:
        message = json.loads(record.body)
        usable = all(isinstance(message.get(f), str) and 0 < len(message[f]) <= 64 for f in FIELDS)
    except (ValueError, AttributeError):
        usable = False
    if not usable:
        logger.warning("webhook: unusable message dropped", extra={"body": record.body[:200]})
        return
    outcome = dependencies.webhook_deliverer().handle(message)
    logger.info("webhook delivery", extra={"endpoint_id": message["endpoint_id"],
                                           "event_id": message["event_id"], "result": outcome.result})


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies.settings()
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)

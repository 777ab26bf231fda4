"""SQS s3delivery queue → one document's files copied to the company's own S3 bucket, or one
slice of a backfill queued (services/s3_delivery.py).

One record = `{"cif", "sk", "attempt"}` or `{"kind": "backfill", "cif", "after"}`. Failures on
the customer's side are recorded and come back as delayed messages; only our own transient
failures (DynamoDB, the archive bucket, SQS) raise, so SQS redelivers the record and finally
dead-letters it. A message that cannot be acted on is logged and dropped.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.s3_delivery import parse_message
from chalicelib.sqs_jobs import run_batch
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-deliver-s3")


def record_handler(record: SQSRecord) -> None:
    try:
        message = parse_message(json.loads(record.body))
    except (ValueError, RecursionError):  # (JSON nested past the parser's limit)
        message = None
    if message is None:
        logger.warning("s3 delivery: unusable message dropped", extra={"body": record.body[:200]})
        return
    dependencies.s3_deliverer().handle(message)


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return run_batch(event, context, record_handler)

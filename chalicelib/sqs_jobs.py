"""What the SQS job workers (functions/*/handler.py) share: reading the job a record names, and
running a batch with partial failures.

A job record names its job by a few ids (`{"cif": ..., "import_id": ...}`); one that cannot name a
job is dropped by the worker (a redelivery would not make it readable). Only a record handler
that raises fails its record, so SQS redelivers it (a transient AWS error, a throttle) and finally
dead-letters it; the rest of the batch is kept.

This module lives in chalicelib/, not functions/: the image functions' build context carries
chalicelib/ and only their own folder of functions/ (infra/packaging.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies

MAX_ID_LENGTH = 64


def job_ids(body: str, *fields: str) -> tuple[str, ...] | None:
    """The values of `fields` in a record's JSON body, in that order, when each is a non-empty
    string of at most MAX_ID_LENGTH characters; None for a body that names no job."""
    try:
        message = json.loads(body)
        values = tuple(message[field] for field in fields)
    except (ValueError, KeyError, TypeError, RecursionError):  # (JSON nested past the parser's limit)
        return None
    if not all(isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH for value in values):
        return None
    return values


def run_batch(event: dict[str, Any], context: LambdaContext,
              record_handler: Callable[..., None]) -> PartialItemFailureResponse:
    """Each record of an SQS batch to `record_handler` (which may take `lambda_context` too); the
    records that raised are reported back as the batch's failures. A worker's `lambda_handler`
    stays in its own module, traced there (tests/test_tracing.py)."""
    dependencies.settings()  # binds the tables and the DynamoDB error mapping first
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=context)

"""EventBridge schedule → one sync message per due company."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.dispatch import dispatch_due_companies
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-dispatch")


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    dependencies.settings()
    result = dispatch_due_companies(datetime.now(UTC), dependencies.work_queues(),
                                    lambda: context.get_remaining_time_in_millis() / 1000)
    logger.info("dispatched", extra={"due": result.due, "enqueued": result.enqueued,
                                     "skipped": result.skipped, "scheduled_at": event.get("time")})
    return {"due": result.due, "enqueued": result.enqueued, "skipped": result.skipped}

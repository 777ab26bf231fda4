"""Daily EventBridge schedule → the Standard licence's digests of the days before, and the
warnings for companies whose archive nears ANAF's 60-day cliff."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.coverage_warnings import send_coverage_warnings
from chalicelib.services.new_documents import romanian_day, send_digests
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-daily-notifications")


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    dependencies.settings()
    now = dependencies.now()
    digests = send_digests(romanian_day(now), dependencies.notifications())
    warnings = send_coverage_warnings(now, dependencies.notifications(), dependencies.webhook_events())
    logger.info("daily notifications sent", extra={"digests": digests, "coverage_warnings": warnings})
    return {"digests": digests, "coverage_warnings": warnings}

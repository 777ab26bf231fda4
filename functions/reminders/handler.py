"""Daily EventBridge schedule → ANAF re-authorization reminders."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.reminders import send_reminders
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-reminders")


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    dependencies.settings()
    sent = send_reminders(dependencies.now().date(), dependencies.notifications(), dependencies.webhook_events())
    logger.info("reminders sent", extra={"sent": sent})
    return {"sent": sent}

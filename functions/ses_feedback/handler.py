"""SNS (SES feedback notifications) → addresses Arhivar must stop writing to.

A permanent bounce or a complaint suppresses the address (services/notifications.py checks it
before every send; the person's settings page shows it). Transient bounces and deliveries are
only logged. Accepts SES's notification format (`notificationType`) and its event publishing
format (`eventType`). A failure raises, so the asynchronous invocation is retried.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.notifications import suppress
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-ses-feedback")


def feedback(message: dict[str, Any]) -> list[tuple[str, str, datetime]]:
    """(address, reason, when) to suppress for one SES notification."""
    kind = (message.get("notificationType") or message.get("eventType") or "").lower()
    if kind == "bounce":
        bounce = message.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            return []
        recipients, reason = bounce.get("bouncedRecipients", []), "bounce"
        at = bounce.get("timestamp")
    elif kind == "complaint":
        complaint = message.get("complaint", {})
        recipients, reason = complaint.get("complainedRecipients", []), "complaint"
        at = complaint.get("timestamp")
    else:
        return []
    when = datetime.fromisoformat(at) if at else dependencies.now()
    return [(r["emailAddress"], reason, when) for r in recipients if r.get("emailAddress")]


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    dependencies.settings()
    suppressed = 0
    for record in event.get("Records", []):
        message = json.loads(record["Sns"]["Message"])
        for address, reason, when in feedback(message):
            suppress(parseaddr(address)[1] or address, reason, when)
            suppressed += 1
        kind = message.get("notificationType") or message.get("eventType")
        logger.info("SES feedback", extra={"type": kind, "suppressed": suppressed})
    return {"suppressed": suppressed}

"""SQS notify queue → the e-mails about new documents, per licence (services/new_documents.py).

One record = `{"type": "new_documents", "cif", "run_id", "documents": [sk, …], "count"}` from a
sync run. Pro: one e-mail per run to each member who wants it; Standard: the run joins the
company's daily digest; Free: nothing. Sends are recorded per (run, user) before SES is called,
so a redelivered record never e-mails anyone twice. A record fails (and is retried, then
dead-lettered) only on an unexpected error; unknown message types are logged and dropped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services import new_documents
from chalicelib.sqs_jobs import run_batch
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-notify")


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if message.get("type") != "new_documents":
        logger.warning("unknown notify message dropped", extra={"type": message.get("type")})
        return
    sent_ms = int(record.attributes.sent_timestamp or 0) or None
    event = new_documents.NewDocuments(
        cif=message["cif"], run_id=message["run_id"], sks=tuple(message.get("documents") or ()),
        count=int(message.get("count") or len(message.get("documents") or ())),
        sent_at=datetime.fromtimestamp(sent_ms / 1000, UTC) if sent_ms else dependencies.now())
    sent = new_documents.handle(event, dependencies.notifications())
    logger.info("new documents notified", extra={"cif": event.cif, "count": event.count, "sent": sent})


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return run_batch(event, context, record_handler)

"""SQS render queue → the invoice PDF of one archived document.

One record = `{"cif": ..., "sk": ..., "message_id": ...}` (a document's PDF) or
`{"kind": "integrity_report", "cif": ..., "run_id": ...}` (an integrity report's PDF). The
handler parses the record and calls its rendering use case (services/invoice_pdfs.py). Only transient failures (S3 or
DynamoDB not answering) raise, so SQS redelivers the record and finally dead-letters it; a
message that cannot be acted on (not JSON, unknown document) is logged and dropped. Rendering
runs on the main thread under a SIGALRM time limit (see chalicelib/invoices/pdf/renderer.py),
bounded by what is left of the invocation.

This is the only function that imports WeasyPrint (through chalicelib.invoices.pdf).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.invoices.pdf.renderer import DEFAULT_TIMEOUT_S, warm_up
from chalicelib.services.invoice_pdfs import render_document, render_integrity_report
from chalicelib.sqs_jobs import run_batch
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-render-pdf")
SAFETY_MARGIN_S = 10.0  # left for the S3 and DynamoDB writes after a render
_invocation: dict[str, LambdaContext | None] = {"context": None}

# Warm the fonts, CSS, template and layout during the Lambda init phase (one sample render),
# so the first message's render is a warm one. A failure here is retried by the first render.
_warm_up = warm_up()
if not _warm_up.ok:
    logger.error("renderer warm-up failed", extra={"reason": _warm_up.reason, "detail": _warm_up.detail})


def _timeout_s() -> float:
    context = _invocation["context"]
    if context is None:
        return DEFAULT_TIMEOUT_S
    remaining = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    return max(1.0, min(DEFAULT_TIMEOUT_S, remaining))


def _message(body: str) -> tuple[str, str, str] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    cif, sk, message_id = data.get("cif"), data.get("sk"), data.get("message_id")
    if not (isinstance(cif, str) and isinstance(sk, str) and isinstance(message_id, str)):
        return None
    if not all(v and len(v) <= 300 for v in (cif, sk, message_id)):
        return None
    return cif, sk, message_id


def _integrity_report_message(body: str) -> tuple[str, str] | None:
    """`{"kind": "integrity_report", "cif": ..., "run_id": ...}` (services/integrity.py)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") != "integrity_report":
        return None
    cif, run_id = data.get("cif"), data.get("run_id")
    if isinstance(cif, str) and isinstance(run_id, str) and 0 < len(cif) <= 64 and 0 < len(run_id) <= 64:
        return cif, run_id
    return None


def record_handler(record: SQSRecord) -> None:
    report = _integrity_report_message(record.body)
    if report is not None:
        render_integrity_report(*report, archive=dependencies.archive())
        return
    message = _message(record.body)
    if message is None:
        logger.warning("render: unusable message dropped", extra={"body": record.body[:200]})
        return
    render_document(*message, archive=dependencies.archive(), timeout_s=_timeout_s(),
                    queues=dependencies.work_queues())


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _invocation["context"] = context
    try:
        return run_batch(event, context, record_handler)
    finally:
        _invocation["context"] = None

"""SQS render queue → the invoice PDF of one archived document.

One record = `{"cif": ..., "sk": ..., "message_id": ...}`, or
`{"kind": "integrity_report", "cif": ..., "run_id": ...}`: an integrity report's PDF. For a
document, the worker loads its item, reads its XML from the archive bucket, renders it and writes
`documents/{cif}/{message_id}/invoice.pdf`, then records `pdf_status` ("ready" | "failed"),
`pdf_key`, `pdf_error` and `pdf_rendered_at`. Re-rendering (the same message enqueued again)
overwrites the PDF: the worker is idempotent.

Which failures are retried: only transient ones (S3 or DynamoDB not answering) raise, so SQS
redelivers the record and finally dead-letters it. A message that cannot be acted on (not JSON,
unknown document) is logged and dropped; an invoice that cannot be parsed or rendered is a
`failed` document with its reason, never an exception into the archive flow. Rendering runs on
the main thread under a SIGALRM time limit (see chalicelib/invoices/pdf/renderer.py).

This is the only function that imports WeasyPrint (through chalicelib.invoices.pdf).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from chalicelib import dependencies
from chalicelib.invoices.pdf import RenderContext, render_invoice_xml
from chalicelib.invoices.pdf.integrity_report import render_integrity_report as render_integrity_report_pdf
from chalicelib.invoices.pdf.renderer import DEFAULT_TIMEOUT_S, engine
from chalicelib.services import integrity
from chalicelib.storage import keys
from chalicelib.storage.aws import error_code
from chalicelib.storage.models import DocumentModel
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-render-pdf")
processor = BatchProcessor(event_type=EventType.SQS)
SAFETY_MARGIN_S = 10.0  # left for the S3 and DynamoDB writes after a render
_invocation: dict[str, LambdaContext | None] = {"context": None}

try:  # warm the fonts, CSS and template during the Lambda init phase
    engine()
except Exception:  # the first render retries and reports the failure
    logger.exception("renderer warm-up failed")


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


def render_document(cif: str, sk: str, message_id: str) -> str:
    """Render one document; returns its new pdf_status (or "skipped"). Raises only on
    transient storage errors."""
    try:
        document = DocumentModel.get(cif, sk)
    except DocumentModel.DoesNotExist:
        logger.warning("render: no such document", extra={"cif": cif, "sk": sk})
        return "skipped"
    if document.message_id != message_id:
        logger.warning("render: message id does not match the document",
                       extra={"cif": cif, "sk": sk, "message_id": message_id})
        return "skipped"
    now = datetime.now(UTC)
    if not document.xml_key:
        _record_failure(document, "no_xml: the document has no extracted XML", now)
        return "failed"
    try:
        xml = dependencies.archive().get(document.xml_key)
    except ClientError as error:
        if error_code(error) not in ("NoSuchKey", "404", "NotFound"):
            raise
        _record_failure(document, f"xml_missing: {document.xml_key} is not in the archive", now)
        return "failed"
    context = RenderContext(
        upload_index=document.upload_index,
        message_id=document.message_id,
        signature_status=document.signature_status or "unknown",
        archived_at=getattr(document, "archived_at", None) or document.created_at,
    )
    result = render_invoice_xml(xml, context, timeout_s=_timeout_s())
    pdf = result.pdf
    if not result.ok or pdf is None:
        logger.warning("render failed", extra={"cif": cif, "message_id": message_id,
                                               "reason": result.reason, "detail": result.detail})
        _record_failure(document, f"{result.reason}: {result.detail}", now)
        return "failed"
    key = keys.invoice_pdf(cif, message_id)
    dependencies.archive().put(key, pdf, "application/pdf")
    document.update(
        actions=[
            DocumentModel.pdf_key.set(key),
            DocumentModel.pdf_status.set("ready"),
            DocumentModel.pdf_error.remove(),
            DocumentModel.pdf_rendered_at.set(now),
        ],
        condition=DocumentModel.sk.exists(),
    )
    logger.info("rendered", extra={"cif": cif, "message_id": message_id, "pages": result.pages,
                                   "bytes": len(pdf), "ms": round(result.elapsed_ms)})
    return "ready"


def _record_failure(document: DocumentModel, error: str, now: datetime) -> None:
    document.update(
        actions=[
            DocumentModel.pdf_status.set("failed"),
            DocumentModel.pdf_error.set(error[:500]),
            DocumentModel.pdf_rendered_at.set(now),
        ],
        condition=DocumentModel.sk.exists(),
    )


def render_integrity_report(cif: str, run_id: str) -> str:
    """The integrity report's PDF (services/integrity.py); returns "ready", "failed" or "skipped"."""
    job = integrity.report_to_render(dependencies.archive(), cif, run_id)
    if job is None:
        return "skipped"
    run, report = job
    try:
        pdf: bytes | None = render_integrity_report_pdf(report)
    except Exception:  # recorded as failed; the JSON report stands on its own
        logger.exception("integrity report rendering failed", extra={"cif": cif, "run_id": run_id})
        pdf = None
    integrity.store_pdf(dependencies.archive(), run, pdf, datetime.now(UTC))
    return "ready" if pdf is not None else "failed"


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
        render_integrity_report(*report)
        return
    message = _message(record.body)
    if message is None:
        logger.warning("render: unusable message dropped", extra={"body": record.body[:200]})
        return
    render_document(*message)


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies.settings()
    _invocation["context"] = context
    try:
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=processor, context=context)
    finally:
        _invocation["context"] = None

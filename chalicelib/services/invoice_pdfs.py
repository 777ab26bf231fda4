"""The render queue's use cases (functions/render_pdf): one archived invoice's PDF, and an
integrity report's PDF (the report itself is services/integrity.py's).

Reads the document through the document repository and its XML from the archive bucket,
renders it and writes `keys.invoice_pdf`, then records `pdf_status` ("ready" | "failed"),
`pdf_key`, `pdf_error` and `pdf_rendered_at`. Re-rendering (the same message enqueued again)
overwrites the PDF: idempotent. Only transient storage errors raise (the queue retries them);
an invoice that cannot be parsed or rendered is a `failed` document with its reason.

Imports WeasyPrint (through chalicelib.invoices.pdf): only the render worker imports this.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from chalicelib.invoices.pdf import RenderContext, render_invoice_xml
from chalicelib.invoices.pdf.integrity_report import render_integrity_report as render_report_pdf
from chalicelib.invoices.pdf.renderer import DEFAULT_TIMEOUT_S
from chalicelib.services import integrity, s3_delivery
from chalicelib.storage import keys
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.documents import DocumentRepository
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-render-pdf", child=True)


def render_document(cif: str, sk: str, message_id: str, *, archive: ArchiveBucket,
                    timeout_s: float = DEFAULT_TIMEOUT_S, queues: WorkQueues | None = None) -> str:
    """Render one document; returns its new pdf_status (or "skipped"). With `queues`, a ready
    PDF is queued for the company's own bucket (services/s3_delivery.py), if it has one."""
    documents = DocumentRepository
    document = documents.get(cif, sk)
    if document is None:
        logger.warning("render: no such document", extra={"cif": cif, "sk": sk})
        return "skipped"
    if document.message_id != message_id:
        logger.warning("render: message id does not match the document",
                       extra={"cif": cif, "sk": sk, "message_id": message_id})
        return "skipped"
    now = datetime.now(UTC)
    if not document.xml_key:
        documents.record_pdf_failure(cif, sk, "no_xml: the document has no extracted XML", now)
        return "failed"
    xml = archive.get_if_present(document.xml_key)
    if xml is None:
        documents.record_pdf_failure(cif, sk, f"xml_missing: {document.xml_key} is not in the archive", now)
        return "failed"
    context = RenderContext(
        upload_index=document.upload_index,
        message_id=document.message_id,
        signature_status=document.signature_status or "unknown",
        archived_at=document.archived_at or document.created_at,
    )
    result = render_invoice_xml(xml, context, timeout_s=timeout_s)
    pdf = result.pdf
    if not result.ok or pdf is None:
        logger.warning("render failed", extra={"cif": cif, "message_id": message_id,
                                               "reason": result.reason, "detail": result.detail})
        documents.record_pdf_failure(cif, sk, f"{result.reason}: {result.detail}", now)
        return "failed"
    key = keys.invoice_pdf(cif, message_id)
    archive.put(key, pdf, "application/pdf")
    documents.record_pdf(cif, sk, key, now)
    if queues is not None:
        s3_delivery.queue_document(queues, cif, sk)
    logger.info("rendered", extra={"cif": cif, "message_id": message_id, "pages": result.pages,
                                   "bytes": len(pdf), "ms": round(result.elapsed_ms)})
    return "ready"


def render_integrity_report(cif: str, run_id: str, *, archive: ArchiveBucket) -> str:
    """An integrity run's report as PDF; returns "ready", "failed" or "skipped"."""
    job = integrity.report_to_render(archive, cif, run_id)
    if job is None:
        return "skipped"
    run, report, json_sha256 = job
    try:
        pdf: bytes | None = render_report_pdf(report, json_sha256)
    except Exception:  # recorded as failed; the JSON report stands on its own
        logger.exception("integrity report rendering failed", extra={"cif": cif, "run_id": run_id})
        pdf = None
    integrity.store_pdf(archive, run, pdf, datetime.now(UTC))
    return "ready" if pdf is not None else "failed"

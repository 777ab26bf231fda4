"""POST /api/vizualizare → the public viewer's answer for one dropped file (no account).

API Gateway (the API's REST API, its own path: infra/components/viewer.py) invokes this function
with a proxy event; the body is the raw file, base64-encoded by API Gateway (application/
octet-stream is a binary media type). The answer is JSON: the signature verdict, the invoice as
HTML from the archive's own template and the PDF (base64) from the archive's own renderer, so
what a visitor sees is exactly what the archive would keep. Nothing is stored: the file lives in
this invocation's memory only. Each client IP may inspect `PER_HOUR` files an hour.

It ships in the render_pdf container image (the only package with WeasyPrint); locally,
local/web_server.py routes the same path here.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib import dependencies
from chalicelib.domain.client_address import client_address
from chalicelib.domain.errors import ArhivarError
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.invoices.inspection import MAX_FILE_BYTES, Inspection, ViewerRefused, inspect_file
from chalicelib.invoices.pdf import RenderContext, render_html, render_invoice
from chalicelib.invoices.pdf.renderer import engine
from chalicelib.invoices.trust import TrustedSigners
from chalicelib.invoices.ubl import parse_invoice
from chalicelib.services import limits
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-public-viewer")
PATH = "/api/vizualizare"
PER_HOUR = 30  # files per client IP and hour
RENDER_LIMIT_S = 20.0  # API Gateway gives up at 29 s
SAFETY_MARGIN_S = 3.0
MAX_ANSWER_BYTES = 5_800_000  # Lambda's response limit is 6 MB
_MAX_BODY_CHARS = (MAX_FILE_BYTES + 2) // 3 * 4 + 4  # the file's base64 form, and a little slack

try:  # warm the fonts, CSS and template during the Lambda init phase (as render_pdf does)
    engine()
except Exception:  # the first render retries and reports the failure
    logger.exception("renderer warm-up failed")


@functools.cache
def trusted_signers() -> TrustedSigners:
    """The shipped Ministry of Finance certificates plus the operator's override, if any.

    The archive lets an override replace the shipped bundle (trust.py); the viewer judges ZIPs
    from anyone, downloaded at any time, so the shipped MF seals always count here, and an
    override (a rotated seal; locally, the ANAF sandbox's signer) adds to them."""
    override = dependencies.archive().get_if_present(dependencies.settings().trusted_signers_key)
    extra = TrustedSigners.with_override(override).certificates if override else ()
    return TrustedSigners(TrustedSigners.bundled().certificates + extra)


def _answer(status: int, body: dict, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"statusCode": status,
            "headers": {"Content-Type": "application/json", "Cache-Control": "no-store", **(headers or {})},
            "body": json.dumps(body, ensure_ascii=False, separators=(",", ":"))}


def _error(error: ArhivarError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message_ro}
    if error.details and error.status < 500:
        body["details"] = error.details
    headers = {"Retry-After": str(error.retry_after_s)} if error.retry_after_s is not None else {}
    return _answer(error.status, {"error": body}, headers)


def _file(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if len(body) > _MAX_BODY_CHARS:
        raise ViewerRefused("viewer_file_too_large", "Fișierul depășește 4 MB, limita vizualizării "
                                                     "fără cont.", status=413)
    if not event.get("isBase64Encoded"):
        return body.encode("utf-8") if isinstance(body, str) else bytes(body)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ViewerRefused("viewer_unsupported_file", "Fișierul nu a putut fi citit.") from None


def _render(inspection: Inspection, timeout_s: float) -> dict[str, Any]:
    try:
        invoice = parse_invoice(inspection.xml)
    except InvoiceLayerError as error:
        raise ViewerRefused("viewer_unreadable_invoice", "Factura nu poate fi citită: lipsesc date "
                                                         "obligatorii sau au valori greșite.",
                            status=422, reason=error.reason) from None
    context = RenderContext(upload_index=inspection.upload_index,
                            signature_status=inspection.signature_status)
    result = render_invoice(invoice, context, timeout_s=timeout_s)
    if not result.ok or result.pdf is None:
        logger.warning("viewer render failed", extra={"reason": result.reason, "detail": result.detail})
        raise ViewerRefused("viewer_render_failed", "Factura nu a putut fi afișată în timpul permis. "
                                                    "Încercați din nou sau creați un cont.",
                            status=422, reason=result.reason)
    stem = inspection.file_name.removesuffix(".xml")
    return {"number": invoice.number, "html": render_html(invoice, context),
            "pdf_name": f"{stem}.pdf", "pdf_base64": base64.b64encode(result.pdf).decode("ascii")}


def view(event: dict[str, Any], timeout_s: float = RENDER_LIMIT_S) -> dict[str, Any]:
    """The proxy answer for one request; never raises."""
    try:
        if event.get("httpMethod") != "POST":
            return _answer(405, {"error": {"code": "method_not_allowed",
                                           "message": "Trimiteți fișierul cu POST."}}, {"Allow": "POST"})
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        source = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or ""
        client = client_address(headers.get("x-forwarded-for", ""), source)
        limits.take("public-viewer", client, per=timedelta(hours=1), limit=PER_HOUR, now=datetime.now(UTC))
        inspection = inspect_file(_file(event), trusted_signers())
        answer: dict[str, Any] = {"source": inspection.source, "file_name": inspection.file_name,
                                  "upload_index": inspection.upload_index, "kind": str(inspection.kind),
                                  "signature": inspection.verdict.as_json(),
                                  "messages": list(inspection.messages), "invoice": None}
        if inspection.renderable:
            answer["invoice"] = _render(inspection, timeout_s)
        response = _answer(200, answer)
        if len(response["body"].encode("utf-8")) > MAX_ANSWER_BYTES:
            raise ViewerRefused("viewer_result_too_large", "Factura este prea mare pentru vizualizarea "
                                                           "fără cont.", status=413)
        return response
    except ArhivarError as error:
        return _error(error)
    except Exception:  # a bug: logged, answered in the API's shape
        logger.exception("public viewer failed")
        return _error(ArhivarError())


@tracer.capture_lambda_handler(capture_response=False)  # the answer holds the invoice
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    dependencies.settings()
    remaining = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    return view(event, max(1.0, min(RENDER_LIMIT_S, remaining)))

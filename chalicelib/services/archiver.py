"""Archiving one ANAF message: keep the ZIP byte for byte, extract, verify, index, record.

The use case of every door (sync, import, retries): check the ZIP, verify its MF signature,
ask the document repository (storage/documents.py) whether the upload already has its live
document, claim the message id for these bytes, write the objects with `If-None-Match: *`
(nothing stored is ever overwritten; a retry of the same bytes finds them in place), index,
then `documents.record(...)`: one transaction decides, atomically, whether this is the upload's
live document (new, or a verified original replacing an unverified one) or a duplicate.
Nothing is recorded as archived before its original is in S3, and a ZIP that fails the checks
is never stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.anaf.models import AnafMessage, MessageKind
from chalicelib.domain.search_text import listing_fields
from chalicelib.invoices.anaf_zip import AnafZip, open_anaf_zip
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.invoices.models import DocumentKind, DocumentSummary
from chalicelib.invoices.signature import TrustedSigners, verify_signature
from chalicelib.invoices.ubl import detect_document, parse_buyer_message, parse_error_message, parse_summary
from chalicelib.services.webhook_events import DOCUMENT_FIELDS, WebhookEvents
from chalicelib.settings import Settings
from chalicelib.storage import keys
from chalicelib.storage.blobs import ArchiveBucket, KeyTaken
from chalicelib.storage.documents import DocumentRepository, Recorded, UploadHolder, wins

logger = Logger(service="arhivar-archiver", child=True)

KINDS = {
    MessageKind.RECEIVED: "received",
    MessageKind.SENT: "sent",
    MessageKind.ERROR: "error",
    MessageKind.BUYER_MESSAGE: "buyer_message",
    MessageKind.UNKNOWN: "unknown",
}
SEARCH_LINE_NAMES = 20
RETENTION_YEARS = 10  # Legea 82/1991 art. 25: ten years after the end of the invoice's year


def document_sk(created_at: datetime, message_id: str) -> str:
    """Sort key: newest first by creation time in SPV, then the message id."""
    return f"created#{created_at.astimezone(UTC):%Y%m%d%H%M}#{message_id}"


def retain_until(created_at: datetime) -> datetime:
    return datetime(created_at.year + RETENTION_YEARS + 1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Archived:
    sk: str  # the upload's live document
    new: bool  # False: archived already (a retry, or the upload came through another door)
    kind: str
    renders_pdf: bool
    # A verified original of the upload with other bytes is archived already: this one was not
    # kept (reported to whoever imported it).
    conflict: bool = False
    replaced: str | None = None  # the unverified document this one superseded


class Archiver:
    def __init__(self, settings: Settings, archive: ArchiveBucket, trusted: TrustedSigners,
                 events: WebhookEvents) -> None:
        self._settings = settings
        self._archive = archive
        self._trusted = trusted
        self._events = events
        self._documents = DocumentRepository(settings)

    def archive(self, cif: str, message: AnafMessage, content: bytes, source: str = "sync") -> Archived:
        """Check, store and index one downloaded ZIP. Raises InvalidAnafZip before storing
        anything when the ZIP is not ANAF's two-member archive."""
        package = open_anaf_zip(content, upload_index=message.upload_index or None)
        kind = KINDS[message.kind]
        sk = document_sk(message.created_at, message.id)
        sha256 = hashlib.sha256(content).hexdigest()
        check = verify_signature(package.invoice_xml, package.signature_xml, self._trusted)
        verified = check.status == "valid"
        holder = self._documents.upload_holder(cif, message.upload_index, kind)
        if holder is not None and not wins(holder, message.id, verified):
            # The upload has its live document (this door came second): nothing is written.
            self._documents.mark_message_archived(cif, message.id)
            self._announce_again(cif, holder.sk)
            return self._not_kept(cif, message, holder.sk, kind, holder.sha256 != sha256 and verified)
        if not self._documents.claim_message(cif, message.id, sha256):
            return Archived(sk, False, kind, False)
        original = keys.original(cif, message.created_at, message.id)
        xml_key, signature_key = keys.invoice_xml(cif, message.id), keys.signature_xml(cif, message.id)
        try:
            self._archive.put_once(original, content, "application/zip",
                                   retain_until=retain_until(message.created_at))
            self._archive.put_once(xml_key, package.invoice_xml, "application/xml")
            self._archive.put_once(signature_key, package.signature_xml, "application/xml")
        except KeyTaken:
            return Archived(sk, False, kind, False)  # never overwrite what is archived
        fields: dict[str, Any] = {
            "cif": cif, "sk": sk, "message_id": message.id, "upload_index": message.upload_index,
            "kind": kind, "created_at": message.created_at.astimezone(UTC),
            "anaf_details": message.details[:1000], "original_key": original,
            "original_sha256": sha256, "original_size": len(content), "xml_key": xml_key,
            "signature_key": signature_key, "archived_at": datetime.now(UTC), "source": source,
            "cif_upload": f"{cif}#{message.upload_index}#{kind}",
            "signature_status": check.status, "signature_reason": check.reason[:300]}
        renders_pdf = self._index(fields, kind, package)
        fields.update(_listing(fields))
        recorded = self._record(fields, sha256, holder)
        if recorded.outcome == "duplicate":
            self._announce_again(cif, recorded.sk)
            return self._not_kept(cif, message, recorded.sk, kind, verified)
        new = recorded.outcome in ("new", "replaced")
        if new:
            # Every door archives through here: the one place `document.archived` is reported.
            # A verified original replacing an unverified one is the same upload: same event id.
            self._events.document_archived(cif, fields)
        if recorded.replaced:
            logger.info("a verified original replaced an unverified one",
                        extra={"cif": cif, "sk": recorded.sk, "replaced": recorded.replaced})
        return Archived(recorded.sk, new, kind, renders_pdf and new, replaced=recorded.replaced)

    def archive_import(self, cif: str, content: bytes, imported_at: datetime) -> Archived:
        """Archive a ZIP the user downloaded by hand from SPV: the same checks as a synced
        one; its kind follows from which side of the invoice the company is on. The message id
        comes from the signed content (its upload index), never from the file's name; when
        other bytes took `import-<index>` first (a tampered copy, say), these get their own
        id, so a verified original can still replace them."""
        package = open_anaf_zip(content)
        kind = _imported_kind(cif, package)
        sha256 = hashlib.sha256(content).hexdigest()
        message_id = f"import-{package.upload_index}"
        if self._documents.message_claim_sha256(cif, message_id) not in (None, sha256):
            message_id = f"{message_id}-{sha256[:16]}"
        message = AnafMessage(id=message_id, upload_index=package.upload_index,
                              cif=cif, created_at=imported_at, kind=kind,
                              details="Importat din arhiva SPV", tip=kind.value)
        return self.archive(cif, message, content, source="import")

    def _announce_again(self, cif: str, live_sk: str) -> None:
        """A second door (or a retry) brought an upload that is archived already: report its
        `document.archived` again. Same event id, so an endpoint that has it gets nothing new;
        one whose delivery was never made (the first report failed after the document was
        recorded) gets it now: at least once."""
        document = self._documents.get(cif, live_sk)
        if document is not None:
            self._events.document_archived(cif, {name: getattr(document, name, None) for name in DOCUMENT_FIELDS})

    def _record(self, fields: dict[str, Any], sha256: str, holder: UploadHolder | None) -> Recorded:
        return self._documents.record(fields, sha256, holder)

    @staticmethod
    def _not_kept(cif: str, message: AnafMessage, live_sk: str, kind: str, conflict: bool) -> Archived:
        if conflict:  # two verified originals of one upload with different bytes
            logger.warning("a second verified original of an upload was not kept",
                           extra={"cif": cif, "message_id": message.id, "live": live_sk})
        return Archived(live_sk, False, kind, False, conflict=conflict)

    def _index(self, fields: dict[str, Any], kind: str, package: AnafZip) -> bool:
        """Fill the searchable fields; True when the document is an invoice to render."""
        try:
            if kind in ("received", "sent", "unknown"):
                summary = parse_summary(package.invoice_xml, max_line_names=SEARCH_LINE_NAMES)
                fields.update(_invoice_fields(fields["cif"], fields["message_id"], summary, kind))
                fields["pdf_status"] = "pending"
                return True
            if kind == "error":
                error = parse_error_message(package.invoice_xml)
                fields["messages"] = list(error.errors)[:50]
                fields["partner_cif"] = error.seller_cif
            else:
                note = parse_buyer_message(package.invoice_xml)
                fields["messages"] = [note.text]
        except InvoiceLayerError as error:
            # The original is safe; the index says why it could not be read.
            fields["parse_status"] = "failed"
            fields["parse_error"] = str(error)[:300]
            return False
        fields["pdf_status"] = "not_applicable"
        return False


class NotThisCompany(InvoiceLayerError):
    code = "not_this_company"
    message_ro = "Documentul nu privește această companie (CIF-ul nu apare ca furnizor sau client)."


def _imported_kind(cif: str, package: AnafZip) -> MessageKind:
    kind = detect_document(package.invoice_xml)
    if kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE):
        summary = parse_summary(package.invoice_xml)
        if summary.supplier.cif == cif:
            return MessageKind.SENT
        if summary.customer.cif == cif:
            return MessageKind.RECEIVED
        raise NotThisCompany("not_this_company")
    if kind is DocumentKind.ERROR_MESSAGE:
        if parse_error_message(package.invoice_xml).seller_cif == cif:
            return MessageKind.ERROR
        raise NotThisCompany("not_this_company")
    if kind is DocumentKind.BUYER_MESSAGE:
        return MessageKind.BUYER_MESSAGE
    raise NotThisCompany("unknown_document")


def _invoice_fields(cif: str, message_id: str, summary: DocumentSummary, kind: str) -> dict[str, Any]:
    partner = summary.customer if kind == "sent" else summary.supplier
    return {
        "document_type": summary.kind.value,
        "type_code": summary.type_code,
        "number": summary.number[:200],
        "issue_date": summary.issue_date.isoformat(),
        "issue_sk": f"{summary.issue_date.isoformat()}#{message_id}",
        "due_date": summary.due_date.isoformat() if summary.due_date else None,
        "currency": summary.currency,
        "total": _money(summary.payable),
        "total_with_vat": _money(summary.tax_inclusive),
        "vat_total": _money(summary.vat_total) if summary.vat_total is not None else None,
        "partner_name": partner.name[:500],
        "partner_cif": partner.cif,
        "cif_partner": f"{cif}#{partner.cif}" if partner.cif else None,
        "line_count": summary.line_count,
        "line_names": [name[:200] for name in summary.line_names],
        "attachment_count": len(summary.attachments),
        "parse_status": "ok",
    }


def _listing(fields: dict[str, Any]) -> dict[str, Any]:
    """The Documents page's filter keys and search fields (domain/search_text.py)."""
    return listing_fields(
        cif=fields["cif"], kind=fields["kind"], sk=fields["sk"], number=fields.get("number"),
        partner_name=fields.get("partner_name"), partner_cif=fields.get("partner_cif"),
        line_names=fields.get("line_names"), total=fields.get("total"))


def _money(value: Decimal) -> str:
    return format(value, "f")

"""Archiving one ANAF message: keep the ZIP byte for byte, extract, index, verify, record.

Idempotent on (CIF, ANAF message id): the document item is written with a condition in one
transaction with the company's document count, so a retried message (a worker killed between
two steps) neither duplicates the document nor counts it twice. Nothing is recorded as
archived before its original is in S3, and a ZIP that fails the checks is never stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.anaf.models import AnafMessage, MessageKind
from chalicelib.domain.documents import listing_fields
from chalicelib.invoices.anaf_zip import AnafZip, open_anaf_zip
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.invoices.models import DocumentKind, DocumentSummary
from chalicelib.invoices.signature import TrustedSigners, verify_signature
from chalicelib.invoices.ubl import detect_document, parse_buyer_message, parse_error_message, parse_summary
from chalicelib.settings import Settings
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.models import CompanyModel, DocumentModel, LimitCounterModel

KINDS = {
    MessageKind.RECEIVED: "received",
    MessageKind.SENT: "sent",
    MessageKind.ERROR: "error",
    MessageKind.BUYER_MESSAGE: "buyer_message",
    MessageKind.UNKNOWN: "unknown",
}
SEARCH_LINE_NAMES = 20
RETENTION_YEARS = 10  # Legea 82/1991 art. 25: ten years after the end of the invoice's year


def archived_key(cif: str, message_id: str) -> str:
    """The idempotency key of an archived message (an item of the Limits table, no TTL)."""
    return f"archived#{cif}#{message_id}"


def document_sk(created_at: datetime, message_id: str) -> str:
    """Sort key: newest first by creation time in SPV, then the message id."""
    return f"created#{created_at.astimezone(UTC):%Y%m%d%H%M}#{message_id}"


def original_key(cif: str, created_at: datetime, message_id: str) -> str:
    return f"originals/{cif}/{created_at.astimezone(UTC):%Y/%m}/{message_id}.zip"


def retain_until(created_at: datetime) -> datetime:
    return datetime(created_at.year + RETENTION_YEARS + 1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Archived:
    sk: str
    new: bool  # False: it was archived already (a retry)
    kind: str
    renders_pdf: bool


class Archiver:
    def __init__(self, settings: Settings, archive: ArchiveBucket, trusted: TrustedSigners) -> None:
        self._settings = settings
        self._archive = archive
        self._trusted = trusted
        # One transaction at a time per process: DynamoDB's are atomic, but moto's are not
        # under concurrency (the count would drift locally); the cost is a few ms per message.
        self._record_lock = threading.Lock()
        # One connection (one botocore client) for every transaction of the process.
        self._connection = Connection(region=settings.region, host=settings.aws_endpoint_url)

    def archive(self, cif: str, message: AnafMessage, content: bytes, source: str = "sync") -> Archived:
        """Check, store and index one downloaded ZIP. Raises InvalidAnafZip before storing
        anything when the ZIP is not ANAF's two-member archive."""
        package = open_anaf_zip(content, upload_index=message.upload_index or None)
        kind = KINDS[message.kind]
        sk = document_sk(message.created_at, message.id)
        prefix = f"documents/{cif}/{message.id}"
        original = original_key(cif, message.created_at, message.id)
        sha256 = self._archive.put(original, content, "application/zip",
                                   retain_until=retain_until(message.created_at))
        self._archive.put(f"{prefix}/invoice.xml", package.invoice_xml, "application/xml")
        self._archive.put(f"{prefix}/signature.xml", package.signature_xml, "application/xml")
        document = DocumentModel(
            cif=cif, sk=sk, message_id=message.id, upload_index=message.upload_index, kind=kind,
            created_at=message.created_at.astimezone(UTC), anaf_details=message.details[:1000],
            original_key=original, original_sha256=sha256, original_size=len(content),
            xml_key=f"{prefix}/invoice.xml", signature_key=f"{prefix}/signature.xml",
            archived_at=datetime.now(UTC), source=source,
            cif_upload=f"{cif}#{message.upload_index}#{kind}")
        check = verify_signature(package.invoice_xml, package.signature_xml, self._trusted)
        document.signature_status = check.status
        document.signature_reason = check.reason[:300]
        renders_pdf = self._index(document, kind, package)
        new = self._record(document)
        return Archived(sk, new, kind, renders_pdf and new)

    def archive_import(self, cif: str, file_name: str, content: bytes, imported_at: datetime) -> Archived:
        """Archive a ZIP the user downloaded by hand from SPV: the same checks as a synced
        one; its kind follows from which side of the invoice the company is on."""
        package = open_anaf_zip(content)
        kind = _imported_kind(cif, package)
        existing = next(DocumentModel.by_upload.query(f"{cif}#{package.upload_index}#{KINDS[kind]}"), None)
        if existing is not None:
            return Archived(existing.sk, False, KINDS[kind], False)
        stem = file_name.rsplit("/", 1)[-1].removesuffix(".zip")
        # SPV names a downloaded file after its download id; otherwise derive a stable one.
        message_id = stem if stem.isdigit() and stem != package.upload_index else f"import-{package.upload_index}"
        message = AnafMessage(id=message_id, upload_index=package.upload_index, cif=cif,
                              created_at=imported_at, kind=kind, details="Importat din arhiva SPV",
                              tip=kind.value)
        return self.archive(cif, message, content, source="import")

    def _index(self, document: DocumentModel, kind: str, package: AnafZip) -> bool:
        """Fill the searchable fields; True when the document is an invoice to render."""
        try:
            if kind in ("received", "sent", "unknown"):
                summary = parse_summary(package.invoice_xml, max_line_names=SEARCH_LINE_NAMES)
                _fill_invoice(document, summary, kind)
                document.pdf_status = "pending"
                return True
            if kind == "error":
                error = parse_error_message(package.invoice_xml)
                document.messages = list(error.errors)[:50]
                document.partner_cif = error.seller_cif
            else:
                note = parse_buyer_message(package.invoice_xml)
                document.messages = [note.text]
        except InvoiceLayerError as error:
            # The original is safe; the index says why it could not be read.
            document.parse_status = "failed"
            document.parse_error = str(error)[:300]
            return False
        document.pdf_status = "not_applicable"
        return False

    def _record(self, document: DocumentModel) -> bool:
        _fill_listing(document)
        per_kind = getattr(CompanyModel, f"count_{document.kind}")
        try:
            with self._record_lock, TransactWrite(connection=self._connection) as transaction:
                # The business key (CIF, ANAF message id) is claimed first: whatever else a
                # retry sees (even a different creation time in a listing), it archives once.
                transaction.save(LimitCounterModel(counter_key=archived_key(document.cif, document.message_id)),
                                 condition=LimitCounterModel.counter_key.does_not_exist())
                transaction.save(document, condition=DocumentModel.sk.does_not_exist())
                transaction.update(CompanyModel(cif=document.cif),
                                   actions=[CompanyModel.document_count.add(1), per_kind.add(1)],
                                   condition=CompanyModel.cif.exists())
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if reasons and "ConditionalCheckFailed" in reasons[:2]:
                return False  # archived by an earlier attempt
            raise
        return True


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


def _fill_invoice(document: DocumentModel, summary: DocumentSummary, kind: str) -> None:
    partner = summary.customer if kind == "sent" else summary.supplier
    document.document_type = summary.kind.value
    document.number = summary.number[:200]
    document.issue_date = summary.issue_date.isoformat()
    document.issue_sk = f"{summary.issue_date.isoformat()}#{document.message_id}"
    document.due_date = summary.due_date.isoformat() if summary.due_date else None
    document.currency = summary.currency
    document.total = _money(summary.payable)
    document.total_with_vat = _money(summary.tax_inclusive)
    document.vat_total = _money(summary.vat_total) if summary.vat_total is not None else None
    document.partner_name = partner.name[:500]
    document.partner_cif = partner.cif
    document.cif_partner = f"{document.cif}#{partner.cif}" if partner.cif else None
    document.line_count = summary.line_count
    document.line_names = [name[:200] for name in summary.line_names]
    document.attachment_count = len(summary.attachments)
    document.parse_status = "ok"


def _fill_listing(document: DocumentModel) -> None:
    """The Documents page's filter keys and search fields (domain/documents.py)."""
    for name, value in listing_fields(
            cif=document.cif, kind=document.kind, sk=document.sk, number=document.number,
            partner_name=document.partner_name, partner_cif=document.partner_cif,
            line_names=document.line_names, total=document.total).items():
        setattr(document, name, value)


def _money(value: Decimal) -> str:
    return format(value, "f")

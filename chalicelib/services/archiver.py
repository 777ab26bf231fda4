"""Archiving one ANAF message: keep the ZIP byte for byte, extract, index, verify, record.

Exactly once per (CIF, ANAF message id), and per (CIF, upload index, kind) whichever door the
message came through (sync or import):
1. the business key is *claimed* with the SHA-256 of the bytes before anything is written, so
   other bytes under the same key (a forged import, a second door) are turned away unwritten;
2. objects are written with `If-None-Match: *`: nothing stored is ever overwritten, and a retry
   of the same bytes finds them in place;
3. the document item, the company's counts and the claim's "archived" mark are one
   transaction, so a retried message neither duplicates the document nor counts it twice.
Nothing is recorded as archived before its original is in S3, and a ZIP that fails the checks
is never stored.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.anaf.models import AnafMessage, MessageKind
from chalicelib.domain.documents import listing_fields
from chalicelib.invoices.anaf_zip import AnafZip, open_anaf_zip
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.invoices.models import DocumentKind, DocumentSummary
from chalicelib.invoices.signature import TrustedSigners, verify_signature
from chalicelib.invoices.ubl import detect_document, parse_buyer_message, parse_error_message, parse_summary
from chalicelib.settings import Settings
from chalicelib.storage import companies, keys
from chalicelib.storage.blobs import ArchiveBucket, KeyTaken
from chalicelib.storage.models import DocumentModel, LimitCounterModel

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
        sha256 = hashlib.sha256(content).hexdigest()
        earlier = self._archived_upload(cif, message, kind)
        if earlier is not None:  # the same upload came through another door first
            self._mark_archived(cif, message.id)
            return Archived(earlier, False, kind, False)
        if not self._claim(cif, message.id, sha256):
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
        document = DocumentModel(
            cif=cif, sk=sk, message_id=message.id, upload_index=message.upload_index, kind=kind,
            created_at=message.created_at.astimezone(UTC), anaf_details=message.details[:1000],
            original_key=original, original_sha256=sha256, original_size=len(content),
            xml_key=xml_key, signature_key=signature_key,
            archived_at=datetime.now(UTC), source=source,
            cif_upload=f"{cif}#{message.upload_index}#{kind}")
        check = verify_signature(package.invoice_xml, package.signature_xml, self._trusted)
        document.signature_status = check.status
        document.signature_reason = check.reason[:300]
        renders_pdf = self._index(document, kind, package)
        new = self._record(document, sha256)
        return Archived(sk, new, kind, renders_pdf and new)

    def archive_import(self, cif: str, content: bytes, imported_at: datetime) -> Archived:
        """Archive a ZIP the user downloaded by hand from SPV: the same checks as a synced
        one; its kind follows from which side of the invoice the company is on. The message id
        comes from the signed content (its upload index), never from the file's name."""
        package = open_anaf_zip(content)
        kind = _imported_kind(cif, package)
        message = AnafMessage(id=f"import-{package.upload_index}", upload_index=package.upload_index,
                              cif=cif, created_at=imported_at, kind=kind,
                              details="Importat din arhiva SPV", tip=kind.value)
        return self.archive(cif, message, content, source="import")

    @staticmethod
    def _archived_upload(cif: str, message: AnafMessage, kind: str) -> str | None:
        """The sort key of a document already archived for this upload under another id."""
        if not message.upload_index:
            return None
        for earlier in DocumentModel.by_upload.query(f"{cif}#{message.upload_index}#{kind}", limit=1):
            if earlier.message_id != message.id:
                return str(earlier.sk)
        return None

    @staticmethod
    def _claim(cif: str, message_id: str, sha256: str) -> bool:
        """Claim the business key for these bytes; False when it is archived already or other
        bytes claimed it. A claim of the same bytes is a retry: it goes on."""
        claim = LimitCounterModel(counter_key=archived_key(cif, message_id), claim_state="claimed",
                                  content_sha256=sha256)
        try:
            claim.save(condition=LimitCounterModel.counter_key.does_not_exist())
            return True
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
        held = LimitCounterModel.get(claim.counter_key, consistent_read=True)
        return held.claim_state == "claimed" and held.content_sha256 == sha256

    @staticmethod
    def _mark_archived(cif: str, message_id: str) -> None:
        LimitCounterModel(counter_key=archived_key(cif, message_id)).update(
            actions=[LimitCounterModel.claim_state.set("archived")])

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

    def _record(self, document: DocumentModel, sha256: str) -> bool:
        _fill_listing(document)
        claim = LimitCounterModel(counter_key=archived_key(document.cif, document.message_id))
        try:
            with self._record_lock, TransactWrite(connection=self._connection) as transaction:
                # The claim is ours until this commits: whatever else a retry sees (even a
                # different creation time in a listing, so another sort key), it archives once.
                transaction.update(claim, actions=[LimitCounterModel.claim_state.set("archived")],
                                   condition=(LimitCounterModel.claim_state == "claimed")
                                   & (LimitCounterModel.content_sha256 == sha256))
                transaction.save(document, condition=DocumentModel.sk.does_not_exist())
                companies.count_documents(transaction, document.cif, {document.kind: 1})
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if reasons and "ConditionalCheckFailed" in reasons[:2]:
                if reasons[1] == "ConditionalCheckFailed":
                    self._mark_archived(document.cif, document.message_id)
                return False  # archived by an earlier attempt
            raise
        return True


def archived(claims: list[LimitCounterModel]) -> set[str]:
    """The keys among these "archived#…" items whose document is recorded (not only claimed)."""
    return {c.counter_key for c in claims if c.claim_state != "claimed"}


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
    document.type_code = summary.type_code
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

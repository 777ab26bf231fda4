"""The Documents page: a document's detail, its files and their names. The lists and the
queries behind them are the document repository's (storage/document_queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib.domain import file_names
from chalicelib.domain.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.invoices.models import Invoice
from chalicelib.invoices.ubl import parse_invoice
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.documents import Document
from chalicelib.storage.memberships import Membership
from chalicelib.storage.queues import WorkQueues

DOWNLOAD_URL_TTL_S = 300
# The detail's invoice lines come in pages: a 15 000-line invoice would be about 3.8 MB of JSON
# and Lambda answers at most 6 MB. 500 lines are about 130 KB.
LINES_PAGE_DEFAULT = 200
LINES_PAGE_MAX = 500

T = TypeVar("T")


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_ro = "Documentul nu există în arhiva acestei companii."


class PdfNotReady(Conflict):
    code = "pdf_not_ready"
    message_ro = "PDF-ul se generează… Încercați din nou în câteva secunde."


class NoSuchFile(NotFound):
    code = "file_not_available"
    message_ro = "Acest document nu are fișierul cerut."


CURSOR_KEY_PURPOSE = "documents-cursor"


class InvalidLinesPage(ValidationFailed):
    code = "invalid_lines_page"
    message_ro = (f"Paginarea liniilor nu este validă: lines_offset este un număr de la 0, "
                  f"lines_limit un număr între 1 și {LINES_PAGE_MAX}.")


@dataclass(frozen=True)
class LinesPage:
    """Which of an invoice's lines the detail carries: [offset, offset + limit)."""

    offset: int = 0
    limit: int = LINES_PAGE_DEFAULT

    def of(self, lines: Sequence[T]) -> tuple[list[T], int | None]:
        """This page of the lines, and the offset of the next page (None after the last)."""
        end = self.offset + self.limit
        return list(lines[self.offset:end]), (end if end < len(lines) else None)


def parse_lines_page(offset: str | None, limit: str | None) -> LinesPage:
    """`?lines_offset=&lines_limit=` → a LinesPage; anything else is InvalidLinesPage (400)."""

    def number(value: str | None, default: int, field_name: str) -> int:
        if value is None or value == "":
            return default
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise InvalidLinesPage(details={"field": field_name})
        return int(value)

    page = LinesPage(number(offset, 0, "lines_offset"), number(limit, LINES_PAGE_DEFAULT, "lines_limit"))
    if not 1 <= page.limit <= LINES_PAGE_MAX:
        raise InvalidLinesPage(details={"field": "lines_limit"})
    return page


INVOICE_KINDS = ("received", "sent", "unknown")


def find(index: DocumentIndex, cif: str, message_id: str) -> Document:
    """The company's document with this ANAF message id; 404 for an unknown id or another
    company's."""
    document = index.find(cif, message_id)
    if document is None:
        raise DocumentNotFound()
    return document


def detail(index: DocumentIndex, archive: ArchiveBucket, cif: str,
           message_id: str) -> tuple[Document, Invoice | None]:
    """A document and, for an invoice whose XML parses, the invoice read from its XML."""
    document = find(index, cif, message_id)
    if document.kind not in INVOICE_KINDS or not document.xml_key or document.parse_status == "failed":
        return document, None
    try:
        return document, parse_invoice(archive.get(document.xml_key))
    except InvoiceLayerError:
        return document, None


SUPERSEDED_NOTE = ("Acest document a fost înlocuit de originalul cu semnătura MF verificată al "
                   "aceleiași încărcări ({message_id}). Îl păstrăm nemodificat în arhivă, dar nu "
                   "apare în listă, în totaluri, în căutări și în exporturi.")


def superseded_note(document: Document) -> str | None:
    """Why a superseded document is hidden (Romanian), None for a live one."""
    if not document.superseded_by:
        return None
    return SUPERSEDED_NOTE.format(message_id=str(document.superseded_by).rsplit("#", 1)[-1])


# -- downloads ------------------------------------------------------------------------------------

def file_key(document: Document, fmt: str) -> str:
    """The S3 key of a document's PDF, XML or original; PdfNotReady / NoSuchFile otherwise."""
    key: str | None
    if fmt == "xml":
        key = document.xml_key
    elif fmt == "original":
        key = document.original_key
    else:
        if document.pdf_status == "not_applicable" or document.kind in ("error", "buyer_message"):
            raise NoSuchFile("Acest document nu are PDF: descărcați XML-ul sau originalul.")
        key = document.pdf_key if document.pdf_status == "ready" else None
        if key is None:
            raise PdfNotReady()
    if not key:
        raise NoSuchFile()
    return key


def base_name(document: Document) -> str:
    return file_names.base_name(kind=document.kind, created_at=document.created_at,
                           message_id=document.message_id, issue_date=document.issue_date,
                           number=document.number, partner_name=document.partner_name)


def render_message(document: Document) -> dict[str, str]:
    return {"cif": document.cif, "sk": document.sk, "message_id": document.message_id}


@dataclass(frozen=True)
class DownloadLink:
    url: str
    filename: str


def download_link(index: DocumentIndex, archive: ArchiveBucket, queues: WorkQueues, cif: str,
                  message_id: str, fmt: str, *, inline: bool) -> DownloadLink:
    """A presigned link to a document's PDF, XML or original. A PDF not rendered yet is asked for
    again (its render message may have been lost) and answered PdfNotReady."""
    document = find(index, cif, message_id)
    try:
        key = file_key(document, fmt)
    except PdfNotReady:
        queues.send("render", render_message(document))
        raise
    filename = file_names.download_filename(base_name(document), fmt)
    return DownloadLink(archive.download_url(key, filename, DOWNLOAD_URL_TTL_S, inline=inline), filename)


def request_render(index: DocumentIndex, queues: WorkQueues, membership: Membership, message_id: str) -> None:
    """"Regenerează PDF-ul" (owners and admins): the invoice's render goes on the render queue."""
    if not can_administer(Role(membership.role)):
        raise NotAllowed("Doar proprietarii și administratorii pot regenera PDF-ul.")
    document = find(index, membership.cif, message_id)
    if document.kind not in INVOICE_KINDS or document.pdf_status == "not_applicable":
        raise NoSuchFile("Acest document nu are PDF: descărcați XML-ul sau originalul.")
    queues.send("render", render_message(document))


def index_fields(document: Document) -> dict[str, Any]:
    """A document's index fields as plain values (the CSV/XLSX rows read these)."""
    return {name: getattr(document, name, None) for name in (
        "created_at", "kind", "partner_name", "partner_cif", "number", "issue_date", "due_date",
        "currency", "total", "total_with_vat", "vat_total", "signature_status", "pdf_status",
        "message_id", "upload_index")}

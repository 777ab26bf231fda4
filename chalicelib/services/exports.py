"""Exports ("Descarcă toate documentele", "Export CSV", "Export Excel", and for accounting
software "SAGA" and "CSV de linii"): requested by the API, built by functions/build_export from
the SQS export queue, downloaded through a presigned URL.

Accounting exports (issue 16) cover received and/or sent invoices of a period (their issue
date): `saga` is a ZIP of one SAGA C XML per invoice (Intrari/ and Iesiri/ folders), `lines_csv`
one CSV row per invoice line (domain/accounting). Once the file is in S3, every document in it
is marked with the export's id and time (storage/documents.py `mark_exported`), which the
filter accounting=not_exported ("doar ce nu a fost exportat încă") leaves out next time; a
retried build still sees its own marks as "not exported", so it rebuilds the same file.

The file is streamed into S3 with a multipart upload while the documents are read, so the
worker's memory does not grow with the files: one S3 part being filled, a small window of
documents being fetched, index.csv spooled to /tmp once it grows past 1 MB; only the ZIP's
central directory grows, about 280 bytes a member (services/streaming_zip.py).
Idempotent on export_id: a ready export is never built again; a retried one is rebuilt over the
same key. Exports live under exports/{export_id}.{zip|csv|xlsx}; the item has a 7-day TTL and
the bucket's lifecycle rule deletes the object after 7 days.
"""

from __future__ import annotations

import io
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain import document_columns as columns
from chalicelib.domain import file_names
from chalicelib.domain.accounting.entries import DIRECTION_OF_KIND, Direction, InvoiceEntry, entry_of
from chalicelib.domain.accounting.lines import LINE_COLUMNS, line_rows
from chalicelib.domain.accounting.periods import parse_period
from chalicelib.domain.accounting.saga import saga_file
from chalicelib.domain.audit import EventType
from chalicelib.domain.document_filters import DocumentFilter, InvalidFilter, parse_filter
from chalicelib.domain.errors import NotAllowed, NotFound, ServiceUnavailable
from chalicelib.domain.memberships import Role, can_review
from chalicelib.domain.romanian_time import ROMANIA
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.invoices.ubl_invoice import parse_invoice
from chalicelib.services import audit, limits, memberships
from chalicelib.services.documents import DownloadLink, base_name, index_fields
from chalicelib.services.notifications import Notifications
from chalicelib.services.sheets import CsvWriter, XlsxWriter
from chalicelib.services.streaming_zip import Member, write_zip
from chalicelib.services.webhook_events import WebhookEvents
from chalicelib.settings import Settings
from chalicelib.storage import exports as export_records
from chalicelib.storage import keys
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.documents import DocumentRepository
from chalicelib.storage.exports import Export
from chalicelib.storage.multipart import MultipartWriter
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-exports")

EXPORT_TTL = timedelta(days=7)
LARGE_EXPORT = 500  # above this many documents the link is also e-mailed
DOWNLOAD_URL_TTL_S = 900
PREFETCH = 16  # documents whose files are being fetched ahead of the writer
FETCH_THREADS = 8
PROGRESS_EVERY_S = 2.0
FORMATS = {
    "zip": ("application/zip", "zip"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "saga": ("application/zip", "zip"),
    "lines_csv": ("text/csv; charset=utf-8", "csv"),
}
ACCOUNTING_FORMATS = ("saga", "lines_csv")
ACCOUNTING_KINDS = tuple(DIRECTION_OF_KIND)  # received → intrări, sent → ieșiri
SAGA_FOLDERS = {Direction.INTRARI: "Intrari", Direction.IESIRI: "Iesiri"}
SKIPPED_NAME = "neexportate.csv"  # in a SAGA ZIP: the invoices whose XML could not be read
# Exports read the whole company: a few per hour per user, and per company whoever asks.
EXPORTS_PER_USER_PER_HOUR = 10
EXPORTS_PER_COMPANY_PER_HOUR = 20
_EXPORTS_LIMITED = ("Ați cerut prea multe exporturi într-un timp scurt. Folosiți exporturile "
                    "deja pregătite sau încercați din nou peste {wait}.")
_ACCOUNTING_ROLES = "Exportul pentru contabilitate îl fac proprietarii, administratorii și contabilii firmei."
INDEX_EXTRA = ("Fișier XML", "Fișier PDF", "Fișier original", "SHA-256 original")
SKIPPED_COLUMNS = (columns.Column("ID mesaj ANAF", "text"), columns.Column("Număr document", "text"),
                   columns.Column("Data emiterii", "text"), columns.Column("Motiv", "text"))


class ExportNotFound(NotFound):
    code = "export_not_found"
    message_ro = "Exportul nu există sau a expirat (exporturile se păstrează 7 zile)."


def start(user_id: str, cif: str, fmt: str, f: DocumentFilter, queues: WorkQueues,
          now: datetime, period: str | None = None) -> Export:
    """Queue an export. `period` (a month "2026-11" or a quarter "2026-T4") sets the issue
    dates; an accounting format takes received and/or sent invoices only, and is for owners,
    admins and accountants (`can_review`): a viewer only reads."""
    if fmt in ACCOUNTING_FORMATS and not can_review(Role(memberships.require_active(user_id, cif).role)):
        raise NotAllowed(_ACCOUNTING_ROLES)  # its build marks the invoices as exported, for everyone
    if period is not None:
        covered = parse_period(period)
        f = replace(f, issued_from=covered.start, issued_to=covered.end)
    if fmt in ACCOUNTING_FORMATS and f.kind not in (None, *ACCOUNTING_KINDS):
        raise InvalidFilter("Exportul pentru contabilitate cuprinde doar facturi primite sau trimise.",
                            details={"field": "type"})
    limits.take("export-user", user_id, per=timedelta(hours=1), limit=EXPORTS_PER_USER_PER_HOUR,
                now=now, message_ro=_EXPORTS_LIMITED)
    limits.take("export-company", cif, per=timedelta(hours=1), limit=EXPORTS_PER_COMPANY_PER_HOUR,
                now=now, message_ro=_EXPORTS_LIMITED)
    export = export_records.create(uuid.uuid4().hex, owner_user_id=user_id, cif=cif, fmt=fmt,
                                   filters=f.as_params(), now=now, expires_at=now + EXPORT_TTL)
    queues.send("export", {"export_id": export.export_id})
    audit.record(cif, EventType.EXPORT_CREATED, user_id, format=fmt,
                 filters=", ".join(f"{k}={v}" for k, v in sorted(f.as_params().items())))
    return export


def find(user_id: str, cif: str, export_id: str) -> Export:
    """The caller's own export of this company; 404 otherwise (and once it has expired)."""
    export = export_records.get(export_id) if 0 < len(export_id) <= 64 else None
    if export is None or export.cif != cif or export.owner_user_id != user_id:
        raise ExportNotFound()
    return export


def find_with_link(user_id: str, cif: str, export_id: str,
                   archive: ArchiveBucket) -> tuple[Export, DownloadLink | None]:
    """The caller's export and, once it is ready, a presigned link to its file."""
    export = find(user_id, cif, export_id)
    if export.status != "ready" or not export.s3_key:
        return export, None
    name = download_name(export)
    return export, DownloadLink(archive.download_url(export.s3_key, name, DOWNLOAD_URL_TTL_S), name)


def filters_of(export: Export) -> dict[str, str]:
    """The stored filter (query-string values) as a plain dict."""
    value = export.filters
    if value is None:
        return {}
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def download_name(export: Export) -> str:
    created = export.created_at.astimezone(ROMANIA)
    fmt = export.format or "zip"
    if fmt in ACCOUNTING_FORMATS:
        f = filters_of(export)
        span = f"{f.get('issued_from', '')}_{f.get('issued_to', '')}".strip("_") or f"{created:%Y-%m-%d_%H%M}"
        kind = {"received": "intrari_", "sent": "iesiri_"}.get(f.get("type", ""), "")
        prefix = "SAGA" if fmt == "saga" else "Linii"
        return f"{prefix}_{export.cif}_{kind}{span}.{FORMATS[fmt][1]}"
    return f"Arhivar_{export.cif}_{created:%Y-%m-%d_%H%M}.{FORMATS[fmt][1]}"


@dataclass(frozen=True)
class Fetched:
    document: Any
    files: dict[str, bytes]  # "xml" | "pdf" | "original" → content


class ExportBuilder:
    def __init__(self, settings: Settings, archive: ArchiveBucket, index: DocumentIndex,
                 notifications: Notifications, clock: Callable[[], datetime], events: WebhookEvents,
                 documents: DocumentRepository | None = None) -> None:
        self._settings = settings
        self._events = events
        self._documents = documents or DocumentRepository(settings)
        self._archive = archive
        self._index = index
        self._notifications = notifications
        self._clock = clock

    def build(self, export_id: str) -> str:
        """Build one export; returns its final status. Raises only on transient errors (the
        queue retries them); anything else marks the export failed."""
        export = export_records.get(export_id, consistent=True)
        if export is None:
            logger.warning("export: no such export", extra={"export_id": export_id})
            return "missing"
        if export.status == "ready":  # a redelivered message: done already
            self._announce(export, int(export.done or 0))  # at most once: the send is recorded
            self._report_ready(export, int(export.done or 0), export.finished_at or self._clock())
            return "ready"
        f = parse_filter(filters_of(export))
        fmt = export.format or "zip"
        key = keys.export(export_id, FORMATS[fmt][1])
        export_records.mark_building(export_id, self._clock())
        try:
            if fmt in ACCOUNTING_FORMATS:
                size, progress = self._build_accounting(export, fmt, f, key)
            else:
                total = self._index.count_all(export.cif, f)
                export_records.set_total(export_id, total)
                with MultipartWriter(self._settings, key, FORMATS[fmt][0]) as out:
                    progress = _Progress(export_id, total)
                    if fmt == "zip":
                        self._write_zip(out, export.cif, f, progress)
                    else:
                        self._write_sheet(out, fmt, export.cif, f, progress)
                size = out.size
        except ServiceUnavailable:
            raise
        except Exception as error:  # a bug or bad data: report, do not loop
            logger.exception("export failed", extra={"export_id": export_id})
            export_records.mark_failed(export_id, type(error).__name__, self._clock())
            return "failed"
        finished = self._clock()
        export_records.mark_ready(export_id, done=progress.done, s3_key=key, size=size, now=finished)
        self._report_ready(export, progress.done, finished)
        self._announce(export, progress.done)
        return "ready"

    # -- accounting formats (SAGA, lines CSV) ----------------------------------------------------

    def _build_accounting(self, export: Export, fmt: str, f: DocumentFilter, key: str) -> tuple[int, _Progress]:
        """Write the file, then mark what is in it (only once the file is complete in S3)."""
        export_id = export.export_id
        passes = [replace(f, kind=kind) for kind in ((f.kind,) if f.kind else ACCOUNTING_KINDS)]
        total = sum(self._index.count_all(export.cif, p, own_export=export_id) for p in passes)
        export_records.set_total(export_id, total)
        progress = _Progress(export_id, total)
        written: list[str] = []
        skipped: list[tuple[Any, str]] = []
        entries = self._entries(export.cif, passes, export_id, written, skipped, progress)
        with MultipartWriter(self._settings, key, FORMATS[fmt][0]) as out:
            if fmt == "saga":
                write_zip(self._saga_members(entries, skipped), out)
            else:
                sheet = CsvWriter(out, LINE_COLUMNS)
                for entry in entries:
                    for row in line_rows(entry):
                        sheet.row(row)
        self._documents.mark_exported(export.cif, written, export_id, self._clock())
        return out.size, progress

    def _entries(self, cif: str, passes: list[DocumentFilter], export_id: str, written: list[str],
                 skipped: list[tuple[Any, str]], progress: _Progress) -> Iterator[InvoiceEntry]:
        """The invoices of the passes as booking entries; `written` collects the sort keys of
        those yielded, `skipped` the documents whose XML is missing or unreadable (not marked)."""
        for f in passes:
            direction = DIRECTION_OF_KIND[str(f.kind)]
            for fetched in self._fetched(cif, f, self._fetch_xml, own_export=export_id):
                document = fetched.document
                progress.step()
                xml = fetched.files.get("xml")
                if xml is None:
                    skipped.append((document, "fără XML"))
                    continue
                try:
                    invoice = parse_invoice(xml)
                except InvoiceLayerError as error:
                    skipped.append((document, f"XML nevalid ({error.reason})"))
                    continue
                written.append(document.sk)
                yield entry_of(invoice, direction=direction, upload_index=document.upload_index,
                               message_id=document.message_id)

    def _saga_members(self, entries: Iterator[InvoiceEntry], skipped: list[tuple[Any, str]]) -> Iterator[Member]:
        used: set[str] = set()
        for entry in entries:
            made = saga_file(entry)
            path = f"{SAGA_FOLDERS[entry.direction]}/{made.name}"
            if path in used:  # the same issuer, number and date twice: keep both, told apart
                path = f"{path.removesuffix('.xml')}_{file_names.safe_part(entry.message_id)}.xml"
            used.add(path)
            yield Member(path, _zip_time(self._clock()), len(made.content), (made.content,), compress=True)
        if skipped:
            listing = io.BytesIO()
            sheet = CsvWriter(listing, SKIPPED_COLUMNS)
            for document, reason in skipped:
                sheet.row([document.message_id, document.number or "", document.issue_date or "", reason])
            content = listing.getvalue()
            yield Member(SKIPPED_NAME, _zip_time(self._clock()), len(content), (content,), compress=True)

    def _fetch_xml(self, document: Any) -> Fetched:
        return Fetched(document, {"xml": self._archive.get(document.xml_key)} if document.xml_key else {})

    # -- formats ------------------------------------------------------------------------------

    def _write_sheet(self, out: MultipartWriter, fmt: str, cif: str, f: DocumentFilter,
                     progress: _Progress) -> None:
        if fmt == "csv":
            sheet: Any = CsvWriter(out, columns.COLUMNS)
        else:
            sheet = XlsxWriter(out, columns.COLUMNS)
        for document in self._index.each(cif, f):
            sheet.row(columns.row_values(index_fields(document)))
            progress.step()
        if fmt == "xlsx":
            sheet.close()

    def _write_zip(self, out: MultipartWriter, cif: str, f: DocumentFilter, progress: _Progress) -> None:
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as index_file:
            write_zip(self._zip_members(cif, f, progress, index_file), out)

    def _zip_members(self, cif: str, f: DocumentFilter, progress: _Progress,
                     index_file: Any) -> Iterator[Member]:
        """The documents' files, then index.csv (one row per document, spooled while they pass)."""
        used: set[str] = set()
        index = _BinaryCsv(index_file)
        for fetched in self._fetched(cif, f):
            document = fetched.document
            folder = file_names.zip_folder(document.kind, document.created_at, document.issue_date)
            name = base_name(document)
            if f"{folder}/{name}" in used:
                name = f"{name}_{file_names.safe_part(document.message_id)}"
            used.add(f"{folder}/{name}")
            paths = {}
            for fmt, content in fetched.files.items():
                path = f"{folder}/{file_names.download_filename(name, fmt)}"
                # XML compresses; PDFs and ANAF's ZIPs do not.
                yield Member(path, _zip_time(document.created_at), len(content), (content,),
                             compress=fmt == "xml")
                paths[fmt] = path
            index.row([*columns.row_values(index_fields(document)),
                       paths.get("xml", ""), paths.get("pdf", ""), paths.get("original", ""),
                       document.original_sha256 or ""])
            progress.step()
        size = index_file.tell()
        index_file.seek(0)
        chunks = iter(lambda: index_file.read(256 * 1024), b"")
        yield Member("index.csv", _zip_time(self._clock()), size, chunks)

    def _fetched(self, cif: str, f: DocumentFilter, fetch: Callable[[Any], Fetched] | None = None,
                 own_export: str | None = None) -> Iterator[Fetched]:
        """The documents with their files, fetched a few ahead on threads, in list order."""
        window: deque[Future[Fetched]] = deque()
        with ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="export-fetch") as pool:
            for document in self._index.each(cif, f, own_export=own_export):
                window.append(pool.submit(fetch or self._fetch, document))
                if len(window) >= PREFETCH:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()

    def _fetch(self, document: Any) -> Fetched:
        files: dict[str, bytes] = {}
        if document.xml_key:
            files["xml"] = self._archive.get(document.xml_key)
        if document.pdf_status == "ready" and document.pdf_key:
            files["pdf"] = self._archive.get(document.pdf_key)
        if document.original_key:
            files["original"] = self._archive.get(document.original_key)
        return Fetched(document, files)

    def _report_ready(self, export: Export, count: int, finished: datetime) -> None:
        """`export.ready` for the company's webhooks (same event id if the message comes again)."""
        self._events.export_ready(export.cif, export.export_id, export.format or "zip", count,
                                  export.expires_at, finished)

    def _announce(self, export: Export, count: int) -> None:
        """A large export is also e-mailed to who asked, as a notification (category
        `exports`: preferences, suppression, unsubscribe link, sent once per export)."""
        if count <= LARGE_EXPORT:
            return
        self._notifications.send_export_ready(user_id=export.owner_user_id, cif=export.cif,
                                              export_id=export.export_id, document_count=count,
                                              expires_at=export.expires_at)


class _Progress:
    """Counts written documents; writes progress to the export item every few seconds."""

    def __init__(self, export_id: str, total: int) -> None:
        self._export_id = export_id
        self._total = max(total, 1)
        self.done = 0
        self._last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        if time.monotonic() - self._last >= PROGRESS_EVERY_S:
            self._last = time.monotonic()
            percent = min(99, self.done * 100 // self._total)
            export_records.set_progress(self._export_id, self.done, percent)


class _BinaryCsv(CsvWriter):
    def __init__(self, out: Any) -> None:
        super().__init__(out, columns.COLUMNS, INDEX_EXTRA)


def _zip_time(moment: datetime) -> datetime:
    """ZIP tools show the member's wall-clock time: Romania's."""
    return moment.astimezone(ROMANIA)

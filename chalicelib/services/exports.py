"""Exports ("Descarcă toate documentele", "Export CSV", "Export Excel"): requested by the API,
built by functions/build_export from the SQS export queue, downloaded through a presigned URL.

The file is streamed into S3 with a multipart upload while the documents are read, so the
worker's memory stays flat whatever the export's size: one S3 part being filled, a small window
of documents being fetched, and the ZIP's central directory and index.csv spooled to /tmp once
they grow past 1 MB (services/streaming_zip.py).
Idempotent on export_id: a ready export is never built again; a retried one is rebuilt over the
same key. Exports live under exports/{export_id}.{zip|csv|xlsx}; the item has a 7-day TTL and
the bucket's lifecycle rule deletes the object after 7 days.
"""

from __future__ import annotations

import tempfile
import time
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain import documents as rules
from chalicelib.domain.documents import DocumentFilter
from chalicelib.domain.errors import NotFound, ServiceUnavailable
from chalicelib.services.documents import DocumentIndex, base_name, index_fields
from chalicelib.services.sheets import CsvWriter, XlsxWriter
from chalicelib.services.streaming_zip import StreamingZip
from chalicelib.settings import Settings
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.mail import Mailer
from chalicelib.storage.models import AccountModel, ExportModel
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
}
INDEX_EXTRA = ("Fișier XML", "Fișier PDF", "Fișier original", "SHA-256 original")


class ExportNotFound(NotFound):
    code = "export_not_found"
    message_ro = "Exportul nu există sau a expirat (exporturile se păstrează 7 zile)."


def export_key(export_id: str, fmt: str) -> str:
    return f"exports/{export_id}.{FORMATS[fmt][1]}"


def start(user_id: str, cif: str, fmt: str, f: DocumentFilter, queues: WorkQueues,
          now: datetime) -> ExportModel:
    export = ExportModel(export_id=uuid.uuid4().hex, owner_user_id=user_id, cif=cif,
                         filters=f.as_params(), status="queued", progress=0, created_at=now,
                         expires_at=now + EXPORT_TTL, format=fmt, done=0)
    export.save(condition=ExportModel.export_id.does_not_exist())
    queues.send("export", {"export_id": export.export_id})
    return export


def find(user_id: str, cif: str, export_id: str) -> ExportModel:
    """The caller's own export of this company; 404 otherwise (and once it has expired)."""
    try:
        export = ExportModel.get(export_id) if 0 < len(export_id) <= 64 else None
    except ExportModel.DoesNotExist:
        export = None
    if export is None or export.cif != cif or export.owner_user_id != user_id:
        raise ExportNotFound()
    return export


def filters_of(export: ExportModel) -> dict[str, str]:
    """The stored filter (query-string values) as a plain dict."""
    value = export.filters
    if value is None:
        return {}
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def download_name(export: ExportModel) -> str:
    created = export.created_at.astimezone(rules.ROMANIA)
    return f"Arhivar_{export.cif}_{created:%Y-%m-%d_%H%M}.{FORMATS[export.format or 'zip'][1]}"


@dataclass(frozen=True)
class Fetched:
    document: Any
    files: dict[str, bytes]  # "xml" | "pdf" | "original" → content


class ExportBuilder:
    def __init__(self, settings: Settings, archive: ArchiveBucket, index: DocumentIndex,
                 mailer: Mailer, clock: Callable[[], datetime]) -> None:
        self._settings = settings
        self._archive = archive
        self._index = index
        self._mailer = mailer
        self._clock = clock

    def build(self, export_id: str) -> str:
        """Build one export; returns its final status. Raises only on transient errors (the
        queue retries them); anything else marks the export failed."""
        try:
            export = ExportModel.get(export_id, consistent_read=True)
        except ExportModel.DoesNotExist:
            logger.warning("export: no such export", extra={"export_id": export_id})
            return "missing"
        if export.status == "ready":
            return "ready"  # a redelivered message: done already
        f = rules.parse_filter(filters_of(export))
        fmt = export.format or "zip"
        key = export_key(export_id, fmt)
        export.update(actions=[ExportModel.status.set("building"), ExportModel.started_at.set(self._clock()),
                               ExportModel.done.set(0), ExportModel.progress.set(0),
                               ExportModel.error.remove()])
        try:
            total = self._index.count_all(export.cif, f)
            export.update(actions=[ExportModel.total.set(total)])
            with MultipartWriter(self._settings, key, FORMATS[fmt][0]) as out:
                progress = _Progress(export, total)
                if fmt == "zip":
                    self._write_zip(out, export.cif, f, progress)
                else:
                    self._write_sheet(out, fmt, export.cif, f, progress)
            size = out.size
        except ServiceUnavailable:
            raise
        except Exception as error:  # a bug or bad data: report, do not loop
            logger.exception("export failed", extra={"export_id": export_id})
            export.update(actions=[ExportModel.status.set("failed"),
                                   ExportModel.error.set(type(error).__name__),
                                   ExportModel.finished_at.set(self._clock())])
            return "failed"
        export.update(actions=[ExportModel.status.set("ready"), ExportModel.progress.set(100),
                               ExportModel.done.set(progress.done), ExportModel.s3_key.set(key),
                               ExportModel.size.set(size), ExportModel.finished_at.set(self._clock())])
        if progress.done > LARGE_EXPORT:
            self._mail(export, progress.done)
        return "ready"

    # -- formats ------------------------------------------------------------------------------

    def _write_sheet(self, out: MultipartWriter, fmt: str, cif: str, f: DocumentFilter,
                     progress: _Progress) -> None:
        if fmt == "csv":
            sheet: Any = CsvWriter(out, rules.COLUMNS)
        else:
            sheet = XlsxWriter(out, rules.COLUMNS)
        for document in self._index.each(cif, f):
            sheet.row(rules.row_values(index_fields(document)))
            progress.step()
        if fmt == "xlsx":
            sheet.close()

    def _write_zip(self, out: MultipartWriter, cif: str, f: DocumentFilter, progress: _Progress) -> None:
        used: set[str] = set()
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as index_file, StreamingZip(out) as package:
            index = _BinaryCsv(index_file)
            for fetched in self._fetched(cif, f):
                document = fetched.document
                folder = rules.zip_folder(document.kind, document.created_at, document.issue_date)
                name = base_name(document)
                if f"{folder}/{name}" in used:
                    name = f"{name}_{rules.safe_part(document.message_id)}"
                used.add(f"{folder}/{name}")
                paths = {}
                for fmt, content in fetched.files.items():
                    path = f"{folder}/{rules.download_filename(name, fmt)}"
                    stored = zipfile.ZIP_DEFLATED if fmt == "xml" else zipfile.ZIP_STORED
                    package.writestr(_entry(path, document.created_at), content, stored)
                    paths[fmt] = path
                index.row([*rules.row_values(index_fields(document)),
                           paths.get("xml", ""), paths.get("pdf", ""), paths.get("original", ""),
                           document.original_sha256 or ""])
                progress.step()
            index_file.seek(0)
            package.write_stream(_entry("index.csv", self._clock()), index_file)

    def _fetched(self, cif: str, f: DocumentFilter) -> Iterator[Fetched]:
        """The documents with their files, fetched a few ahead on threads, in list order."""
        window: deque[Future[Fetched]] = deque()
        with ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="export-fetch") as pool:
            for document in self._index.each(cif, f):
                window.append(pool.submit(self._fetch, document))
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

    def _mail(self, export: ExportModel, count: int) -> None:
        try:
            email = AccountModel.get(export.owner_user_id).email
        except AccountModel.DoesNotExist:
            return
        link = f"{self._settings.public_url}/documente?cif={export.cif}&export={export.export_id}"
        self._mailer.send(
            to=email, subject="Exportul documentelor este gata",
            text=(f"Bună ziua,\n\nExportul celor {count} documente ale companiei cu CIF-ul "
                  f"{export.cif} este gata. Îl puteți descărca de aici, timp de 7 zile:\n\n{link}\n\n"
                  "Arhivar"))


class _Progress:
    """Counts written documents; writes progress to the export item every few seconds."""

    def __init__(self, export: ExportModel, total: int) -> None:
        self._export = export
        self._total = max(total, 1)
        self.done = 0
        self._last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        if time.monotonic() - self._last >= PROGRESS_EVERY_S:
            self._last = time.monotonic()
            percent = min(99, self.done * 100 // self._total)
            self._export.update(actions=[ExportModel.done.set(self.done),
                                         ExportModel.progress.set(percent)])


class _BinaryCsv(CsvWriter):
    def __init__(self, out: Any) -> None:
        super().__init__(out, rules.COLUMNS, INDEX_EXTRA)


def _entry(path: str, moment: datetime) -> zipfile.ZipInfo:
    local = moment.astimezone(rules.ROMANIA)
    info = zipfile.ZipInfo(path, date_time=(max(local.year, 1980), local.month, local.day,
                                            local.hour, local.minute, local.second))
    info.flag_bits |= 0x800  # UTF-8 names (diacritics)
    info.external_attr = 0o644 << 16
    return info

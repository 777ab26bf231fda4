""""Importă arhive SPV": ZIPs a user downloaded by hand from SPV (older than ANAF's 60 days),
one ANAF ZIP or a ZIP of them. Each is checked, signature-verified, de-duplicated against
the archive (by upload index and kind) and archived like a synced message.

Built like exports, because a request can neither carry the file (API Gateway base64-encodes
bodies, Lambda takes 6 MB) nor archive a thousand ZIPs in 29 s:
1. `create`: an owner/admin names the file and its size; the API records a job and answers a
   presigned S3 POST for a key it chose (storage/keys.import_upload), valid 15 minutes, at
   most MAX_UPLOAD_BYTES (the policy's content-length-range).
2. The browser uploads straight to S3.
3. `start`: the API checks the upload is there (and its size), fixes the S3 version the worker
   will read and queues the job on the `import` queue. An explicit call rather than an S3
   event: the user learns at once that the upload is missing or too large, the local stack
   needs no S3 notifications, and nothing runs for an upload nobody confirmed.
4. `ImportWorker.run` (functions/import_archive): archives the ZIPs one by one through
   `Archiver.archive_import`, queues their PDFs and records progress on the job every few
   ZIPs. Near the Lambda's time limit it saves its position and queues the job again; a
   redelivered message continues from the saved position, and the conditional progress write
   means a second worker can never count the same ZIPs twice.

The upload is hostile: its members are counted and read with size caps (a member that
inflates past its cap is refused), and names are only reported, never used as paths or keys.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from chalicelib.domain.errors import (
    ArhivarError,
    Conflict,
    NotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
)
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.invoices.anaf_zip import check_upload
from chalicelib.invoices.errors import InvalidUpload, InvoiceLayerError
from chalicelib.services import limits, memberships
from chalicelib.services.archiver import Archived, Archiver
from chalicelib.services.renders import queue_renders
from chalicelib.services.s3_delivery import queue_archived as queue_deliveries
from chalicelib.storage import imports as jobs
from chalicelib.storage import keys
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.imports import FileResult, ImportJob
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-imports")

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # the presigned policy's limit, checked again by the worker
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * MAX_UPLOAD_BYTES  # ANAF ZIPs are compressed already: inflating barely grows them
UPLOAD_URL_TTL_S = 900
JOB_TTL = timedelta(days=30)
RECENT_JOBS = 20
SHOWN_NAME_CHARS = 120
SAVE_EVERY = 25  # ZIPs between progress writes (each rewrites the job item)...
SAVE_EVERY_S = 2.0  # ...or seconds, whichever comes first
TIME_MARGIN_MS = 60_000  # below this much Lambda time left, save the position and re-queue
IMPORTS_PER_USER_PER_HOUR = 20
IMPORTS_PER_COMPANY_PER_HOUR = 40
_IMPORTS_LIMITED = "Ați pornit prea multe importuri într-un timp scurt. Încercați din nou peste {wait}."
_IMPORT_ID = re.compile(r"[0-9]{14}[0-9a-f]{16}")


# Why an archived or duplicate file carries a note (the archiver's exactly-once rule, storage/documents.py)
OUTCOME_NOTES = {
    "upload_conflict": "Arhiva conține deja alt original, cu semnătura MF verificată, al acestei încărcări; "
                       "fișierul nu a fost păstrat.",
    "replaced_unverified": "Originalul verificat a înlocuit o copie cu semnătura MF invalidă importată "
                           "anterior (copia rămâne în arhivă, ascunsă).",
}


class NotAZip(ValidationFailed):
    code = "import_not_a_zip"
    message_ro = "Fișierul nu este o arhivă ZIP descărcată din SPV."


class TooManyMembers(ValidationFailed):
    code = "import_too_many_files"
    message_ro = f"Arhiva conține peste {MAX_MEMBERS} fișiere: împărțiți-o în mai multe arhive."


class MembersTooLarge(ValidationFailed):
    code = "import_files_too_large"
    message_ro = "Arhiva conține fișiere prea mari pentru o factură e-Factura."


class UploadTooLarge(PayloadTooLarge):
    code = "import_too_large"
    message_ro = (f"Arhiva depășește {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: "
                  "împărțiți-o în mai multe arhive.")


class ImportNotFound(NotFound):
    code = "import_not_found"
    message_ro = "Importul nu există sau a expirat (istoricul importurilor se păstrează 30 de zile)."


class UploadMissing(Conflict):
    code = "import_upload_missing"
    message_ro = "Arhiva nu a fost încărcată încă. Încărcați-o, apoi porniți importul."


class UploadLost(ValidationFailed):
    code = "import_upload_lost"
    message_ro = "Arhiva încărcată nu mai există (se păstrează două zile). Încărcați-o din nou."


# -- the API's side --------------------------------------------------------------------------------

def create(user_id: str, cif: str, file_name: str, size: int, bucket: ArchiveBucket,
           now: datetime) -> tuple[ImportJob, dict]:
    """A new job awaiting its upload, and the presigned POST for it."""
    _require_admin(user_id, cif)
    if size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(details={"max_bytes": MAX_UPLOAD_BYTES})
    limits.take("import-user", user_id, per=timedelta(hours=1), limit=IMPORTS_PER_USER_PER_HOUR,
                now=now, message_ro=_IMPORTS_LIMITED)
    limits.take("import-company", cif, per=timedelta(hours=1), limit=IMPORTS_PER_COMPANY_PER_HOUR,
                now=now, message_ro=_IMPORTS_LIMITED)
    import_id = f"{now:%Y%m%d%H%M%S}{uuid.uuid4().hex[:16]}"
    job = jobs.create(cif, import_id, user_id, shown_name(file_name) or "arhiva.zip", size, now, now + JOB_TTL)
    form = bucket.upload_form(keys.import_upload(cif, import_id), min(size, MAX_UPLOAD_BYTES), UPLOAD_URL_TTL_S)
    return job, form


def start(user_id: str, cif: str, import_id: str, bucket: ArchiveBucket, queues: WorkQueues,
          now: datetime) -> ImportJob:
    """Queue an uploaded job; starting it again changes nothing."""
    _require_admin(user_id, cif)
    job = _job(cif, import_id)
    if job.state != "awaiting_upload":
        return job
    uploaded = bucket.version_of(keys.import_upload(cif, import_id))
    if uploaded is None:
        raise UploadMissing()
    version, size = uploaded
    if size > MAX_UPLOAD_BYTES:  # S3's policy refuses this; checked here all the same
        jobs.fail(job, UploadTooLarge.code, UploadTooLarge.message_ro, now)
        raise UploadTooLarge(details={"max_bytes": MAX_UPLOAD_BYTES})
    # Sent before the state changes: a refused send leaves the job startable; a message sent
    # twice (two starts at once) is harmless, the worker being idempotent on the job.
    queues.send("import", {"cif": cif, "import_id": import_id})
    jobs.mark_queued(job, version, size)
    return _job(cif, import_id)


def find(user_id: str, cif: str, import_id: str) -> ImportJob:
    """A job of a company the user is an active member of; 404 otherwise."""
    memberships.require_active(user_id, cif)
    return _job(cif, import_id)


def recent(user_id: str, cif: str) -> list[ImportJob]:
    memberships.require_active(user_id, cif)
    return jobs.recent(cif, RECENT_JOBS)


def _require_admin(user_id: str, cif: str) -> None:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()


def _job(cif: str, import_id: str) -> ImportJob:
    job = jobs.find(cif, import_id) if _IMPORT_ID.fullmatch(import_id) else None
    if job is None:
        raise ImportNotFound()
    return job


def shown_name(name: str) -> str:
    """A name as it is shown back (never used as a path, a key or an id): control and
    formatting characters dropped, backslashes as slashes, at most SHOWN_NAME_CHARS."""
    cleaned = "".join(c for c in name.replace("\\", "/") if unicodedata.category(c)[0] != "C")
    return cleaned.strip()[:SHOWN_NAME_CHARS]


def reason_message(code: str | None) -> str | None:
    """The Romanian explanation of a rejected file's reason code."""
    if code is None:
        return None
    classes: list[type[ArhivarError]] = [*_error_classes(InvoiceLayerError), MembersTooLarge]
    known = {**{c.code: c.message_ro for c in classes}, **OUTCOME_NOTES}
    return known.get(code, InvoiceLayerError.message_ro)


def _error_classes(base: type[ArhivarError]) -> list[type[ArhivarError]]:
    """The class and all its subclasses (those of modules loaded so far: the archiver's too)."""
    subclasses: list[type[ArhivarError]] = base.__subclasses__()
    return [base, *(c for sub in subclasses for c in _error_classes(sub))]


# -- the worker's side -----------------------------------------------------------------------------

class ImportWorker:
    def __init__(self, archiver: Archiver, bucket: ArchiveBucket, queues: WorkQueues,
                 clock: Callable[[], datetime]) -> None:
        self._archiver = archiver
        self._bucket = bucket
        self._queues = queues
        self._clock = clock

    def run(self, cif: str, import_id: str, remaining_ms: Callable[[], int]) -> str:
        """Carry a queued or running job as far as the time allows; returns what happened.
        Raises only on transient errors (the queue redelivers the message)."""
        job = jobs.find(cif, import_id)
        if job is None or job.state not in ("queued", "running") or job.upload_version is None:
            return "ignored"  # done, failed, never started or expired: nothing to do
        try:
            upload = self._bucket.get_version(keys.import_upload(cif, import_id), job.upload_version)
        except ServiceUnavailable:
            raise
        except Exception:  # noqa: BLE001 - the upload expired or was removed: the job cannot go on
            return self._fail(job, UploadLost())
        try:
            members = _members(upload, job.file_name, first_pass=job.state == "queued")
        except (ValidationFailed, InvoiceLayerError, PayloadTooLarge) as error:
            return self._fail(job, error)
        if job.state == "queued":
            jobs.mark_running(job, len(members), self._clock())
        try:
            return self._archive(job, upload, members, remaining_ms)
        except ServiceUnavailable:
            raise
        except Exception as error:  # a bug or bad data: report it on the job, do not loop
            logger.exception("import failed", extra={"import_id": import_id})
            return self._fail(job, ArhivarError(details={"error": type(error).__name__}))

    def _archive(self, job: ImportJob, upload: bytes, members: list[tuple[str, zipfile.ZipInfo | None]],
                 remaining_ms: Callable[[], int]) -> str:
        outer = zipfile.ZipFile(io.BytesIO(upload)) if members and members[0][1] is not None else None
        position = job.position
        pending: list[FileResult] = []
        archived: list[Archived] = []
        saved_at = time.monotonic()
        for name, info in members[position:]:
            pending.append(self._archive_one(job.cif, name, upload, outer, info, archived))
            if len(pending) >= SAVE_EVERY or time.monotonic() - saved_at >= SAVE_EVERY_S:
                if not self._save(job, position, pending, archived):
                    return "superseded"
                position += len(pending)
                pending, archived, saved_at = [], [], time.monotonic()
            if remaining_ms() < TIME_MARGIN_MS and position + len(pending) < len(members):
                if not self._save(job, position, pending, archived):
                    return "superseded"
                self._queues.send("import", {"cif": job.cif, "import_id": job.import_id})
                return "continued"
        if not self._save(job, position, pending, archived):
            return "superseded"
        jobs.finish(job, self._clock())
        return "done"

    def _archive_one(self, cif: str, name: str, upload: bytes, outer: zipfile.ZipFile | None,
                     info: zipfile.ZipInfo | None, archived: list[Archived]) -> FileResult:
        try:
            content = upload if outer is None or info is None else _read(outer, info)
            result = self._archiver.archive_import(cif, content, self._clock())
        except (InvoiceLayerError, MembersTooLarge) as error:
            return FileResult(name, "rejected", reason=error.code)
        except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError, OSError):
            # the first pass read this member already: only a damaged upload gets here
            return FileResult(name, "rejected", reason=InvalidUpload.code)
        archived.append(result)
        note = "upload_conflict" if result.conflict else "replaced_unverified" if result.replaced else None
        return FileResult(name, "archived" if result.new else "duplicate", reason=note,
                          message_id=result.sk.rsplit("#", 1)[-1], kind=result.kind)

    def _save(self, job: ImportJob, position: int, results: list[FileResult], archived: list[Archived]) -> bool:
        # Renders first: a crash after them re-queues a PDF (harmless), never loses one.
        queue_renders(self._queues, job.cif, archived)
        queue_deliveries(self._queues, job.cif, archived)  # the company's own bucket, if any
        if not results:
            return True
        saved = jobs.save_progress(job, position, results)
        if not saved:
            logger.warning("import: another worker moved the job on", extra={"import_id": job.import_id})
        return saved

    def _fail(self, job: ImportJob, error: Exception) -> str:
        code = getattr(error, "code", "import_failed")
        message = getattr(error, "message_ro", "Importul nu a putut fi făcut.")
        jobs.fail(job, code, message, self._clock())
        logger.info("import failed", extra={"import_id": job.import_id, "code": code})
        return "failed"


def _members(upload: bytes, upload_name: str, *, first_pass: bool) -> list[tuple[str, zipfile.ZipInfo | None]]:
    """The ANAF ZIPs of the upload, in its order: (shown name, its entry), or (the upload's
    name, None) when the upload is itself one ANAF ZIP. The first pass reads every member once
    with caps: a damaged, encrypted or oddly compressed one fails the whole job before anything
    is archived."""
    if len(upload) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    if first_pass:
        check_upload(upload, member_cap=MAX_MEMBER_BYTES, total_cap=MAX_TOTAL_BYTES)
    try:
        outer = zipfile.ZipFile(io.BytesIO(upload))
    except zipfile.BadZipFile as error:
        raise NotAZip() from error
    infos = [i for i in outer.infolist() if not i.is_dir()]
    if not any(i.filename.lower().endswith(".zip") for i in infos):
        return [(upload_name, None)]  # a single ANAF ZIP: its checks happen in the archiver
    if len(infos) > MAX_MEMBERS:
        raise TooManyMembers()
    zips = [i for i in infos if i.filename.lower().endswith(".zip")]
    if any(i.file_size > MAX_MEMBER_BYTES for i in zips) or sum(i.file_size for i in zips) > MAX_TOTAL_BYTES:
        raise MembersTooLarge()
    return [(shown_name(i.filename) or "?", i) for i in zips]


def _read(outer: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One member, never more than its cap (a member lying about its size is refused by the
    archiver's own checks as whatever it turns out to be)."""
    with outer.open(info) as member:
        content = member.read(MAX_MEMBER_BYTES + 1)
    if len(content) > MAX_MEMBER_BYTES:
        raise MembersTooLarge()
    return content

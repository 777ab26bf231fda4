"""The integrity check ("Integritatea arhivei"): proof that a company's archive is complete and
untouched, and the report an accountant hands to a tax inspector.

A run re-reads every original from S3 (streamed, hashed in 1 MiB chunks) and compares its
SHA-256 and size with what was recorded at archiving; checks the original's Object Lock (mode
and retain-until date, from GetObject's own headers: no HEAD); reads the extracted XML and the
MF signature and re-verifies the signature against the current trust bundle, reporting a verdict
that differs from the stored one; then reconciles the company's counters with the documents
counted and lists the holes of the window the sync runs listed (and messages lost past ANAF's
60 days). Three S3 GETs per document (original, XML, signature).

Incremental and resumable: every SAVE_EVERY documents the per-document results go to S3 as one
report part (JSON lines) and the cursor (the last sort key) is saved with the tallies; a worker
that nears its time limit saves and re-queues the run, and the next invocation goes on from the
cursor. Memory is bounded: SAVE_EVERY rows, the first PROBLEMS_KEPT problems (and a count), one
S3 chunk. The JSON report is streamed from the parts into S3 (multipart); the PDF is rendered by
functions/render_pdf (the only function with WeasyPrint) from that JSON, on a render message of
kind "integrity_report".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain import integrity as rules
from chalicelib.domain.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from chalicelib.domain.integrity import Problem
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.invoices.signature import verify_signature
from chalicelib.invoices.trust import TrustedSigners, fingerprint
from chalicelib.services import limits, memberships
from chalicelib.services.archiver import retain_until
from chalicelib.services.documents import DownloadLink
from chalicelib.settings import Settings
from chalicelib.storage import integrity as runs
from chalicelib.storage import keys
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.multipart import MultipartWriter
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-integrity")

SAVE_EVERY = 200  # documents between two saved cursors (one report part each)
PROBLEMS_KEPT = 500  # on the run record (DynamoDB's 400 KB item); the report parts keep them all
TIME_MARGIN_S = 60.0  # left for the last save and the re-queue before Lambda stops the worker
LEASE = timedelta(minutes=16)  # longer than the worker's 15 minutes
REPORT_URL_TTL_S = 900
REPORT_FORMATS = ("json", "pdf")
MANUAL_RUNS_PER_DAY = 3
REPORT_FORMAT = "arhivar-integrity-report/1"
_MANUAL_LIMITED = "Verificarea integrității a fost pornită de prea multe ori azi. Încercați din nou peste {wait}."


class IntegrityRunning(Conflict):
    code = "integrity_running"
    message_ro = "O verificare a integrității este deja în curs pentru această companie."


class InvalidReportFormat(ValidationFailed):
    code = "invalid_format"
    message_ro = "Formatul raportului poate fi json sau pdf."


class ReportNotReady(NotFound):
    code = "integrity_report_not_ready"
    message_ro = "Raportul de integritate nu este gata (nicio verificare terminată sau PDF-ul încă se generează)."


# -- the API side ------------------------------------------------------------------------------

def start(user_id: str, cif: str, queues: WorkQueues, now: datetime) -> runs.Run:
    """"Verifică acum": owners and admins, a few times a day, never while a run is going on."""
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed("Doar proprietarii și administratorii pot porni verificarea integrității.")
    current = runs.latest(cif)
    if current is not None and runs.is_active(current, now):
        raise IntegrityRunning()
    limits.take("integrity-company", cif, per=timedelta(days=1), limit=MANUAL_RUNS_PER_DAY, now=now,
                message_ro=_MANUAL_LIMITED)
    try:
        run = runs.create(cif, "manual", user_id, now)
    except runs.RunInProgress as error:
        raise IntegrityRunning() from error
    queues.send("integrity", {"cif": cif, "run_id": run.run_id})
    return run


def last_run(user_id: str, cif: str) -> runs.Run | None:
    memberships.require_active(user_id, cif)
    return runs.latest(cif)


def report_key(user_id: str, cif: str, fmt: str) -> tuple[str, str]:
    """(S3 key, file name) of the last finished run's report in `fmt` ("json" or "pdf"), also
    while a newer run is going on."""
    memberships.require_active(user_id, cif)
    if fmt not in REPORT_FORMATS:
        raise InvalidReportFormat(details={"field": "format"})
    run = runs.last_finished(cif)
    key = None
    if run is not None:
        key = run.report_json_key if fmt == "json" else run.report_pdf_key
    if run is None or key is None:
        raise ReportNotReady()
    return key, f"Arhivar_integritate_{cif}_{run.run_id[:8]}.{fmt}"


def report_link(user_id: str, cif: str, fmt: str, archive: ArchiveBucket) -> DownloadLink:
    """A presigned link to the last finished run's report in `fmt` (any active member)."""
    key, filename = report_key(user_id, cif, fmt)
    return DownloadLink(archive.download_url(key, filename, REPORT_URL_TTL_S), filename)


def fan_out(queues: WorkQueues, now: datetime, time_left_s: Callable[[], float],
            after: str | None = None) -> int:
    """The monthly schedule: one queued run and one message per company with documents.
    A company whose run is still going on is skipped; returns how many were queued. Near the
    invocation's time limit it queues its own continuation (`{"fan_out_after": <last company>}`
    on the integrity queue), so no company misses its month."""
    queued = 0
    batch: list[dict[str, str]] = []
    for cif in runs.companies_with_documents(after):
        if time_left_s() < 10:
            queues.send("integrity", {"fan_out_after": after or ""})
            logger.info("integrity fan-out continues in the next invocation", extra={"queued": queued, "after": after})
            break
        after = cif
        try:
            run = runs.create(cif, "schedule", None, now)
        except runs.RunInProgress:
            continue
        batch.append({"cif": cif, "run_id": run.run_id})
        if len(batch) == 10:
            queued += queues.send_many("integrity", batch)
            batch = []
    if batch:
        queued += queues.send_many("integrity", batch)
    return queued


# -- the worker --------------------------------------------------------------------------------

def trust_bundle_id(trusted: TrustedSigners) -> str:
    """A fingerprint of the trust bundle a run verified against (order-independent)."""
    return hashlib.sha256(b"".join(sorted(fingerprint(c) for c in trusted.certificates))).hexdigest()


class IntegrityCheck:
    def __init__(self, settings: Settings, archive: ArchiveBucket, trusted: TrustedSigners,
                 queues: WorkQueues, clock: Callable[[], datetime], time_left_s: Callable[[], float]) -> None:
        self._settings = settings
        self._archive = archive
        self._trusted = trusted
        self._queues = queues
        self._now = clock
        self._time_left_s = time_left_s

    def run(self, cif: str, run_id: str) -> str:
        """Check (part of) one run; returns "done", "requeued" or "skipped"."""
        run = runs.get(cif, run_id)
        now = self._now()
        if run is None or not runs.take_lease(run, now, now + LEASE):
            return "skipped"  # unknown, finished, or another worker has it
        progress = runs.progress_of(run)
        runs.save_progress(run, progress, now, started=True)
        rows: list[dict[str, Any]] = []
        for document in runs.iter_documents(cif, progress.cursor):
            if self._time_left_s() < TIME_MARGIN_S:
                self._save(run, progress, rows)
                runs.release_lease(run)
                self._queues.send("integrity", {"cif": cif, "run_id": run_id})
                logger.info("integrity run re-queued", extra={"cif": cif, "run_id": run_id,
                                                              "checked": progress.checked})
                return "requeued"
            row, found = self.check_document(document)
            rows.append(row)
            progress.cursor = str(document.sk)
            progress.checked += 1
            if not document.superseded_by:  # the counters count live documents only
                progress.counted[str(document.kind)] = progress.counted.get(str(document.kind), 0) + 1
            for problem in found:
                _note(progress, problem)
            if len(rows) >= SAVE_EVERY:
                self._save(run, progress, rows)
                rows = []
        self._save(run, progress, rows)
        self._finish(run, progress)
        return "done"

    def check_document(self, document: runs.Document) -> tuple[dict[str, Any], list[Problem]]:
        """The facts of one document (a report row) and what is wrong with it."""
        found: list[Problem] = []

        def problem(code: str, detail: str | None = None) -> None:
            found.append(Problem(code, sk=str(document.sk), message_id=document.message_id,
                                 number=(document.number or "")[:40] or None, kind=document.kind,
                                 detail=detail[:120] if detail else None))

        row: dict[str, Any] = {"sk": document.sk, "message_id": document.message_id, "kind": document.kind,
                               "number": document.number, "issue_date": document.issue_date,
                               "upload_index": document.upload_index,
                               "recorded_sha256": document.original_sha256, "sha256": None, "size": None,
                               "lock_mode": None, "retain_until": None,
                               "signature_recorded": document.signature_status, "signature": None}
        if not document.original_key or not document.original_sha256:
            problem("no_original_recorded")
        else:
            self._check_original(document, row, problem)
        xml = self._archive.get_if_present(document.xml_key) if document.xml_key else None
        signature = self._archive.get_if_present(document.signature_key) if document.signature_key else None
        if xml is None:
            problem("xml_missing")
        if signature is None:
            problem("signature_missing")
        if xml is not None and signature is not None:
            check = verify_signature(xml, signature, self._trusted)
            row["signature"] = check.status
            if check.status != (document.signature_status or "unknown"):
                problem("signature_changed", f"înregistrat {document.signature_status}, acum {check.status} "
                                             f"({check.reason})")
        row["problems"] = [p.code for p in found]
        return row, found

    def _check_original(self, document: runs.Document, row: dict[str, Any],
                        problem: Callable[..., None]) -> None:
        stored = self._archive.read_stream(str(document.original_key))
        if stored is None:
            problem("original_missing")
            return
        digest, size = hashlib.sha256(), 0
        for chunk in stored.chunks:
            digest.update(chunk)
            size += len(chunk)
        row.update(sha256=digest.hexdigest(), size=size, lock_mode=stored.lock_mode,
                   retain_until=stored.retain_until.isoformat() if stored.retain_until else None)
        if row["sha256"] != document.original_sha256:
            problem("original_altered", f"acum {row['sha256'][:16]}…, înregistrat {document.original_sha256[:16]}…")
        if document.original_size is not None and size != int(document.original_size):
            problem("original_size", f"acum {size} octeți, înregistrat {int(document.original_size)}")
        expected = rules.expected_retention(retain_until(document.created_at), document.archived_at,
                                            self._settings.archive_lock_days)
        wrong = rules.retention_problem(stored.lock_mode, stored.retain_until,
                                        expected_mode=self._settings.archive_lock_mode, expected_until=expected)
        if wrong is not None:
            problem(*wrong)

    def _save(self, run: runs.Run, progress: runs.Progress, rows: list[dict[str, Any]]) -> None:
        """One report part, then the cursor that covers it: a crash between the two rewrites
        the same part on resume (same number), so nothing is counted twice."""
        if rows:
            body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
            self._archive.put(keys.integrity_part(run.cif, run.run_id, progress.part), body,
                              "application/x-ndjson")
            progress.part += 1
        runs.save_progress(run, progress, self._now())

    def _finish(self, run: runs.Run, progress: runs.Progress) -> None:
        counters = runs.company_counters(run.cif)
        for problem in rules.counter_drift(counters, progress.counted):
            _note(progress, problem)
        coverage = rules.coverage(runs.sync_windows(run.cif), runs.covered_until(run.cif))
        now = self._now()
        bundle = trust_bundle_id(self._trusted)
        report_key = keys.integrity_report(run.cif, run.run_id, "json")
        header = {
            "format": REPORT_FORMAT, "company": {"cif": run.cif, "name": runs.company_name(run.cif)},
            "run": {"id": run.run_id, "reason": run.reason, "started_at": _iso(run.started_at or run.created_at),
                    "finished_at": now.isoformat()},
            "period": {"from": _iso(coverage.period_from), "to": _iso(coverage.period_to)},
            "trust_bundle": {"sha256": bundle,
                             "certificates": [c.subject.rfc4514_string() for c in self._trusted.certificates]},
            "lock": {"mode": self._settings.archive_lock_mode, "days_cap": self._settings.archive_lock_days},
            "documents_checked": progress.checked, "counts_by_kind": progress.counted, "counters": counters,
            "all_good": progress.problem_count == 0 and not coverage.gaps,
            "problem_count": progress.problem_count,
        }
        trailer = {
            "problems": [problem_view(p) for p in progress.problems],
            "problems_truncated": progress.problem_count > len(progress.problems),
            "gaps": [{**gap, "explanation": rules.gap_explanation(gap)} for gap in coverage.gaps],
        }
        with MultipartWriter(self._settings, report_key, "application/json") as out:
            for piece in _json_report(header, self._rows(run, progress.part), trailer):
                out.write(piece)
        runs.finish(run, progress, counters=counters, gaps=coverage.gaps, period_from=coverage.period_from,
                    period_to=coverage.period_to, trust_bundle_sha256=bundle, report_json_key=report_key,
                    now=now)
        self._queues.send("render", {"kind": "integrity_report", "cif": run.cif, "run_id": run.run_id})
        logger.info("integrity run finished", extra={"cif": run.cif, "run_id": run.run_id,
                                                     "checked": progress.checked,
                                                     "problems": progress.problem_count})

    def _rows(self, run: runs.Run, parts: int) -> Iterator[bytes]:
        for part in range(parts):
            body = self._archive.get(keys.integrity_part(run.cif, run.run_id, part))
            yield from (line for line in body.splitlines() if line.strip())


def _note(progress: runs.Progress, problem: Problem) -> None:
    progress.problem_count += 1
    if len(progress.problems) < PROBLEMS_KEPT:
        progress.problems.append(problem)


def _json_report(header: dict, rows: Iterable[bytes], trailer: dict) -> Iterator[bytes]:
    """One JSON object written piece by piece: the document rows are never all in memory."""
    opening = json.dumps(header, ensure_ascii=False)[:-1]
    yield (opening + ', "documents": [').encode("utf-8")
    for index, row in enumerate(rows):
        yield (b"," if index else b"") + row
    closing = json.dumps(trailer, ensure_ascii=False)[1:]
    yield ("], " + closing).encode("utf-8")


def problem_view(problem: Problem) -> dict[str, Any]:
    return {"code": problem.code, "sk": problem.sk, "message_id": problem.message_id, "number": problem.number,
            "kind": problem.kind, "detail": problem.detail, "explanation": problem.explanation}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


# -- the report's PDF (functions/render_pdf renders it: the only function with WeasyPrint) ----------

def report_to_render(archive: ArchiveBucket, cif: str, run_id: str) -> tuple[runs.Run, dict, str] | None:
    """The finished run, its JSON report and the SHA-256 of the JSON file (which the PDF quotes,
    tying the two together), or None when there is nothing to render."""
    run = runs.get(cif, run_id)
    if run is None or run.state != "done" or not run.report_json_key:
        return None
    content = archive.get(run.report_json_key)
    return run, json.loads(content), hashlib.sha256(content).hexdigest()


def store_pdf(archive: ArchiveBucket, run: runs.Run, pdf: bytes | None, now: datetime) -> None:
    """Keep the rendered PDF next to the JSON report (or record that rendering failed)."""
    if pdf is None:
        runs.record_pdf(run, None, now)
        return
    key = keys.integrity_report(run.cif, run.run_id, "pdf")
    archive.put(key, pdf, "application/pdf")
    runs.record_pdf(run, key, now)

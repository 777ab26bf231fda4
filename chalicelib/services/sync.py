"""Syncing one company (DESIGN.md §5): lease, token, list the uncovered window, download what
is not archived yet, record the run, advance the covered window only over what is archived.

A run is safe to kill anywhere and to repeat: the lease keeps two workers apart, archiving is
idempotent per message, and the covered window moves only after the messages it covers are
in S3. ANAF's refusals become company states the dashboard explains; ANAF outages and spent
budgets move the next attempt later instead of failing the queue message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.errors import (
    AnafAuthError,
    AnafDailyLimitReached,
    AnafError,
    AnafMessageExpired,
    AnafNoSpvRights,
    AnafRateLimited,
)
from chalicelib.anaf.lookup import CompanyLookup
from chalicelib.anaf.models import AnafMessage
from chalicelib.domain.authorization import AuthorizationState
from chalicelib.domain.licences import NewDocumentEmails, licence_for
from chalicelib.domain.polling import Activity, after_run, list_window, next_poll
from chalicelib.invoices.errors import InvalidAnafZip
from chalicelib.services import buyer_messages, companies
from chalicelib.services.archiver import Archived, Archiver, document_sk
from chalicelib.services.budget import BudgetExhausted, CallBudget
from chalicelib.services.credentials import (
    CredentialInvalid,
    CredentialMissing,
    CredentialVault,
    mark_companies,
)
from chalicelib.services.renders import queue_pending_renders, queue_renders
from chalicelib.services.s3_delivery import queue_archived as queue_deliveries
from chalicelib.services.webhook_events import WebhookEvents
from chalicelib.storage import companies as company_records
from chalicelib.storage import sync_runs
from chalicelib.storage.companies import Company
from chalicelib.storage.documents import DocumentRepository
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-sync", child=True)

LEASE = timedelta(minutes=15)
# Downloads overlap with storage across threads (one thread's ANAF wait is another's S3 and
# DynamoDB work). ANAF limits calls per minute, not connections: the call budget meters them,
# whatever the concurrency. 8 stays under botocore's 10 pooled connections per client.
DOWNLOAD_THREADS = 8
RETRY_LATER = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))
# Runs that report `sync.failed` to webhooks: ANAF refused the authorization or did not answer
# (our own throttles, the daily limit and the call budget, are not failures).
SYNC_FAILURES = ("anaf_unavailable", AuthorizationState.EXPIRED.value, AuthorizationState.NO_SPV_RIGHTS.value)
# A run downloads for at most this long, then is due again at once: the next dispatch tick
# (every minute) queues it behind the companies due meanwhile, so a large first sync never
# keeps a small company waiting more than one dispatch interval for a worker.
RUN_SLICE = timedelta(seconds=50)
# The live counts of a running run ("în curs" on the dashboard) are written to the company at
# most once per this many archived messages or this much time, whichever comes first: one
# small conditional write, never one per message.
PROGRESS_EVERY_MESSAGES = 32
PROGRESS_EVERY = timedelta(seconds=5)
BATCH = DOWNLOAD_THREADS * 4  # messages handed to the download threads at once


def _newest(messages: list[AnafMessage]) -> datetime | None:
    return max((m.created_at for m in messages), default=None)


@dataclass(frozen=True)
class Downloaded:
    """What happened to one message."""

    archived: bool  # in S3 and indexed, or permanently gone (lost)
    calls: int
    bytes: int = 0
    new: bool = False
    sk: str | None = None
    lost: bool = False
    error: str | None = None
    recorded: Archived | None = None  # what the archiver answered (its PDF is asked per batch)


@dataclass
class RunStats:
    listed: int = 0
    new: int = 0
    already: int = 0
    failed: int = 0
    lost: int = 0
    anaf_calls: int = 0
    bytes: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    new_sks: list[str] = field(default_factory=list)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def add(self, done: Downloaded) -> None:
        self.anaf_calls += done.calls
        self.bytes += done.bytes
        self.lost += done.lost
        self.failed += not done.archived
        if done.error:
            self.error(done.error)
        if done.new:
            self.new += 1
            self.new_sks.append(done.sk)  # type: ignore[arg-type]


class ProgressWriter:
    """Publishes a running run's counts on the company record while the run holds the lease
    (bounded: see PROGRESS_EVERY_MESSAGES and PROGRESS_EVERY); the lease's release removes them.

    The same write moves the company's download mark (`downloads_attempted_until`) forward
    before the run downloads past it: a message created after the mark as the run found it has
    never been downloaded, so its download needs no per-message daily counter (one write per
    batch instead of one per message; see CallBudget.spend_download)."""

    def __init__(self, cif: str, run_id: str, started: datetime, clock: Callable[[], datetime],
                 attempted_until: datetime | None = None) -> None:
        self._cif = cif
        self._run_id = run_id
        self._started = started
        self._now = clock
        self._written_at: datetime | None = None
        self._written_done = 0
        self._at_start = attempted_until  # what earlier runs may have downloaded
        self._attempted_until = attempted_until  # the mark as stored now

    def update(self, stats: RunStats, *, force: bool = False, attempting: datetime | None = None) -> None:
        """Write the counts when due; `attempting`: the newest creation time of the messages
        about to be downloaded (the mark is moved there first when it is behind)."""
        done = stats.new + stats.failed
        now = self._now()
        advance = attempting is not None and (self._attempted_until is None or attempting > self._attempted_until)
        due = (force or advance or self._written_at is None or done - self._written_done >= PROGRESS_EVERY_MESSAGES
               or now - self._written_at >= PROGRESS_EVERY)
        if not due:
            return
        written = company_records.record_progress(self._cif, self._run_id, {
            "started_at": self._started.isoformat(), "listed": stats.listed, "new": stats.new,
            "already": stats.already, "failed": stats.failed}, attempting if advance else None)
        if written and advance:
            self._attempted_until = attempting
        self._written_at, self._written_done = now, done

    def first_download(self, message: AnafMessage) -> bool:
        """Whether no run has downloaded this message before: created after the mark as this
        run found it (a run downloads each message once), and the mark now covers it (written
        before the download, so a worker killed mid-download leaves it counted next time)."""
        covered = self._attempted_until is not None and message.created_at <= self._attempted_until
        return covered and (self._at_start is None or message.created_at > self._at_start)


@dataclass(frozen=True)
class SyncOutcome:
    cif: str
    result: str  # complete | partial | skipped_locked | not_authorized | anaf_unavailable | ...
    stats: RunStats
    covered_until: datetime | None


class CompanySync:
    def __init__(self, *, vault: CredentialVault, archiver: Archiver, budget: CallBudget,
                 queues: WorkQueues, efactura: Callable[[Callable[[], str]], EFacturaClient],
                 clock: Callable[[], datetime], time_left_s: Callable[[], float],
                 lookup: CompanyLookup, events: WebhookEvents) -> None:
        self._vault = vault
        self._events = events
        self._lookup = lookup
        self._archiver = archiver
        self._budget = budget
        self._queues = queues
        self._efactura = efactura
        self._now = clock
        self._time_left_s = time_left_s

    def run(self, cif: str, reason: str) -> SyncOutcome:
        run_id = uuid.uuid4().hex
        company = self._lease(cif, run_id)
        if company is None:
            return SyncOutcome(cif, "skipped_locked", RunStats(), None)
        started = self._now()
        stats = RunStats()
        window = self._window(company, started)
        progress = ProgressWriter(cif, run_id, started, self._now, company.downloads_attempted_until)
        try:
            result, covered_until, next_at = self._sync(company, window, stats, progress)
        except BaseException:
            self._release(cif, run_id, result="error", covered_until=None, next_at=started + RETRY_LATER[0])
            raise
        self._record(company, run_id, reason, started, window, stats, result)
        finished = self._now()
        activity = self._activity(company, stats, result, finished)
        if result == "complete":  # the regular schedule: adaptive (domain/polling.py)
            next_at = next_poll(licence_for(company.licence), activity, now=finished,
                                first_sync_done=company.covered_until is not None)
        self._release(cif, run_id, result=result, covered_until=covered_until, next_at=next_at,
                      activity=activity, now=finished)
        if result in SYNC_FAILURES:  # after the release: a failure to queue it never holds the lease
            self._events.sync_failed(cif, run_id, result, stats.errors, started)
        if stats.new_sks:
            self._announce(company, run_id, stats.new_sks)
        logger.info("sync finished", extra={"cif": cif, "result": result, "listed": stats.listed,
                                            "new": stats.new, "failed": stats.failed,
                                            "anaf_calls": stats.anaf_calls, "bytes": stats.bytes})
        return SyncOutcome(cif, result, stats, covered_until)

    # -- the run -------------------------------------------------------------------------------

    def _sync(self, company: Company, window: tuple[datetime, datetime], stats: RunStats,
              progress: ProgressWriter) -> tuple[str, datetime | None, datetime | None]:
        now = self._now()
        if not company.credential_id:
            return "not_authorized", None, None
        companies.refresh_if_stale(company, self._lookup, now)  # name, address, VAT status
        try:
            client = self._efactura(self._vault.token_for_run(company.credential_id))
            # Messages sent to suppliers first: ANAF's answer to one is then listed by this run.
            stats.anaf_calls += buyer_messages.follow_pending(client, self._budget, company.cif, self._now)
            listed = self._list(client, company.cif, window, stats)
            pending = self._missing(company.cif, listed, stats)
            if company.sync_progress is not None:
                # The previous run died holding the lease (its progress is removed at release):
                # it may have archived documents and died before asking for their PDFs.
                self._ask_waiting_pdfs(company.cif, listed, pending)
            self._budget.expect(len(pending))  # leases no more calls than the run will make
            # listed and already archived are known now; the mark moves over the first batch
            progress.update(stats, force=True, attempting=_newest(pending[:BATCH]))
            failed_at, sliced = self._download_all(client, company.cif, pending, stats, progress)
        except (CredentialMissing, CredentialInvalid, AnafAuthError) as error:
            state = (AuthorizationState.NO_SPV_RIGHTS if isinstance(error, AnafNoSpvRights)
                     else AuthorizationState.EXPIRED)
            self._stop(company, state)
            stats.error(type(error).__name__)
            return state.value, None, None
        except AnafDailyLimitReached as error:
            stats.error("daily_limit")
            return "daily_limit", None, error.retry_at
        except BudgetExhausted as error:
            stats.error(error.what)
            return "budget_exhausted", None, error.retry_at
        except (AnafError, AnafRateLimited) as error:
            stats.error(error.code)
            return "anaf_unavailable", None, now + self._backoff(company)
        if failed_at is not None:
            # Covered up to the oldest message still missing; the next run starts there. When
            # only time or the per-minute budget stopped this one, it is due at once: the next
            # dispatch tick takes it (start + 1 min always fell just after that tick, so a large
            # backlog was synced every other minute), and the budget's tokens refill in seconds.
            stopped_early = sliced or "calls_per_minute" in stats.errors or self._time_left_s() < 30
            again = self._now() if stopped_early else now + RETRY_LATER[0]
            return "partial", min(window[1], failed_at - timedelta(minutes=1)), again
        return "complete", window[1], None  # scheduled by run(): adaptive polling

    def _list(self, client: EFacturaClient, cif: str, window: tuple[datetime, datetime],
              stats: RunStats) -> list[AnafMessage]:
        messages: dict[str, AnafMessage] = {}
        page = 1
        while True:
            self._budget.expect(1)  # one page at a time: a block of one
            self._budget.spend_list(cif)
            stats.anaf_calls += 1
            answer = client.list_messages_page(cif, window[0], window[1], page)
            for message in answer.messages:
                messages[message.id] = message
            if page >= answer.total_pages:  # our own counter: ANAF's page index is unreliable
                break
            page += 1
        stats.listed = len(messages)
        return sorted(messages.values(), key=lambda m: (m.created_at, m.id))

    def _missing(self, cif: str, listed: list[AnafMessage], stats: RunStats) -> list[AnafMessage]:
        """The listed messages not archived yet, by their idempotency keys (100 per read)."""
        done = DocumentRepository.archived_messages(cif, [m.id for m in listed])
        pending = [m for m in listed if m.id not in done]
        stats.already = len(listed) - len(pending)
        return pending

    def _download_all(self, client: EFacturaClient, cif: str, pending: list[AnafMessage],
                      stats: RunStats, progress: ProgressWriter) -> tuple[datetime | None, bool]:
        """Archive the pending messages, oldest first, a few at a time; return the creation
        time of the oldest one that could not be archived (None when all are archived), and
        whether the run's slice (RUN_SLICE) ended it. Stops early when the Lambda's time, the
        slice or the per-minute call budget runs out."""
        failed: list[datetime] = []
        step = BATCH
        slice_end = self._now() + RUN_SLICE
        sliced = slice_over = False
        go_on = self._time_left_s() >= 30  # leave time to record the run
        with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
            for offset in range(0, len(pending), step):
                if not go_on:
                    sliced = slice_over
                    failed.append(pending[offset].created_at)
                    break
                batch = pending[offset:offset + step]
                progress.update(stats, attempting=_newest(batch))  # no write when already moved
                firsts = [progress.first_download(m) for m in batch]
                downloads = [pool.submit(self._one, client, cif, message, first=first)
                             for message, first in zip(batch, firsts, strict=True)]
                try:
                    for message, download in zip(batch, downloads, strict=True):
                        done = download.result()
                        if not done.archived:
                            failed.append(message.created_at)
                        stats.add(done)
                finally:
                    # The batch's PDFs, ten to a SendMessageBatch, also when a download raised:
                    # the batch's other downloads finish regardless, and what they recorded is
                    # asked for too (a raise releases the lease, so no later run would know).
                    # A worker killed before this leaves its invoices "pending": the next run
                    # asks for them (_ask_waiting_pdfs), and a rendered PDF queues its copy to
                    # the company's own bucket again (render worker).
                    wait(downloads)
                    recorded = [d.result().recorded for d in downloads
                                if d.exception() is None and d.result().recorded is not None]
                    queue_renders(self._queues, cif, recorded)
                    queue_deliveries(self._queues, cif, recorded)  # the company's own bucket, if any
                if any(error == "calls_per_minute" for error in stats.errors):
                    break  # the rest waits for the next run (soon: see _sync)
                slice_over = self._now() >= slice_end  # a slice always makes progress
                go_on = not slice_over and self._time_left_s() >= 30
                # the counts so far, and the mark moved over the next batch (when there is one
                # in this run) in the same write
                following = pending[offset + step:offset + 2 * step] if go_on else []
                progress.update(stats, attempting=_newest(following))
        return (min(failed) if failed else None), sliced

    def _one(self, client: EFacturaClient, cif: str, message: AnafMessage, *, first: bool) -> Downloaded:
        """Download and archive one message (runs in a pool thread); `first`: never downloaded
        before (see ProgressWriter.first_download)."""
        try:
            self._budget.spend_download(message.id, first=first)
            content = client.download(message.id).content
            archived = self._archiver.archive(cif, message, content)
        except AnafMessageExpired:
            return Downloaded(archived=True, calls=1, error="message_expired", lost=True)
        except InvalidAnafZip as error:
            return Downloaded(archived=False, calls=1, error=f"zip_{error.reason}")
        except BudgetExhausted as error:
            return Downloaded(archived=False, calls=0, error=error.what)
        except AnafError as error:
            if isinstance(error, (AnafAuthError, AnafDailyLimitReached)):
                raise  # the whole run stops: see _sync
            return Downloaded(archived=False, calls=1, error=error.code)
        return Downloaded(archived=True, calls=1, bytes=len(content), new=archived.new,
                          sk=archived.sk if archived.new else None, recorded=archived)

    def _ask_waiting_pdfs(self, cif: str, listed: list[AnafMessage], pending: list[AnafMessage]) -> None:
        """Ask again for the PDFs of the listed, archived documents still waiting for one (the
        dead run's window is this run's: it never moved the covered window)."""
        missing = {m.id for m in pending}
        archived = [document_sk(m.created_at, m.id) for m in listed if m.id not in missing]
        asked = queue_pending_renders(self._queues, cif, DocumentRepository.many(cif, archived))
        logger.info("a dead run's PDFs asked again", extra={"cif": cif, "renders": asked})

    # -- company state -------------------------------------------------------------------------

    def _window(self, company: Company, now: datetime) -> tuple[datetime, datetime]:
        return list_window(company.covered_until, now)

    def _activity(self, company: Company, stats: RunStats, result: str, now: datetime) -> Activity:
        """Adaptive polling's facts after this run (written with the lease's release)."""
        before = Activity(company.active_at, int(company.quiet_runs or 0))
        return after_run(before, now=now, found_new=stats.new > 0, complete=result == "complete",
                         manual_requested_at=company.manual_sync_requested_at)

    def _lease(self, cif: str, run_id: str) -> Company | None:
        now = self._now()
        return company_records.take_lease(cif, run_id, now, now + LEASE)

    def _release(self, cif: str, run_id: str, *, result: str, covered_until: datetime | None,
                 next_at: datetime | None, activity: Activity | None = None,
                 now: datetime | None = None) -> None:
        released = company_records.release_lease(cif, run_id, now=now or self._now(), result=result,
                                                 covered_until=covered_until,
                                                 anaf_unavailable=result == "anaf_unavailable", next_at=next_at,
                                                 activity=activity)
        if not released:
            logger.warning("lease lost before release", extra={"cif": cif})

    def _stop(self, company: Company, state: AuthorizationState) -> None:
        """ANAF refused the credential: its companies stop syncing until re-authorized."""
        if company.credential_id:
            mark_companies(company.credential_id, {company.cif}, state)

    def _backoff(self, company: Company) -> timedelta:
        failures = int(company.consecutive_failures or 0)
        return RETRY_LATER[min(failures, len(RETRY_LATER) - 1)]

    def _record(self, company: Company, run_id: str, reason: str, started: datetime,
                window: tuple[datetime, datetime], stats: RunStats, result: str) -> None:
        sync_runs.record(company.cif, run_id, reason=reason, started=started, finished=self._now(),
                         window=window, result=result, anaf_calls=stats.anaf_calls, listed=stats.listed,
                         new=stats.new, already=stats.already, failed=stats.failed, lost=stats.lost,
                         bytes_=stats.bytes, errors=stats.errors)

    def _announce(self, company: Company, run_id: str, new_sks: list[str]) -> None:
        """New documents: the notifier decides, per licence and preferences, who hears."""
        if licence_for(company.licence).new_document_emails is NewDocumentEmails.NONE:
            return
        self._queues.send("notify", {"type": "new_documents", "cif": company.cif, "run_id": run_id,
                                     "documents": new_sks[:500], "count": len(new_sks)})

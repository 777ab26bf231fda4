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
from concurrent.futures import ThreadPoolExecutor
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
from chalicelib.invoices.errors import InvalidAnafZip
from chalicelib.services import companies
from chalicelib.services.archiver import Archiver
from chalicelib.services.budget import BudgetExhausted, CallBudget
from chalicelib.services.credentials import (
    CredentialInvalid,
    CredentialMissing,
    CredentialVault,
    mark_companies,
)
from chalicelib.services.renders import queue_renders
from chalicelib.storage import companies as company_records
from chalicelib.storage import sync_runs
from chalicelib.storage.companies import Company
from chalicelib.storage.documents import DocumentRepository
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-sync", child=True)

HISTORY = timedelta(days=60)  # ANAF keeps messages this long
OVERLAP = timedelta(hours=1)  # ANAF's lists can show a message some minutes after its time
LEASE = timedelta(minutes=15)
# Downloads overlap with storage across threads (one thread's ANAF wait is another's S3 and
# DynamoDB work). ANAF limits calls per minute, not connections: the call budget meters them,
# whatever the concurrency. 8 stays under botocore's 10 pooled connections per client.
DOWNLOAD_THREADS = 8
RETRY_LATER = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))
# A run downloads for at most this long, then is due again at once: the next dispatch tick
# (every minute) queues it behind the companies due meanwhile, so a large first sync never
# keeps a small company waiting more than one dispatch interval for a worker.
RUN_SLICE = timedelta(seconds=50)
# The live counts of a running run ("în curs" on the dashboard) are written to the company at
# most once per this many archived messages or this much time, whichever comes first: one
# small conditional write, never one per message.
PROGRESS_EVERY_MESSAGES = 32
PROGRESS_EVERY = timedelta(seconds=5)


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
    (bounded: see PROGRESS_EVERY_MESSAGES and PROGRESS_EVERY); the lease's release removes them."""

    def __init__(self, cif: str, run_id: str, started: datetime, clock: Callable[[], datetime]) -> None:
        self._cif = cif
        self._run_id = run_id
        self._started = started
        self._now = clock
        self._written_at: datetime | None = None
        self._written_done = 0

    def update(self, stats: RunStats, *, force: bool = False) -> None:
        done = stats.new + stats.failed
        now = self._now()
        due = (force or self._written_at is None or done - self._written_done >= PROGRESS_EVERY_MESSAGES
               or now - self._written_at >= PROGRESS_EVERY)
        if not due:
            return
        company_records.record_progress(self._cif, self._run_id, {
            "started_at": self._started.isoformat(), "listed": stats.listed, "new": stats.new,
            "already": stats.already, "failed": stats.failed})
        self._written_at, self._written_done = now, done


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
                 lookup: CompanyLookup) -> None:
        self._vault = vault
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
        progress = ProgressWriter(cif, run_id, started, self._now)
        try:
            result, covered_until, next_at = self._sync(company, window, stats, progress)
        except BaseException:
            self._release(cif, run_id, result="error", covered_until=None, next_at=started + RETRY_LATER[0])
            raise
        self._record(company, run_id, reason, started, window, stats, result)
        self._release(cif, run_id, result=result, covered_until=covered_until, next_at=next_at)
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
        regular = now + licence_for(company.licence).sync_interval
        if not company.credential_id:
            return "not_authorized", None, None
        companies.refresh_if_stale(company, self._lookup, now)  # name, address, VAT status
        try:
            client = self._efactura(self._vault.token_for_run(company.credential_id))
            listed = self._list(client, company.cif, window, stats)
            pending = self._missing(company.cif, listed, stats)
            self._budget.expect(len(pending))  # leases no more calls than the run will make
            progress.update(stats, force=True)  # listed and already archived are known now
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
        return "complete", window[1], regular

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
        step = DOWNLOAD_THREADS * 4
        slice_end = self._now() + RUN_SLICE
        sliced = False
        with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
            for offset in range(0, len(pending), step):
                sliced = offset > 0 and self._now() >= slice_end  # a slice always makes progress
                if sliced or self._time_left_s() < 30:  # leave time to record the run
                    failed.append(pending[offset].created_at)
                    break
                batch = pending[offset:offset + step]
                for message, done in zip(batch, pool.map(lambda m: self._one(client, cif, m), batch), strict=True):
                    if not done.archived:
                        failed.append(message.created_at)
                    stats.add(done)
                progress.update(stats)
                if any(error == "calls_per_minute" for error in stats.errors):
                    break  # the rest waits for the next run (soon: see _sync)
        return (min(failed) if failed else None), sliced

    def _one(self, client: EFacturaClient, cif: str, message: AnafMessage) -> Downloaded:
        """Download and archive one message (runs in a pool thread)."""
        try:
            self._budget.spend_download(message.id)
            content = client.download(message.id).content
            archived = self._archiver.archive(cif, message, content)
            # Its PDF is asked for by the thread that recorded it, at once: a worker killed
            # later in the batch must not leave recorded invoices without a render request.
            queue_renders(self._queues, cif, [archived])
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
                          sk=archived.sk if archived.new else None)

    # -- company state -------------------------------------------------------------------------

    def _window(self, company: Company, now: datetime) -> tuple[datetime, datetime]:
        earliest = now - HISTORY + timedelta(minutes=10)
        start = company.covered_until - OVERLAP if company.covered_until else earliest
        return max(start, earliest), now - timedelta(seconds=30)

    def _lease(self, cif: str, run_id: str) -> Company | None:
        now = self._now()
        return company_records.take_lease(cif, run_id, now, now + LEASE)

    def _release(self, cif: str, run_id: str, *, result: str, covered_until: datetime | None,
                 next_at: datetime | None) -> None:
        released = company_records.release_lease(cif, run_id, now=self._now(), result=result,
                                                 covered_until=covered_until,
                                                 anaf_unavailable=result == "anaf_unavailable", next_at=next_at)
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

"""The integrity runs' repository (IntegrityRunModel), and the few reads of other aggregates the
check needs, each through the repository that owns them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.domain.integrity import KINDS, Problem, SyncWindow
from chalicelib.storage import companies, sync_runs
from chalicelib.storage.documents import Document, DocumentRepository
from chalicelib.storage.dynamodb_errors import saved_if, updated_if
from chalicelib.storage.models import IntegrityProblem, IntegrityRunModel

# What the services see of a run (they never import a pynamodb model themselves).
Run = IntegrityRunModel

ACTIVE_STATES = ("queued", "running")
# A run whose record has not moved for this long is taken as dead (its worker was killed and
# the message dead-lettered): a new run may start.
STALE_AFTER = timedelta(hours=2)


class RunInProgress(Exception):
    """Another run of the company is queued or running."""


def new_run_id(now: datetime) -> str:
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"


def latest(cif: str) -> IntegrityRunModel | None:
    for run in IntegrityRunModel.query(cif, scan_index_forward=False, limit=1, consistent_read=True):
        return run
    return None


def last_finished(cif: str) -> IntegrityRunModel | None:
    """The newest run that finished (a run queued or running since does not hide its report)."""
    for run in IntegrityRunModel.query(cif, filter_condition=IntegrityRunModel.state == "done",
                                       scan_index_forward=False, consistent_read=True, page_size=20):
        return run
    return None


def get(cif: str, run_id: str) -> IntegrityRunModel | None:
    try:
        return IntegrityRunModel.get(cif, run_id, consistent_read=True)
    except IntegrityRunModel.DoesNotExist:
        return None


def is_active(run: IntegrityRunModel, now: datetime) -> bool:
    return run.state in ACTIVE_STATES and (run.updated_at or run.created_at) > now - STALE_AFTER


def create(cif: str, reason: str, requested_by: str | None, now: datetime) -> IntegrityRunModel:
    """A queued run; RunInProgress while another is queued or running (and not stale)."""
    current = latest(cif)
    if current is not None and is_active(current, now):
        raise RunInProgress()
    run = IntegrityRunModel(cif=cif, run_id=new_run_id(now), state="queued", reason=reason,
                            requested_by=requested_by, created_at=now, updated_at=now)
    if not saved_if(run, IntegrityRunModel.run_id.does_not_exist()):
        raise RunInProgress()
    return run


@dataclass
class Progress:
    """What a run has found so far: saved with the cursor, so a resumed run goes on from it."""

    cursor: str | None
    part: int
    checked: int
    counted: dict[str, int]
    problem_count: int
    problems: list[Problem]


def progress_of(run: IntegrityRunModel) -> Progress:
    counted = {kind: int(n) for kind, n in _plain(run.counted).items()}
    problems = [Problem(code=p.code, sk=p.sk, message_id=p.message_id, number=p.number, kind=p.kind,
                        detail=p.detail) for p in (run.problems or [])]
    return Progress(run.cursor, int(run.part or 0), int(run.checked or 0), counted,
                    int(run.problem_count or 0), problems)


def take_lease(run: IntegrityRunModel, now: datetime, until: datetime) -> bool:
    """Claim the run for this worker; False while another worker holds it or it is finished."""
    return updated_if(run, [IntegrityRunModel.lease_until.set(until), IntegrityRunModel.updated_at.set(now)],
                      IntegrityRunModel.state.is_in(*ACTIVE_STATES)
                      & (IntegrityRunModel.lease_until.does_not_exist() | (IntegrityRunModel.lease_until < now)))


def release_lease(run: IntegrityRunModel) -> None:
    run.update(actions=[IntegrityRunModel.lease_until.remove()])


def save_progress(run: IntegrityRunModel, progress: Progress, now: datetime, *, started: bool = False) -> None:
    """Save the cursor with everything found up to it, in one write."""
    actions: list[Action] = [
        IntegrityRunModel.state.set("running"),
        IntegrityRunModel.part.set(progress.part),
        IntegrityRunModel.checked.set(progress.checked),
        IntegrityRunModel.counted.set(progress.counted),
        IntegrityRunModel.problem_count.set(progress.problem_count),
        IntegrityRunModel.problems.set([_problem_item(p) for p in progress.problems]),
        IntegrityRunModel.updated_at.set(now),
    ]
    actions.append(IntegrityRunModel.cursor.set(progress.cursor) if progress.cursor
                   else IntegrityRunModel.cursor.remove())
    if started:  # an invocation begins: counted; the run's start is its first invocation's
        actions.append(IntegrityRunModel.invocations.add(1))
        if run.started_at is None:
            actions.append(IntegrityRunModel.started_at.set(now))
    run.update(actions=actions)


def finish(run: IntegrityRunModel, progress: Progress, *, counters: dict[str, int], gaps: list[dict],
           period_from: datetime | None, period_to: datetime | None, trust_bundle_sha256: str,
           report_json_key: str, now: datetime) -> None:
    actions: list[Action] = [
        IntegrityRunModel.state.set("done"),
        IntegrityRunModel.finished_at.set(now),
        IntegrityRunModel.updated_at.set(now),
        IntegrityRunModel.checked.set(progress.checked),
        IntegrityRunModel.counted.set(progress.counted),
        IntegrityRunModel.problem_count.set(progress.problem_count),
        IntegrityRunModel.problems.set([_problem_item(p) for p in progress.problems]),
        IntegrityRunModel.counters.set(counters),
        IntegrityRunModel.gaps.set(gaps),
        IntegrityRunModel.trust_bundle_sha256.set(trust_bundle_sha256),
        IntegrityRunModel.report_json_key.set(report_json_key),
        IntegrityRunModel.pdf_status.set("pending"),
        IntegrityRunModel.lease_until.remove(),
    ]
    if period_from is not None:
        actions.append(IntegrityRunModel.period_from.set(period_from))
    if period_to is not None:
        actions.append(IntegrityRunModel.period_to.set(period_to))
    run.update(actions=actions)


def record_pdf(run: IntegrityRunModel, key: str | None, now: datetime) -> None:
    """The report's PDF is ready (key) or could not be rendered (None)."""
    if key is None:
        run.update(actions=[IntegrityRunModel.pdf_status.set("failed"), IntegrityRunModel.updated_at.set(now)])
        return
    run.update(actions=[IntegrityRunModel.pdf_status.set("ready"), IntegrityRunModel.report_pdf_key.set(key),
                        IntegrityRunModel.updated_at.set(now)])


def fail(run: IntegrityRunModel, now: datetime) -> None:
    run.update(actions=[IntegrityRunModel.state.set("failed"), IntegrityRunModel.finished_at.set(now),
                        IntegrityRunModel.updated_at.set(now), IntegrityRunModel.lease_until.remove()])


def problems_of(run: IntegrityRunModel) -> list[Problem]:
    return progress_of(run).problems


# -- reads of other aggregates, through their repositories ---------------------------------------

def iter_documents(cif: str, after_sk: str | None) -> Iterator[Document]:
    """The company's documents in sort-key order after the cursor, superseded ones too."""
    return DocumentRepository.every(cif, after_sk)


def company_counters(cif: str) -> dict[str, int]:
    return companies.document_counters(cif, KINDS)


def company_name(cif: str) -> str:
    company = companies.get(cif)
    return str(company.name) if company else cif


def covered_until(cif: str) -> datetime | None:
    company = companies.get(cif)
    return company.covered_until if company else None


def sync_windows(cif: str) -> Iterator[SyncWindow]:
    """The company's sync runs, oldest first, as the windows they listed."""
    for run in sync_runs.oldest_first(cif):
        if run.window_start is None or run.window_end is None:
            continue
        yield SyncWindow(run.window_start, run.window_end, run.result, int(run.lost or 0), run.started_at)


def companies_with_documents(after: str | None = None) -> Iterator[str]:
    return companies.with_documents(after)


def _problem_item(problem: Problem) -> IntegrityProblem:
    return IntegrityProblem(code=problem.code, sk=problem.sk, message_id=problem.message_id,
                            number=problem.number, kind=problem.kind, detail=problem.detail)


def _plain(value: Any) -> dict:
    if value is None:
        return {}
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)

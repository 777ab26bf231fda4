"""JSON views of the integrity check (services/integrity.py) for the API."""

from __future__ import annotations

from typing import Any

from chalicelib.api.views import iso
from chalicelib.domain import integrity as rules
from chalicelib.services import integrity
from chalicelib.storage import integrity as runs


def run_view(run: runs.Run) -> dict[str, Any]:
    problems = runs.problems_of(run)
    counted = {k: int(v) for k, v in _plain(run.counted).items()}
    counters = {k: int(v) for k, v in _plain(run.counters).items()}
    gaps = [_gap(_plain(gap)) for gap in (run.gaps or [])]
    done = run.state == "done"
    return {
        "run_id": run.run_id, "state": run.state, "reason": run.reason,
        "created_at": iso(run.created_at), "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
        "documents_checked": int(run.checked or 0),
        "all_good": done and int(run.problem_count or 0) == 0 and not gaps,
        "problem_count": int(run.problem_count or 0),
        "problems": [integrity.problem_view(p) for p in problems],
        "counters": counters if done else None, "counted": counted,
        "gaps": [{**gap, "explanation": rules.gap_explanation(gap)} for gap in gaps],
        "period": {"from": iso(run.period_from), "to": iso(run.period_to)},
        "trust_bundle_sha256": run.trust_bundle_sha256,
        "reports": {"json": done and bool(run.report_json_key), "pdf": done and run.pdf_status == "ready"},
        "pdf_status": run.pdf_status,
    }


def _plain(value: Any) -> dict:
    if value is None:
        return {}
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def _gap(gap: dict) -> dict[str, Any]:
    """A stored gap; its count comes back from DynamoDB as a number of any kind."""
    return {key: int(value) if key == "count" else str(value) for key, value in gap.items()}

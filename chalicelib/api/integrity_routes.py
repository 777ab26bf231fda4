"""The integrity check's routes ("Integritatea arhivei"; a Chalice Blueprint, app.py registers
it): the last run, "Verifică acum", and the report downloads. Routes only.

Every route starts with the caller's token and their ACTIVE membership (404 for anyone else)."""

from __future__ import annotations

import functools
from typing import Any

from chalice import Blueprint, Response

from chalicelib import dependencies
from chalicelib.api import routing
from chalicelib.api.views import iso
from chalicelib.domain import integrity as rules
from chalicelib.domain.errors import ArhivarError
from chalicelib.services import integrity
from chalicelib.storage import integrity as runs
from chalicelib.storage.models import IntegrityRunModel

integrity_routes = Blueprint(__name__)
route = functools.partial(routing.route, integrity_routes)
REPORT_FORMATS = ("json", "pdf")


class InvalidReportFormat(ArhivarError):
    code = "invalid_format"
    status = 400
    message_ro = "Formatul raportului poate fi json sau pdf."


def _user_id() -> str:
    request = routing.current_request(integrity_routes)
    return dependencies.access_tokens().verify(request.headers.get("authorization")).user_id


def _ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


@route("/api/companies/{cif}/integrity", "GET")
def last_integrity_run(cif: str) -> Response:
    run = integrity.last_run(_user_id(), cif)
    return _ok({"run": run_view(run) if run is not None else None})


@route("/api/companies/{cif}/integrity", "POST")
def start_integrity_run(cif: str) -> Response:
    run = integrity.start(_user_id(), cif, dependencies.work_queues(), dependencies.now())
    return _ok({"run": run_view(run)}, status=202)


@route("/api/companies/{cif}/integrity/report", "GET")
def integrity_report(cif: str) -> Response:
    user_id = _user_id()
    params: dict[str, str] = dict(routing.current_request(integrity_routes).query_params or {})
    fmt = params.get("format", "pdf")
    if fmt not in REPORT_FORMATS:
        raise InvalidReportFormat(details={"field": "format"})
    key, filename = integrity.report_key(user_id, cif, fmt)
    url = dependencies.archive().download_url(key, filename, integrity.REPORT_URL_TTL_S)
    return _ok({"url": url, "filename": filename, "expires_in": integrity.REPORT_URL_TTL_S})


def run_view(run: IntegrityRunModel) -> dict[str, Any]:
    problems = runs.problems_of(run)
    counted = {k: int(v) for k, v in _plain(run.counted).items()}
    counters = {k: int(v) for k, v in _plain(run.counters).items()}
    gaps = [dict(_plain(gap)) for gap in (run.gaps or [])]
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

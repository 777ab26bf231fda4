"""The integrity report's PDF (services/integrity.py writes the JSON it is made from): what an
accountant hands to a tax inspector. Romanian, with the company, the period, the counts by type,
the problems, the gaps, the JSON report's own SHA-256 and the originals' SHA-256 with their
signature verdicts: all of them up to PDF_DOCUMENTS_LISTED, the first that many beyond (the JSON,
which the PDF's fingerprint of it ties to the PDF, lists every one). A table row costs WeasyPrint
about 3 ms and 100 KB of layout even with a fixed table layout, so a 50 000-document archive
listed whole would outgrow the render function's time and memory.

Same safety as the invoice renderer: autoescaped Jinja, the bundled-assets-only URL fetcher, a
wall-clock limit (renderer.time_limit)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from chalicelib.invoices.pdf.fetcher import AssetFetcher
from chalicelib.invoices.pdf.renderer import BASE_URL, TEMPLATES, RenderTimeout, time_limit

KIND_LABELS = {"received": "Facturi primite", "sent": "Facturi trimise", "error": "Mesaje de eroare",
               "buyer_message": "Mesaje ale cumpărătorului", "unknown": "Alte documente"}
SIGNATURE_LABELS = {"valid": "validă", "invalid": "invalidă", "unknown": "neverificabilă", None: "—"}
REASON_LABELS = {"manual": "pornită manual", "schedule": "lunară (programată)"}
ROMANIA = ZoneInfo("Europe/Bucharest")  # the report's dates are Romania's
TIMEOUT_S = 100.0  # the render function runs 120 s
PDF_DOCUMENTS_LISTED = 2000  # ~40 pages, ~7 s and ~300 MB to render (bench `integrity`)

_lock = threading.Lock()


def render_integrity_report(report: dict[str, Any], json_sha256: str, timeout_s: float = TIMEOUT_S,
                            listed: int = PDF_DOCUMENTS_LISTED) -> bytes:
    """The PDF of a JSON integrity report (`json_sha256`: the SHA-256 of the JSON file's bytes).
    Raises on failure (the caller records it)."""
    fetcher = AssetFetcher()
    fonts = FontConfiguration()
    css = CSS(string=(TEMPLATES / "integrity.css").read_text("utf-8"), base_url=BASE_URL, url_fetcher=fetcher,
              font_config=fonts)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, auto_reload=False)
    html = environment.get_template("integrity.html.j2").render(v=report_view(report, json_sha256, listed))
    try:
        with _lock, time_limit(timeout_s):
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
                stylesheets=[css], font_config=fonts, presentational_hints=False)
            return document.write_pdf()
    except RenderTimeout as error:  # a BaseException: make it an ordinary failure
        raise TimeoutError(f"the integrity report took longer than {timeout_s} s") from error


def report_view(report: dict[str, Any], json_sha256: str, listed: int = PDF_DOCUMENTS_LISTED) -> dict[str, Any]:
    """Everything the template shows, already worded and formatted (Romanian)."""
    documents = report.get("documents") or []
    counted, shown = report.get("counts_by_kind") or {}, report.get("counters") or {}
    all_good = bool(report.get("all_good"))
    problem_count = int(report.get("problem_count") or 0)
    gaps = report.get("gaps") or []
    if all_good:
        checked = _amount(int(report.get("documents_checked") or 0), "document verificat", "documente verificate")
        verdict = f"Arhiva este completă și nealterată: {checked}, nicio problemă."
    else:
        problems = _amount(problem_count, "problemă", "probleme")
        holes = _amount(len(gaps), "interval lipsă", "intervale lipsă")
        verdict = f"Verificarea a găsit {problems} și {holes} (detaliate mai jos)."
    period = report.get("period") or {}
    run = report.get("run") or {}
    return {
        "cif": report["company"]["cif"], "company_name": report["company"].get("name") or "",
        "period": f"{_date(period.get('from'))} – {_date(period.get('to'))}",
        "reason": REASON_LABELS.get(str(run.get("reason")), ""), "run_id": run.get("id", ""),
        "started": _moment(run.get("started_at")), "finished": _moment(run.get("finished_at")),
        "all_good": all_good, "verdict": verdict, "problem_count": problem_count,
        "trust_bundle": (report.get("trust_bundle") or {}).get("sha256", ""),
        "counts": [{"label": label, "counted": int(counted.get(kind, 0)), "shown": int(shown.get(kind, 0))}
                   for kind, label in KIND_LABELS.items()]
                  + [{"label": "Total", "counted": sum(int(n) for n in counted.values()),
                      "shown": int(shown.get("total", 0))}],
        "problems": [{"document": p.get("number") or p.get("message_id") or "compania",
                      "kind": KIND_LABELS.get(p.get("kind") or "", p.get("kind") or ""),
                      "explanation": p.get("explanation", ""), "detail": p.get("detail")}
                     for p in report.get("problems") or []],
        "problems_truncated": bool(report.get("problems_truncated")),
        "gaps": [gap.get("explanation", "") for gap in gaps],
        "documents": [{"date": (d.get("issue_date") or _date_of_sk(d.get("sk"))),
                       "number": d.get("number") or d.get("message_id") or "",
                       "kind": KIND_LABELS.get(d.get("kind") or "", d.get("kind") or ""),
                       "sha256": d.get("sha256") or "lipsește",
                       "signature": SIGNATURE_LABELS.get(d.get("signature"), str(d.get("signature"))),
                       "retain_until": _date(d.get("retain_until"))}
                      for d in documents[:listed]],
        "json_sha256": json_sha256,
        "documents_note": _documents_note(len(documents), listed),
    }


def _documents_note(total: int, listed: int) -> str | None:
    """Why the PDF lists fewer documents than the archive holds (None when it lists them all)."""
    if total <= listed:
        return None
    return (f"Sunt listate primele {_amount(listed, 'document', 'documente')} din {total}, "
            "de la cel mai vechi. Amprentele SHA-256 și verdictele semnăturii tuturor documentelor se află în "
            "raportul JSON al acestei verificări, a cărui amprentă SHA-256 este scrisă la începutul "
            "acestui raport.")


def _amount(n: int, one: str, many: str) -> str:
    """"1 problemă", "5 probleme", "20 de probleme" (Romanian plural)."""
    if n == 1:
        return f"1 {one}"
    return f"{n} {many}" if n == 0 or 0 < n % 100 < 20 else f"{n} de {many}"


def _date(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(ROMANIA).strftime("%d.%m.%Y")


def _moment(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(ROMANIA).strftime("%d.%m.%Y %H:%M")


def _date_of_sk(sk: str | None) -> str:
    """"created#202611301015#…" → "30.11.2026"."""
    stamp = (sk or "").split("#")[1] if (sk or "").count("#") >= 2 else ""
    return f"{stamp[6:8]}.{stamp[4:6]}.{stamp[0:4]}" if len(stamp) >= 8 else "—"

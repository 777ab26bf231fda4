"""The integrity report's PDF for a large archive: a bounded list of fingerprints, the JSON report's
own SHA-256 tying the PDF to the complete list, and every SHA-256 whole on its line."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from chalicelib.invoices.pdf.integrity_report import render_integrity_report


def _report(documents: int) -> dict:
    return {
        "company": {"cif": "14399840", "name": "Exemplu Arhivă SRL"},
        "period": {"from": "2026-10-01T00:00:00+00:00", "to": "2026-12-01T00:00:00+00:00"},
        "run": {"id": "20261201100000ab", "reason": "manual", "started_at": "2026-12-01T10:00:00+00:00",
                "finished_at": "2026-12-01T10:05:00+00:00"},
        "all_good": True, "problem_count": 0, "documents_checked": documents,
        "counts_by_kind": {"received": documents}, "counters": {"received": documents, "total": documents},
        "gaps": [], "problems": [], "trust_bundle": {"sha256": "0" * 64},
        "documents": [{"sk": f"created#2026112010{n:02d}#{5000000000 + n}", "message_id": str(5000000000 + n),
                       "number": f"EXEMPLU-FACTURA-CU-NUMAR-LUNG-{n:04d}", "kind": "received",
                       "sha256": hashlib.sha256(str(n).encode()).hexdigest(), "signature": "valid",
                       "retain_until": "2037-01-01T00:00:00+00:00"} for n in range(documents)],
    }


def _lines(pdf: bytes) -> list[str]:
    return [line for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]


def test_a_large_archive_lists_the_first_documents_and_quotes_the_json_reports_fingerprint():
    report, json_sha256 = _report(5), "f" * 64
    lines = _lines(render_integrity_report(report, json_sha256, listed=3))
    text = " ".join(lines)
    # The PDF quotes the JSON report's SHA-256, whole on one line
    assert any(json_sha256 in line for line in lines)
    listed = [d["sha256"] for d in report["documents"]]
    for sha256 in listed[:3]:  # each fingerprint whole on its table row, beside its verdict
        assert any(sha256 in line and "validă" in line for line in lines), sha256
    for sha256 in listed[3:]:
        assert sha256 not in text.replace(" ", "")
    assert "Sunt listate primele 3 documente din 5" in text


def test_a_small_archive_lists_every_document_without_a_note():
    report = _report(4)
    lines = _lines(render_integrity_report(report, "a" * 64, listed=4))
    text = " ".join(lines)
    assert all(any(d["sha256"] in line for line in lines) for d in report["documents"])
    assert "Sunt listate primele" not in text


def test_markup_in_the_reports_fields_is_printed_as_text():
    # The JSON report carries ANAF's and users' strings (names, numbers, problems): escaped.
    report = _report(1)
    report["company"]["name"] = '<b>Exemplu</b> <img src="https://atacator.example/x">'
    report["documents"][0]["number"] = "<i>F-1</i>"
    report["problems"] = [{"number": "<u>F-2</u>", "kind": "received", "explanation": "<script>x()</script>"}]
    report["all_good"], report["problem_count"] = False, 1
    text = " ".join(_lines(render_integrity_report(report, "c" * 64, listed=1)))
    for markup in ("<b>Exemplu</b>", "<i>F-1</i>", "<u>F-2</u>", "<script>x()</script>"):
        assert markup in text, markup

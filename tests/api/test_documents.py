"""The Documents page's API against a real archive: a sandbox company synced in-process, then
listed page by page, filtered, opened, downloaded and exported as a person would.

The company is the first of the all-seeing certificate's list (test_sync's soak test, which
tolerates an archive that already exists, takes that one too).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import requests

from chalicelib import dependencies
from chalicelib.domain.romanian_time import ROMANIA
from chalicelib.domain.search_text import fold
from chalicelib.services.documents import LINES_PAGE_DEFAULT, LINES_PAGE_MAX
from chalicelib.storage.models import DocumentModel
from chalicelib.topology import queue
from functions.build_export import handler as export_handler
from local.mailbox import sent_mail
from local.runtime import QueuePoller
from tests.api.conftest import authorize, sign_up
from tests.invoices.builders import invoice_xml


@dataclass
class Archive:
    user: object
    cif: str
    documents: list[DocumentModel]  # newest first, as the list shows them

    def by_id(self, message_id: str) -> DocumentModel:
        return next(d for d in self.documents if d.message_id == message_id)


def sync_company(base_url: str, sandbox_url: str) -> Archive:
    """A user with an active membership on a synced sandbox company (reused by the browser test)."""
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    rad = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))
    cif = rad["cifs"][0]
    user = sign_up(base_url)
    assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201
    assert authorize(user, cif, rad["serial"])["anaf"] in ("connected", "proven")
    outcome = dependencies.company_sync(lambda: 900.0).run(cif, "test")
    assert outcome.result in ("complete", "partial"), outcome
    documents = sorted(DocumentModel.query(cif, consistent_read=True), key=lambda d: d.sk, reverse=True)
    return Archive(user, cif, documents)


@pytest.fixture(scope="module")
def archive(local_stack, base_url) -> Archive:
    found = sync_company(base_url, local_stack.ports.sandbox_url)
    assert len(found.documents) > 25, "the sandbox company should have a few pages of documents"
    return found


def listing(archive: Archive, **params) -> requests.Response:
    return archive.user.call("GET", f"/companies/{archive.cif}/documents", params=params)


def every_page(archive: Archive, **params) -> tuple[list[str], list[dict]]:
    """All pages of a filter (following next_cursor, partial pages included)."""
    ids: list[str] = []
    pages = []
    cursor = None
    while True:
        answer = listing(archive, **params, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page)
        ids += [d["message_id"] for d in page["documents"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, pages
        assert len(pages) < 200


def error_code(answer: requests.Response) -> str:
    return answer.json()["error"]["code"]


# -- paging ------------------------------------------------------------------------------------

def test_pages_forward_then_back_are_stable_without_duplicates_or_gaps(archive):
    # GIVEN the archive WHEN paging forward 10 at a time
    ids, pages = every_page(archive, page_size="10")
    # THEN every document appears once, newest first, and the total is exact
    assert ids == [d.message_id for d in archive.documents]
    assert all(len(p["documents"]) == 10 for p in pages[:-1])
    assert pages[0]["total"] == {"value": len(archive.documents), "exact": True}
    assert pages[0]["prev_cursor"] is None and pages[-1]["next_cursor"] is None
    first = pages[0]["documents"][0]
    assert set(first) >= {"created_at", "partner", "number", "kind", "issue_date", "total", "currency",
                          "signature_status", "pdf_status", "message_id"}

    # WHEN going back from the last page with prev cursors THEN the same pages come back
    back = [pages[-1]]
    cursor = pages[-1]["prev_cursor"]
    while cursor:
        page = listing(archive, page_size="10", cursor=cursor, direction="prev").json()
        back.append(page)
        cursor = page["prev_cursor"]
    assert [[d["message_id"] for d in p["documents"]] for p in reversed(back)] == \
           [[d["message_id"] for d in p["documents"]] for p in pages]


def test_page_sizes_are_10_25_50_or_100(archive):
    for size in ("10", "25", "50", "100"):
        assert len(listing(archive, page_size=size).json()["documents"]) == min(int(size), len(archive.documents))
    for bad in ("7", "0", "1000", "abc", "-10"):
        answer = listing(archive, page_size=bad)
        assert answer.status_code == 400 and error_code(answer) == "invalid_page_size"
        assert "10, 25, 50 sau 100" in answer.json()["error"]["message"]


# -- filters -------------------------------------------------------------------------------------

def expect(archive: Archive, keep) -> set[str]:
    return {d.message_id for d in archive.documents if keep(d)}


def created_day(document: DocumentModel) -> date:
    return document.created_at.astimezone(ROMANIA).date()


def test_type_filter_uses_the_exact_per_type_count(archive):
    for kind in ("received", "sent", "error", "buyer_message"):
        ids, pages = every_page(archive, type=kind, page_size="25")
        assert set(ids) == expect(archive, lambda d, kind=kind: d.kind == kind) and len(ids) == len(set(ids))
        assert pages[0]["total"] == {"value": len(ids), "exact": True}
        assert all(not p["partial"] for p in pages)  # a key condition: no read budget involved


def test_an_index_page_shows_the_whole_documents_like_the_unfiltered_list(archive):
    # The list's indexes copy only the filtered attributes: an index page batch-gets the items.
    unfiltered = {d["message_id"]: d for d in every_page(archive, page_size="100")[1][0]["documents"]}
    for params in ({"type": "received"}, {"type": "sent"}, {"partner_cif": archive.documents[0].partner_cif or ""},
                   {"number": (next(d.number for d in archive.documents if d.number) or "")[:2].lower()}):
        _, pages = every_page(archive, page_size="10", **params)
        shown = [d for page in pages for d in page["documents"]]
        assert shown, params
        for document in shown:
            assert document == unfiltered[document["message_id"]], params


def test_creation_and_issue_date_ranges(archive):
    days = sorted({created_day(d) for d in archive.documents})
    start, end = days[len(days) // 4], days[3 * len(days) // 4]
    ids, pages = every_page(archive, created_from=start.isoformat(), created_to=end.isoformat())
    assert set(ids) == expect(archive, lambda d: start <= created_day(d) <= end)
    assert pages[0]["order"] == "created"

    issued = sorted({d.issue_date for d in archive.documents if d.issue_date})
    low, high = issued[len(issued) // 3], issued[2 * len(issued) // 3]
    ids, pages = every_page(archive, issued_from=low, issued_to=high)
    assert set(ids) == expect(archive, lambda d: d.issue_date and low <= d.issue_date <= high)
    assert pages[0]["order"] == "issued"
    ordered = [archive.by_id(i).issue_date for i in ids]
    assert ordered == sorted(ordered, reverse=True)
    # both ranges and a type at once
    ids, _ = every_page(archive, type="received", issued_from=low, created_from=start.isoformat())
    assert set(ids) == expect(archive, lambda d: d.kind == "received" and d.issue_date and d.issue_date >= low
                              and created_day(d) >= start)


def test_partner_by_cif_or_by_name_without_diacritics(archive):
    invoice = next(d for d in archive.documents if d.partner_cif and d.partner_name)
    ids, pages = every_page(archive, partner=f"RO {invoice.partner_cif}")
    assert set(ids) == expect(archive, lambda d: d.partner_cif == invoice.partner_cif)
    assert pages[0]["total"]["exact"] is True

    word = max(invoice.partner_name.split(), key=len)
    typed = fold(word).upper()  # "Ștefănescu" typed as "STEFANESCU"
    ids, _ = every_page(archive, partner=typed, page_size="10")
    assert set(ids) == expect(archive, lambda d: fold(word) in fold(f"{d.partner_name} {d.partner_cif}"))


def test_number_prefix_amount_range_and_free_text(archive):
    invoice = next(d for d in archive.documents if d.number and len(d.number) > 3)
    prefix = invoice.number[: len(invoice.number) - 1].lower()
    ids, pages = every_page(archive, number=prefix)
    assert invoice.message_id in ids
    assert set(ids) == expect(archive, lambda d: d.number and fold(d.number).replace(" ", "").startswith(
        fold(prefix).replace(" ", "")))
    assert pages[0]["order"] == "number"

    amounts = sorted(Decimal(d.total) for d in archive.documents if d.total)
    low, high = amounts[len(amounts) // 4], amounts[len(amounts) // 2]
    def romanian(value: Decimal) -> str:
        return format(value, "f").replace(".", ",")  # "1234.5" is ambiguous; "1234,5" is not
    ids, _ = every_page(archive, amount_min=romanian(low), amount_max=romanian(high))
    assert set(ids) == expect(archive, lambda d: d.total and low <= Decimal(d.total) <= high)

    with_lines = next(d for d in archive.documents if d.line_names)
    word = max(with_lines.line_names[0].split(), key=len)
    ids, _ = every_page(archive, q=fold(word).upper())
    assert with_lines.message_id in ids
    assert set(ids) == expect(archive, lambda d: fold(word) in fold(" ".join(
        [d.partner_name or "", d.partner_cif or "", d.number or "", *(d.line_names or [])])))


def test_a_filtered_page_reads_a_bounded_number_of_documents(archive):
    # GIVEN a free-text filter that matches nothing WHEN asking for a page of 10
    answer = listing(archive, q="zzzz-nimic-asemanator", page_size="10").json()
    # THEN the page reads at most 5 × 10 documents and says how to continue
    assert answer["documents"] == []
    if len(archive.documents) > 50:
        assert answer["partial"] is True and answer["next_cursor"]
        ids, _ = every_page(archive, q="zzzz-nimic-asemanator", page_size="10")
        assert ids == []
    assert answer["total"] == {"value": 0, "exact": len(archive.documents) <= 1000}


# -- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "code"), [
    ({"created_from": "2026-13-01"}, "invalid_date"),
    ({"issued_to": "31.12.2026"}, "invalid_date"),
    ({"created_from": "2026-02-30"}, "invalid_date"),
    ({"created_from": "2026-07-10", "created_to": "2026-07-01"}, "invalid_range"),
    ({"issued_from": "2026-07-10", "issued_to": "2026-07-01"}, "invalid_range"),
    ({"amount_min": "100", "amount_max": "10"}, "invalid_range"),
    ({"amount_min": "o sută"}, "invalid_amount"),
    ({"type": "factura"}, "invalid_filter"),
    ({"direction": "sideways"}, "invalid_filter"),
    ({"q": "x" * 101}, "invalid_filter"),
])
def test_bad_filters_are_400_with_a_stable_code_and_a_romanian_message(archive, params, code):
    answer = listing(archive, **params)
    assert answer.status_code == 400, answer.text
    assert error_code(answer) == code
    assert answer.json()["error"]["message"]


def test_a_tampered_or_foreign_cursor_is_refused(archive):
    page = listing(archive, page_size="10").json()
    cursor = page["next_cursor"]
    body, mac = cursor.split(".")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    for bad in (f"{flipped}.{mac}", f"{body}.{mac[:-2]}xx", "garbage", "a.b.c", cursor + "x"):
        answer = listing(archive, page_size="10", cursor=bad)
        assert answer.status_code == 400 and error_code(answer) == "invalid_cursor", bad
    # a real cursor, but of another filter
    answer = listing(archive, page_size="10", cursor=cursor, type="received")
    assert answer.status_code == 400 and error_code(answer) == "invalid_cursor"


def test_another_company_sees_nothing(archive, base_url, fresh_cif, proven_company):
    # GIVEN a stranger with a (proven) company of their own
    stranger = sign_up(base_url)
    own = fresh_cif()
    proven_company(stranger, own)
    document = archive.documents[0]
    # THEN our company's list, documents and files answer 404
    for path in (f"/companies/{archive.cif}/documents", f"/companies/{archive.cif}/documents/{document.message_id}",
                 f"/companies/{archive.cif}/documents/{document.message_id}/download?format=xml"):
        answer = stranger.call("GET", path)
        assert answer.status_code == 404 and error_code(answer) == "company_not_found"
    # AND our document id under their own company is no document of theirs
    for path in (f"/companies/{own}/documents/{document.message_id}",
                 f"/companies/{own}/documents/{document.message_id}/download?format=original"):
        answer = stranger.call("GET", path)
        assert answer.status_code == 404 and error_code(answer) == "document_not_found"
    assert stranger.call("GET", f"/companies/{own}/documents").json()["documents"] == []
    assert archive.user.call("GET", f"/companies/{archive.cif}/documents/99999999999").status_code == 404


# -- detail and downloads --------------------------------------------------------------------------

def test_the_detail_has_the_parsed_invoice_or_the_messages(archive):
    invoice = next(d for d in archive.documents if d.kind == "received" and d.parse_status == "ok")
    answer = archive.user.call("GET", f"/companies/{archive.cif}/documents/{invoice.message_id}")
    assert answer.status_code == 200, answer.text
    detail = answer.json()["document"]
    assert detail["number"] == invoice.number and detail["original_sha256"] == invoice.original_sha256
    parsed = detail["invoice"]
    assert parsed["number"] == invoice.number and parsed["lines"] and parsed["lines"][0]["name"]
    assert parsed["supplier"]["cif"] == invoice.partner_cif and parsed["totals"]["payable"] == invoice.total
    error = next((d for d in archive.documents if d.kind == "error"), None)
    if error is not None:
        detail = archive.user.call("GET", f"/companies/{archive.cif}/documents/{error.message_id}").json()["document"]
        assert detail["invoice"] is None and detail["messages"] == list(error.messages)


def test_the_list_marks_credit_notes_and_says_anafs_text_for_errors_and_messages(archive):
    """The list carries what its type column and its text need: the invoice type code, the
    first line of ANAF's text for errors and buyer messages, and no partner on an error (the
    company itself uploaded the invoice ANAF refused)."""
    _, pages = every_page(archive)
    listed = {d["message_id"]: d for page in pages for d in page["documents"]}
    assert len(listed) == len(archive.documents)
    invoices = [d for d in archive.documents if d.kind in ("received", "sent") and d.parse_status == "ok"]
    assert invoices and all(listed[d.message_id]["type_code"] in ("380", "381", "384", "389") for d in invoices)
    assert all(listed[d.message_id]["anaf_text"] is None for d in invoices)
    credit_notes = [d for d in invoices if d.document_type == "credit_note"]
    assert credit_notes, "the sandbox issues about one credit note in ten"
    texts = [d for d in archive.documents if d.kind in ("error", "buyer_message") and d.messages]
    assert texts, "the sandbox company has errors or buyer messages"
    for document in texts:
        shown = listed[document.message_id]
        first = next(line.strip() for m in document.messages for line in m.splitlines() if line.strip())
        assert shown["anaf_text"] == first[:300]
        assert shown["partner"]["cif"] != archive.cif
    assert all(listed[d.message_id]["partner"] == {"name": None, "cif": None}
               for d in archive.documents if d.kind == "error" and d.partner_cif == archive.cif)


def large_invoice_xml(lines: int) -> bytes:
    """A CIUS-RO invoice with this many lines (each with a long, diacritic name)."""
    xml = invoice_xml().decode("utf-8")
    line = re.search(r"<cac:InvoiceLine>.*</cac:InvoiceLine>", xml, re.DOTALL).group(0)
    many = "\n".join(line.replace("<cbc:ID>1</cbc:ID>", f"<cbc:ID>{i}</cbc:ID>", 1)
                     .replace("Consultanță", f"Articol {i}: țeavă zincată livrată conform contractului")
                     for i in range(1, lines + 1))
    return xml.replace(line, many).encode("utf-8")


def archive_large_invoice(archive: Archive, message_id: str, lines: int) -> DocumentModel:
    """A copy of the newest parsed invoice whose XML has this many lines (the caller deletes it)."""
    model = next(d for d in archive.documents if d.kind == "received" and d.parse_status == "ok")
    big = DocumentModel(**{name: getattr(model, name) for name in DocumentModel.get_attributes()})
    big.message_id = message_id
    big.sk = model.sk.replace(model.message_id, message_id)
    big.xml_key = model.xml_key.replace(model.message_id, message_id)
    dependencies.archive().put(big.xml_key, large_invoice_xml(lines), "application/xml")
    big.save()
    return big


def test_a_15000_line_invoice_comes_in_bounded_pages_of_lines(archive):
    # GIVEN an archived invoice with 15 000 lines (3.7 MB of JSON if answered whole)
    message_id = "990000000001"
    big = archive_large_invoice(archive, message_id, 15_000)
    try:
        url = f"/companies/{archive.cif}/documents/{message_id}"
        # WHEN the detail is opened without paging parameters
        first = archive.user.call("GET", url)
        # THEN it carries the first page of lines, the count, and where the next page starts
        assert first.status_code == 200, first.text
        assert len(first.content) < 200_000
        invoice = first.json()["document"]["invoice"]
        assert invoice["line_count"] == 15_000
        assert invoice["lines_offset"] == 0 and len(invoice["lines"]) == LINES_PAGE_DEFAULT
        assert invoice["lines_next_offset"] == LINES_PAGE_DEFAULT
        assert invoice["lines"][0]["id"] == "1" and "țeavă" in invoice["lines"][0]["name"]
        # WHEN the pages are followed to the end, at the largest page size
        seen = [line["id"] for line in invoice["lines"]]
        offset, pages = invoice["lines_next_offset"], 1
        while offset is not None:
            page = archive.user.call("GET", url, params={"lines_offset": offset,
                                                         "lines_limit": LINES_PAGE_MAX})
            assert page.status_code == 200, page.text
            assert len(page.content) < 1_000_000  # far below Lambda's 6 MB
            invoice = page.json()["document"]["invoice"]
            assert invoice["lines_offset"] == offset and len(invoice["lines"]) <= LINES_PAGE_MAX
            seen += [line["id"] for line in invoice["lines"]]
            offset, pages = invoice["lines_next_offset"], pages + 1
        # THEN every line came exactly once, in order
        assert seen == [str(i) for i in range(1, 15_001)]
        assert pages == 1 + -(-(15_000 - LINES_PAGE_DEFAULT) // LINES_PAGE_MAX)
        # AND an offset past the end is an empty page, not an error
        past = archive.user.call("GET", url, params={"lines_offset": 20_000}).json()["document"]["invoice"]
        assert past["lines"] == [] and past["lines_next_offset"] is None and past["line_count"] == 15_000
    finally:
        big.delete()


@pytest.mark.parametrize("params", [
    {"lines_limit": "0"}, {"lines_limit": str(LINES_PAGE_MAX + 1)}, {"lines_offset": "-1"},
    {"lines_offset": "unu"}, {"lines_limit": "1.5"}, {"lines_offset": "٣"}, {"lines_offset": "9" * 40},
])
def test_bad_line_pages_are_400_with_a_stable_code(archive, params):
    invoice = next(d for d in archive.documents if d.kind == "received" and d.parse_status == "ok")
    answer = archive.user.call("GET", f"/companies/{archive.cif}/documents/{invoice.message_id}",
                               params=params)
    assert answer.status_code == 400, answer.text
    assert error_code(answer) == "invalid_lines_page"
    assert "lines_limit" in answer.json()["error"]["message"]


def test_xml_and_original_downloads_are_the_archived_files(archive):
    invoice = next(d for d in archive.documents if d.kind == "sent" and d.number)
    base = f"/companies/{archive.cif}/documents/{invoice.message_id}/download"
    xml = archive.user.call("GET", base, params={"format": "xml"}).json()
    assert xml["filename"].startswith(invoice.issue_date) and xml["filename"].endswith(".xml")
    assert "/" not in xml["filename"] and invoice.number.replace("/", "-") in xml["filename"]
    fetched = requests.get(xml["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == dependencies.archive().get(invoice.xml_key)
    assert "attachment" in fetched.headers["Content-Disposition"]

    original = archive.user.call("GET", base, params={"format": "original"}).json()
    content = requests.get(original["url"], timeout=10).content
    assert hashlib.sha256(content).hexdigest() == invoice.original_sha256
    assert original["filename"].endswith("_original.zip")
    bad = archive.user.call("GET", base, params={"format": "docx"})
    assert bad.status_code == 400


def test_a_pdf_not_rendered_yet_is_409_and_queued_then_downloadable(archive, settings):
    from chalicelib.services.invoice_pdfs import render_document
    invoice = next(d for d in archive.documents if d.kind == "received" and d.parse_status == "ok")
    DocumentModel(cif=archive.cif, sk=invoice.sk).update(actions=[DocumentModel.pdf_status.set("pending")])
    sqs = dependencies.work_queues()
    url = sqs.url("render")
    sqs._sqs.purge_queue(QueueUrl=url)
    base = f"/companies/{archive.cif}/documents/{invoice.message_id}"
    answer = archive.user.call("GET", f"{base}/download", params={"format": "pdf"})
    assert answer.status_code == 409 and error_code(answer) == "pdf_not_ready"
    assert "se generează" in answer.json()["error"]["message"]
    queued = sqs._sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert any(invoice.message_id in m["Body"] for m in queued)

    assert archive.user.call("POST", f"{base}/render").status_code == 202
    assert render_document(archive.cif, invoice.sk, invoice.message_id, archive=dependencies.archive()) == "ready"
    pdf = archive.user.call("GET", f"{base}/download", params={"format": "pdf"}).json()
    assert pdf["filename"].endswith(".pdf")
    assert requests.get(pdf["url"], timeout=10).content.startswith(b"%PDF")
    error = next((d for d in archive.documents if d.kind == "error"), None)
    if error is not None:
        answer = archive.user.call("GET", f"/companies/{archive.cif}/documents/{error.message_id}/download")
        assert answer.status_code == 404 and error_code(answer) == "file_not_available"


def test_an_inline_link_shows_the_pdf_in_place_for_the_preview(archive):
    """The document dialog frames the PDF: the link's answer says inline, as a PDF."""
    from functions.render_pdf.handler import render_document
    invoice = next(d for d in archive.documents if d.kind == "received" and d.parse_status == "ok")
    render_document(archive.cif, invoice.sk, invoice.message_id, archive=dependencies.archive())
    base = f"/companies/{archive.cif}/documents/{invoice.message_id}/download"
    link = archive.user.call("GET", base, params={"format": "pdf", "disposition": "inline"})
    assert link.status_code == 200, link.text
    fetched = requests.get(link.json()["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
    assert fetched.headers["Content-Disposition"].startswith("inline;")
    assert fetched.headers["Content-Type"] == "application/pdf"
    saved = requests.get(archive.user.call("GET", base, params={"format": "pdf"}).json()["url"], timeout=10)
    assert saved.headers["Content-Disposition"].startswith("attachment;")
    bad = archive.user.call("GET", base, params={"format": "pdf", "disposition": "frame"})
    assert bad.status_code == 400 and error_code(bad) == "invalid_filter"
    assert bad.json()["error"]["details"]["field"] == "disposition"


# -- exports ---------------------------------------------------------------------------------------

def run_export(archive: Archive, settings, fmt: str, filters: dict) -> tuple[dict, bytes]:
    started = archive.user.call("POST", f"/companies/{archive.cif}/exports", json={"format": fmt, "filters": filters})
    assert started.status_code == 202, started.text
    export_id = started.json()["export_id"]
    answer = archive.user.call("GET", f"/companies/{archive.cif}/exports/{export_id}")
    assert answer.status_code == 200, answer.text
    status = answer.json()["export"]
    assert status["status"] == "queued" and status["url"] is None
    poller = QueuePoller(settings, queue("export"), export_handler.lambda_handler, wait_time_s=0)
    deadline = time.monotonic() + 120  # other tests' exports may wait on the queue before this one
    while time.monotonic() < deadline:
        poller.poll_once()
        status = archive.user.call("GET", f"/companies/{archive.cif}/exports/{export_id}").json()["export"]
        if status["status"] in ("ready", "failed"):
            break
    assert status["status"] == "ready", status
    assert status["progress"] == 100 and status["done"] == status["total"] and status["expires_at"]
    return status, requests.get(status["url"], timeout=30).content


def test_the_zip_export_holds_exactly_the_filtered_documents(archive, settings):
    status, content = run_export(archive, settings, "zip", {"type": "received"})
    received = [d for d in archive.documents if d.kind == "received"]
    assert status["total"] == len(received)
    package = zipfile.ZipFile(io.BytesIO(content))
    assert package.testzip() is None
    names = package.namelist()
    originals = [n for n in names if n.endswith("_original.zip")]
    assert len(originals) == len(received)
    assert all(n.startswith("Primite/") for n in names if n != "index.csv")
    assert sorted(hashlib.sha256(package.read(n)).hexdigest() for n in originals) == \
           sorted(d.original_sha256 for d in received)
    first = received[0]
    month = first.issue_date[:7]
    assert any(n.startswith(f"Primite/{month}/{first.issue_date}_") and n.endswith(".xml") for n in names)
    rows = list(csv.reader(io.StringIO(package.read("index.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Data creării" and len(rows) == len(received) + 1
    assert {r[rows[0].index("ID mesaj ANAF")] for r in rows[1:]} == {d.message_id for d in received}
    for row in rows[1:]:
        assert row[rows[0].index("Fișier original")] in names


def test_csv_and_xlsx_exports_have_the_lists_columns(archive, settings):
    sent = [d for d in archive.documents if d.kind == "sent"]
    _, content = run_export(archive, settings, "csv", {"type": "sent"})
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:6] == ["Data creării", "Tip", "Partener", "CIF partener", "Număr document", "Data emiterii"]
    assert len(rows) == len(sent) + 1
    by_id = {r[header.index("ID mesaj ANAF")]: r for r in rows[1:]}
    for document in sent:
        row = by_id[document.message_id]
        assert Decimal(row[header.index("Total de plată")]) == Decimal(document.total)
        assert row[header.index("Tip")] == "Trimisă" and row[header.index("Partener")] == document.partner_name

    _, content = run_export(archive, settings, "xlsx", {"type": "sent"})
    book = zipfile.ZipFile(io.BytesIO(content))
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
            "xl/styles.xml"} <= set(book.namelist())
    sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert sheet.count("<row ") == len(sent) + 1 and "Număr document" in sheet
    first = sent[0]
    assert f"<v>{first.total}</v>" in sheet or f"<v>{format(Decimal(first.total), 'f')}</v>" in sheet
    issue = date.fromisoformat(first.issue_date)
    assert '<c r="F' in sheet and f"<v>{(issue - date(1899, 12, 30)).days}</v>" in sheet


def test_a_large_export_is_also_emailed(archive, settings, monkeypatch):
    from chalicelib.services import exports
    monkeypatch.setattr(exports, "LARGE_EXPORT", 3)
    run_export(archive, settings, "csv", {})
    mail = next(m for m in sent_mail() if m.to == archive.user.email)
    assert "export" in mail.subject.lower()


def test_bad_export_requests(archive):
    base = f"/companies/{archive.cif}/exports"
    assert archive.user.call("POST", base, json={"format": "pdf"}).status_code == 400
    answer = archive.user.call("POST", base, json={"format": "zip", "filters": {"created_from": "ieri"}})
    assert answer.status_code == 400 and error_code(answer) == "invalid_date"
    assert archive.user.call("GET", f"{base}/nu-exista").status_code == 404

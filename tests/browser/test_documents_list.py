"""The Documents list as an accountant reads it, with the API's answers stubbed (any kind of
document, any position): credit notes, self-billing, corrected and storno invoices marked in the
type column; ANAF's own words on error and buyer-message rows; where the page is ("Pagina X din
Y") above and under the table; the last company used remembered."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser


def active(cif: str, name: str) -> dict:
    return {"cif": cif, "name": name, "role": "owner", "membership_state": "active",
            "authorization": {"state": "authorized", "until": None, "label": "autorizat"},
            "licence": {"code": "free", "name": "Gratuit"}, "document_count": 3, "sync_in_progress": None}


def doc(message_id: str, kind: str = "received", **fields) -> dict:
    base = {"message_id": message_id, "sk": f"created#202612011200#{message_id}", "kind": kind,
            "created_at": "2026-12-01T10:00:00Z", "partner": {"name": "FURNIZOR SRL", "cif": "18547290"},
            "number": f"F-{message_id}", "document_type": "invoice", "type_code": "380", "anaf_text": None,
            "issue_date": "2026-11-30", "due_date": None, "total": "119.00", "total_with_vat": "119.00",
            "vat_total": "19.00", "currency": "RON", "signature_status": "valid", "pdf_status": "ready",
            "upload_index": None}
    base.update(fields)
    return base


def answer(payload: dict):
    return lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(payload))


def listing(documents: list[dict], total: int, *, next_cursor=None, prev_cursor=None) -> dict:
    return {"documents": documents, "next_cursor": next_cursor, "prev_cursor": prev_cursor, "partial": False,
            "order": "created", "total": {"value": total, "exact": True}}


def test_credit_notes_self_billing_and_storno_are_marked_and_anaf_speaks_on_its_rows(shared_page: Page):
    error_text = "E: factura are erori de validare: BR-RO-010 lipsește codul de înregistrare al cumpărătorului"
    rows = [
        doc("1", document_type="credit_note", type_code="381"),
        doc("2", type_code="389"),
        doc("3", type_code="384"),
        doc("4", total="-250.00", total_with_vat="-250.00"),
        doc("5"),
        doc("6", kind="error", partner={"name": None, "cif": None}, number=None, document_type=None,
            type_code=None, total=None, issue_date=None, currency=None, pdf_status="not_applicable",
            anaf_text=error_text),
        doc("7", kind="buyer_message", partner={"name": None, "cif": None}, number=None, document_type=None,
            type_code=None, total=None, issue_date=None, currency=None, pdf_status="not_applicable",
            anaf_text="Factura a fost refuzată: prețul nu corespunde contractului"),
    ]
    shared_page.route("**/api/companies", answer({"companies": [active("50", "FIRMA TIPURI SRL")]}))
    shared_page.route(re.compile(r".*/api/companies/50/documents\?.*"), answer(listing(rows, len(rows))))
    shared_page.goto("/documente?cif=50")

    def cell(message_id: str, column: str):
        return shared_page.locator(f'tr[data-mesaj="{message_id}"] td[data-eticheta="{column}"]')

    expect(cell("1", "Tip")).to_have_text(re.compile(r"^\s*Primită\s+notă de credit\s*$"))
    expect(cell("2", "Tip")).to_contain_text("autofactură")
    expect(cell("3", "Tip")).to_contain_text("factură corectată")
    expect(cell("4", "Tip")).to_contain_text("storno")
    expect(cell("5", "Tip")).to_have_text(re.compile(r"^\s*Primită\s*$"))
    # ANAF's text, not "—", and never the company itself as partner
    expect(cell("6", "Partener")).to_have_text(error_text)
    expect(cell("6", "Partener")).not_to_contain_text("FIRMA TIPURI")
    expect(cell("7", "Partener")).to_have_text("Factura a fost refuzată: prețul nu corespunde contractului")


def test_the_position_is_said_above_and_under_the_table_and_the_lower_pager_pages(shared_page: Page):
    # GIVEN 39 documents, 25 a page
    first = [doc(f"a{i:02d}") for i in range(25)]
    second = [doc(f"b{i:02d}") for i in range(14)]

    def documents(route: Route) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        if query.get("cursor") == ["C2"]:
            body = listing(second, 39, prev_cursor="C1")
        else:
            body = listing(first, 39, next_cursor="C2")
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    shared_page.route("**/api/companies", answer({"companies": [active("51", "FIRMA PAGINI SRL")]}))
    shared_page.route(re.compile(r".*/api/companies/51/documents\?.*"), documents)
    shared_page.goto("/documente?cif=51")
    expect(shared_page.locator("#pozitie")).to_have_text("Pagina 1 din 2 · documentele 1–25 din 39")
    below = shared_page.locator("nav.paginare-jos")
    expect(below.locator("#pozitie-jos")).to_have_text("Pagina 1 din 2 · documentele 1–25 din 39")

    # THEN the lower pager sits under the table, at its bottom right
    table = shared_page.locator("table.documente").bounding_box()
    buttons = below.locator("button").last.bounding_box()
    assert buttons["y"] >= table["y"] + table["height"]
    assert abs((buttons["x"] + buttons["width"]) - (table["x"] + table["width"])) < 40

    # WHEN the person pages on from under the table, THEN both places say where they are
    below.get_by_role("button", name="Următoarea ›").click()
    expect(shared_page).to_have_url(re.compile(r"pagina=2"))
    expect(shared_page.locator("#pozitie")).to_have_text("Pagina 2 din 2 · documentele 26–39 din 39")
    expect(below.locator("#pozitie-jos")).to_have_text("Pagina 2 din 2 · documentele 26–39 din 39")
    expect(below.get_by_role("button", name="Următoarea ›")).to_be_disabled()
    below.get_by_role("button", name="Anterioara").click()
    expect(shared_page.locator("#pozitie")).to_have_text("Pagina 1 din 2 · documentele 1–25 din 39")


def test_documente_without_a_company_opens_the_last_one_used(shared_page: Page):
    companies = [active("52", "ALFA SRL"), active("53", "BETA SRL")]
    shared_page.route("**/api/companies", answer({"companies": companies}))
    shared_page.route(re.compile(r".*/api/companies/5[23]/documents\?.*"), answer(listing([doc("x")], 1)))
    shared_page.goto("/documente?cif=53")
    expect(shared_page.locator("#compania")).to_have_value("53")
    # WHEN the person comes back to Documente from the menu, THEN it opens BETA, not the first
    shared_page.goto("/companii")
    shared_page.get_by_role("link", name="Documente", exact=True).first.click()
    expect(shared_page).to_have_url(re.compile(r"/documente\?cif=53$"))
    expect(shared_page.locator("#compania")).to_have_value("53")

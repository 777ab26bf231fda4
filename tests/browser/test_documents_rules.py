"""The Documents page's words and offers, with the API's answers stubbed (any size, any state):
Romanian plurals, no export of an empty filter, and an address naming a company the person
cannot see is explained, never replaced by another company."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser


def json_answer(payload):
    return lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(payload))


def active(cif: str, name: str) -> dict:
    return {"cif": cif, "name": name, "role": "owner", "membership_state": "active",
            "authorization": {"state": "authorized", "until": None, "label": "autorizat"},
            "licence": {"code": "free", "name": "Gratuit"}, "document_count": 0}


def documents_page(total: int, *, exact: bool = True) -> dict:
    return {"documents": [], "next_cursor": None, "prev_cursor": None, "partial": False, "order": "created",
            "total": {"value": total, "exact": exact}}


@pytest.mark.parametrize(("total", "exact", "text"), [
    (1, True, "1 document"), (2, True, "2 documente"), (20, True, "20 de documente"),
    (101, True, "101 documente"), (1000, False, "cel puțin 1.000 de documente"), (0, True, "0 documente"),
])
def test_the_total_counts_in_romanian(shared_page: Page, total, exact, text):
    shared_page.route("**/api/companies", json_answer({"companies": [active("20", "FIRMA UNU SRL")]}))
    shared_page.route(re.compile(r".*/api/companies/20/documents\?.*"), json_answer(documents_page(total, exact=exact)))
    shared_page.goto("/documente?cif=20")
    expect(shared_page.locator("#total-documente")).to_have_text(text)


def test_a_filter_with_no_documents_offers_no_export_and_says_why(shared_page: Page):
    # GIVEN a company whose current filter matches nothing
    shared_page.route("**/api/companies", json_answer({"companies": [active("21", "FIRMA DOI SRL")]}))
    shared_page.route(re.compile(r".*/api/companies/21/documents\?.*"), json_answer(documents_page(0)))
    shared_page.goto("/documente?cif=21&type=error")
    expect(shared_page.locator("#total-documente")).to_have_text("0 documente")
    # THEN no download is offered, and the page says why
    for name in ("Descarcă toate documentele", "Export CSV", "Export Excel"):
        expect(shared_page.get_by_role("button", name=name)).to_have_count(0)
    expect(shared_page.locator("#fara-export")).to_have_text(re.compile(r"^Nu există documente de exportat"))


def test_a_filter_with_documents_offers_the_exports(shared_page: Page):
    shared_page.route("**/api/companies", json_answer({"companies": [active("22", "FIRMA TREI SRL")]}))
    shared_page.route(re.compile(r".*/api/companies/22/documents\?.*"), json_answer(documents_page(3)))
    shared_page.goto("/documente?cif=22")
    for name in ("Descarcă toate documentele", "Export CSV", "Export Excel"):
        expect(shared_page.get_by_role("button", name=name)).to_be_visible()
    expect(shared_page.locator("#fara-export")).to_be_hidden()


@pytest.mark.parametrize(("cif", "says"), [
    ("24", "Accesul dumneavoastră la FIRMA ÎN AȘTEPTARE SRL (CIF 24) nu este confirmat încă"),
    ("25", "Compania cu CIF-ul 25 nu este în contul dumneavoastră"),
])
def test_an_address_naming_a_company_without_access_is_explained_never_replaced(shared_page: Page, cif, says):
    # GIVEN an active company and one whose access is pending
    pending = {"cif": "24", "name": "FIRMA ÎN AȘTEPTARE SRL", "role": "viewer", "membership_state": "pending"}
    shared_page.route("**/api/companies", json_answer({"companies": [active("23", "FIRMA ACTIVĂ SRL"), pending]}))
    listed: list[str] = []

    def documents(route: Route) -> None:
        listed.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(documents_page(5)))
    shared_page.route(re.compile(r".*/api/companies/\d+/documents\?.*"), documents)
    # WHEN the address names the pending (or an unknown) company
    shared_page.goto(f"/documente?cif={cif}")
    # THEN the page says so for that CIF, stays on it, and shows no other company's documents
    expect(shared_page.get_by_role("alert")).to_contain_text(says)
    expect(shared_page).to_have_url(re.compile(rf"/documente\?cif={cif}$"))
    expect(shared_page.locator("#total-documente")).to_have_count(0)
    expect(shared_page.locator("#filtre")).to_have_count(0)
    assert listed == []
    # AND it leads to the company it can show
    shared_page.get_by_role("link", name="FIRMA ACTIVĂ SRL").click()
    expect(shared_page).to_have_url(re.compile(r"/documente\?cif=23$"))
    expect(shared_page.locator("#total-documente")).to_have_text("5 documente")

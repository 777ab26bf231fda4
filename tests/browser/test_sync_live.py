"""Live sync progress in the browser: "Sincronizează acum" and a running sync show "în curs" with
counts that grow, on the dashboard row, on the company page and on the Documents page, without
a reload; when the run ends the Documents page offers its new documents.

The dashboard and company page run against the real stack: the test plays the sync worker
through its own repository calls (take the lease, publish counts, release), so the moments the
page sees are chosen by the test, not by a race with a fast sandbox."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, Route, expect

from chalicelib.storage import companies as company_records
from tests.browser.conftest import log_in
from tests.browser.test_sync_ui import authorized_company, ionescu, row  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


class FakeRun:
    """A sync run as the worker records it on the company: lease, counts, release."""

    def __init__(self, cif: str) -> None:
        self.cif = cif
        self.run_id = uuid.uuid4().hex
        self.started = datetime.now(UTC)
        assert company_records.take_lease(cif, self.run_id, self.started, self.started + timedelta(minutes=15))

    def progress(self, *, listed: int, new: int, already: int = 0, failed: int = 0) -> None:
        assert company_records.record_progress(self.cif, self.run_id, {
            "started_at": self.started.isoformat(), "listed": listed, "new": new, "already": already,
            "failed": failed})

    def end(self) -> None:
        assert company_records.release_lease(self.cif, self.run_id, now=datetime.now(UTC), result="complete",
                                             covered_until=None, anaf_unavailable=False, next_at=None)


def test_the_dashboard_row_and_the_company_page_follow_a_running_sync(page: Page, new_user, ionescu):  # noqa: F811
    cif = ionescu["cifs"][2]
    owner = new_user()
    authorized_company(owner, cif, ionescu)
    log_in(page, owner, start="/autentificare?inapoi=/companii")
    cell = row(page, cif).locator('td[data-eticheta="Ultima sincronizare"]')
    expect(cell).to_be_visible()
    expect(cell.locator(".sincronizare-in-curs")).to_have_count(0)

    # WHEN the owner clicks "Sincronizează acum", THEN the row says "în curs" at once
    row(page, cif).get_by_role("button", name=re.compile("^Sincronizează acum")).click()
    expect(cell.locator(".sincronizare-in-curs")).to_have_attribute("data-stare", "queued")
    expect(cell).to_contain_text("în curs: se pregătește")

    # AND while the worker runs, its counts grow in the row without a reload
    run = FakeRun(cif)
    run.progress(listed=40, new=5, already=30)
    expect(cell).to_contain_text("în curs: 5 documente noi · listate: 40 · deja arhivate: 30")
    run.progress(listed=40, new=9, already=30, failed=1)
    expect(cell).to_contain_text("în curs: 9 documente noi · listate: 40 · deja arhivate: 30 · eșuate: 1")

    # AND on the company page too, until the run ends and its result shows
    row(page, cif).get_by_role("link", name="Detalii").click()
    state = page.locator("#stare-arhivare")
    expect(state).to_contain_text("în curs: 9 documente noi · listate: 40")
    run.progress(listed=40, new=10, already=30)
    expect(state).to_contain_text("în curs: 10 documente noi · listate: 40")
    run.end()
    expect(state.locator(".sincronizare-in-curs")).to_have_count(0)
    expect(state).to_contain_text("completă")


def json_answer(payload: dict):
    return lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(payload))


def test_the_documents_page_offers_the_new_documents_when_the_sync_ends(shared_page: Page):
    # GIVEN a company whose sync runs while its Documents page is open
    company = {"cif": "31", "name": "FIRMA ÎN SINCRONIZARE SRL", "role": "owner", "membership_state": "active",
               "authorization": {"state": "authorized", "until": None, "label": "autorizat"},
               "licence": {"code": "free", "name": "Gratuit"}, "last_sync": {"at": None, "result": None}}
    running = {"state": "running", "started_at": "2026-12-02T06:00:00Z", "listed": 20, "new": 2,
               "already_archived": 10, "failed": 0}
    answers = [
        {**company, "document_count": 10, "sync_in_progress": running},
        {**company, "document_count": 11, "sync_in_progress": {**running, "new": 3}},
        {**company, "document_count": 13, "sync_in_progress": None},
    ]
    asked = []

    def companies(route: Route) -> None:
        asked.append(1)
        body = answers[min(len(asked) - 1, len(answers) - 1)]
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"companies": [body]}))

    lists = []

    def documents(route: Route) -> None:
        lists.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "documents": [], "next_cursor": None, "prev_cursor": None, "partial": False, "order": "created",
            "total": {"value": 10 if len(lists) == 1 else 13, "exact": True}}))

    shared_page.route("**/api/companies", companies)
    shared_page.route(re.compile(r".*/api/companies/31/documents\?.*"), documents)
    shared_page.goto("/documente?cif=31")
    expect(shared_page.locator("#total-documente")).to_have_text("10 documente")

    # THEN the page says the sync is running, with its counts, and follows it without a reload
    progress = shared_page.locator("#sincronizare-documente")
    expect(progress).to_contain_text(re.compile(r"în curs: [23] documente noi · listate: 20"))
    # AND when it ends, it offers what arrived meanwhile
    expect(progress.locator("#documente-noi")).to_contain_text("3 documente noi: Afișează")
    shared_page.get_by_role("button", name="Afișează").click()
    expect(shared_page.locator("#total-documente")).to_have_text("13 documente")
    assert len(lists) == 2

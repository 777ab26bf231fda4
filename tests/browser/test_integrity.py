"""The "Integritatea arhivei" page in the browser: an owner opens it from the company page, starts
a check, watches it run (the page polls) and downloads the reports once the workers are done."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.proven import proven_company
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _drain(settings, key: str) -> None:
    spec = queue(key)
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0)
    while poller.poll_once().received:
        pass


def test_an_owner_checks_the_archive_and_downloads_the_reports(page: Page, base_url, sandbox_url, settings,
                                                                tmp_path):
    # GIVEN an owner whose company has one archived invoice
    company = proven_company(base_url, sandbox_url)
    message_id = company.import_one_document()
    _drain(settings, "render")
    log_in(page, company.user)

    # WHEN they open "Integritatea arhivei" from the company page
    page.goto(f"/companii/{company.cif}")
    page.get_by_role("link", name="Integritatea arhivei").click()
    expect(page).to_have_url(re.compile(rf"/companii/{company.cif}/integritate$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Integritatea arhivei")
    expect(page.locator("#stare-integritate")).to_contain_text("nu a fost verificată încă")

    # AND start a check: the page says it is running and the button waits
    page.get_by_role("button", name="Verifică acum").click()
    expect(page.locator("#mesaj-integritate")).to_contain_text("Verificarea a pornit")
    expect(page.locator("#stare-integritate")).to_contain_text("Verificarea este în curs")
    expect(page.get_by_role("button", name="Verifică acum")).to_be_disabled()

    # THEN once the worker ran, the page (polling) shows the verdict and the counts
    _drain(settings, "integrity")
    expect(page.locator("#stare-integritate")).to_contain_text(
        "Arhiva este completă și nealterată: 1 document verificat", timeout=20_000)
    expect(page.locator("#contoare")).to_contain_text("Facturi primite")
    expect(page.get_by_role("button", name="Verifică acum")).to_be_enabled()

    # AND the JSON report downloads at once, the PDF when the render worker made it
    with page.expect_download() as caught:
        page.get_by_role("button", name="Descarcă raportul JSON").click()
    saved = tmp_path / "raport.json"
    caught.value.save_as(saved)
    report = json.loads(saved.read_text("utf-8"))
    assert report["company"]["cif"] == company.cif
    assert [d["message_id"] for d in report["documents"]] == [message_id]
    _drain(settings, "render")
    with page.expect_download(timeout=20_000) as caught:
        page.get_by_role("button", name="Descarcă raportul PDF").click(timeout=20_000)
    assert caught.value.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "raport.pdf"
    caught.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_a_viewer_reads_the_page_without_the_start_button(page: Page, viewed_company):
    # GIVEN a company with no run yet, and `page` signed in as its viewer
    # WHEN the viewer opens the page THEN they read the state but are not offered "Verifică acum"
    page.goto(f"/companii/{viewed_company.cif}/integritate")
    expect(page.locator("#stare-integritate")).to_contain_text("nu a fost verificată încă")
    expect(page.locator("#verifica-acum")).to_be_hidden()

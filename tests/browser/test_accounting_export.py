"""The accounting export as an accountant uses it: from the company page to "Export pentru
contabilitate", choose a month, received invoices, SAGA, only what was not exported yet; the
export worker builds the ZIP while the page shows its progress; the documents then carry the
"exportat în contabilitate" mark and the Documents filter "Doar ce nu a fost exportat încă"
leaves them out."""

from __future__ import annotations

import io
import zipfile

import pytest
import requests
from lxml import etree
from playwright.sync_api import Page, expect

from tests.api.test_accounting_exports import Company
from tests.browser.conftest import log_in
from tests.browser.journey import export_worker

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def company(local_stack, base_url) -> Company:
    found = Company.new(base_url, local_stack.ports.sandbox_url)
    found.arrive(kind="invoice", seller_cif=found.partners[0], buyer_cif=found.cif, count=2)
    found.arrive(kind="invoice", seller_cif=found.cif, buyer_cif=found.partners[1], count=1)
    found.sync()
    return found


def test_choose_a_saga_export_for_a_month_and_see_the_marks(page: Page, company: Company, settings):
    received = [d for d in company.sync() if d.kind == "received"]
    assert len(received) == 2
    year, month = received[0].issue_date[:4], received[0].issue_date[5:7]

    log_in(page, company.user)
    page.goto(f"/companii/{company.cif}")
    page.get_by_role("link", name="Export pentru contabilitate").click()
    expect(page.get_by_role("heading", name="Export pentru contabilitate", level=1)).to_be_visible()
    page.get_by_label("Anul").select_option(year)
    page.get_by_label("Luna sau trimestrul").select_option(month)
    page.get_by_label("Facturile").select_option("received")
    page.get_by_label("Formatul").select_option("saga")
    expect(page.get_by_label("Doar ce nu a fost exportat încă")).to_be_checked()
    with export_worker(settings):
        page.get_by_role("button", name="Pregătește exportul").click()
        link = page.get_by_role("link", name="Descarcă arhiva SAGA")
        expect(link).to_be_visible(timeout=60_000)
    expect(page.locator("#stare-export")).to_contain_text("2 documente")

    package = zipfile.ZipFile(io.BytesIO(requests.get(str(link.get_attribute("href")), timeout=30).content))
    names = package.namelist()
    assert len(names) == 2 and all(n.startswith("Intrari/F_") for n in names)
    assert {etree.fromstring(package.read(n)).findtext("Factura/Antet/FacturaIndexSPV") for n in names} == \
           {d.upload_index for d in received}

    # The Documents list marks them, and "only not exported yet" leaves them out
    page.get_by_role("link", name="Vedeți documentele neexportate încă").click()
    expect(page.get_by_label("Export în contabilitate")).to_have_value("not_exported")
    rows = page.locator("tr[data-mesaj]")
    expect(rows).to_have_count(1)  # the sent invoice was not in this export
    expect(rows.first).not_to_contain_text("exportat în contabilitate")
    page.get_by_label("Export în contabilitate").select_option("exported")
    page.get_by_role("button", name="Filtrează").click()
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i).locator(".marcaj-exportat")).to_contain_text("exportat în contabilitate")
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.mesaj)")) == {d.message_id for d in received}

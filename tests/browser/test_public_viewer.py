"""Vizualizează o factură, in real Chromium: no account, a dropped ZIP, the verdict, the
invoice drawn from the archive's template, the PDF download."""

from __future__ import annotations

import io
import zipfile

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.fixtures import ANAF_SAMPLES
from tests.invoices.builders import Member, invoice_xml, make_zip, sign_enveloped, throwaway_signer


def choose(page: Page, name: str, content: bytes) -> None:
    page.get_by_label("Arhiva ZIP din SPV sau factura XML").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": content}])
    page.get_by_role("button", name="Vizualizează").click()


def test_a_visitor_sees_the_invoice_its_verdict_and_downloads_the_pdf(page: Page):
    page.goto("/")
    page.get_by_role("link", name="Vizualizează o factură").click()
    expect(page.get_by_role("heading", name="Vizualizează o factură", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="creați un cont")).to_have_attribute("href", "/inregistrare")

    # A real production ZIP: the Ministry of Finance's seal, and ANAF's message inside.
    choose(page, "5935607155.zip", (ANAF_SAMPLES / "prod-error-5935607155.zip").read_bytes())
    verdict = page.locator("#verdict")
    expect(verdict.get_by_role("heading", name="Semnătură validă")).to_be_visible()
    expect(verdict).to_contain_text("Ministerului Finanțelor")
    expect(verdict).to_contain_text("a mai fost transmisa")

    # A test-environment ZIP holding an invoice: drawn on the page, its PDF downloadable.
    document = invoice_xml(number="VIZ-BROWSER-1", name="Abonament arhivare")
    signed = sign_enveloped(document, throwaway_signer("ANAF TEST browser"))
    choose(page, "4200000002.zip", make_zip([Member("4200000002.xml", document),
                                             Member("semnatura_4200000002.xml", signed)]))
    expect(verdict.get_by_role("heading", name="Semnătură de test")).to_be_visible()
    expect(verdict).to_contain_text("ANAF TEST browser")
    sheet = page.locator("#factura")
    expect(sheet).to_contain_text("VIZ-BROWSER-1")
    expect(sheet).to_contain_text("Abonament arhivare")
    serious = [v["id"] for v in Axe().run(page).response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious  # the page with a drawn invoice, checked by axe-core
    with page.expect_download() as download:
        page.get_by_role("link", name="Descarcă PDF").click()
    assert download.value.suggested_filename == "4200000002.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF-")

    # The same ZIP with its amount changed: the verdict names the part that changed.
    with zipfile.ZipFile(io.BytesIO(make_zip([Member("4200000002.xml", document),
                                              Member("semnatura_4200000002.xml", signed)]))) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    tampered = {name: data.replace(b">119.00<", b">1190.00<") for name, data in files.items()}
    choose(page, "4200000002.zip", make_zip([Member(name, data) for name, data in tampered.items()]))
    expect(verdict.get_by_role("heading", name="Semnătură invalidă")).to_be_visible()
    expect(verdict).to_contain_text("factura a fost modificată")


def test_a_file_the_viewer_refuses_is_explained_in_romanian(page: Page):
    page.goto("/vizualizare")
    choose(page, "factura.zip", b"nu este o arhiva")
    expect(page.get_by_role("alert")).to_contain_text("nici o arhivă ZIP din SPV, nici o factură XML")
    expect(page.locator("#rezultat")).to_be_hidden()

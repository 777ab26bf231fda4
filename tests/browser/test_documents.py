"""The Documents page as a person uses it: choose the company, page through the archive, filter
by partner and date, open a document, download its PDF and XML, export everything.

The archive is a sandbox company synced in-process (the API tests' helper); the export worker
runs on a thread of the test while the page waits, as the local runtime would run it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
import zipfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib import dependencies
from chalicelib.domain.romanian import counted
from chalicelib.domain.search_text import fold
from chalicelib.services.documents import LINES_PAGE_DEFAULT
from chalicelib.services.invoice_pdfs import render_document
from chalicelib.storage.models import DocumentModel
from chalicelib.topology import queue
from functions.build_export import handler as export_handler
from local.runtime import QueuePoller
from tests.api.conftest import add_proven_company, new_company
from tests.api.test_documents import Archive, archive_large_invoice, sync_company
from tests.browser.conftest import log_in
from tests.browser.contrast import AA_NORMAL_TEXT, contrast


@pytest.fixture(scope="module")
def archive(local_stack, base_url) -> Archive:
    sandbox_url = local_stack.ports.sandbox_url
    found = sync_company(base_url, sandbox_url)
    # A second (proven) company, so the page asks which one to show
    add_proven_company(found.user, new_company(sandbox_url), sandbox_url)
    for document in found.documents[:4]:
        if document.kind in ("received", "sent") and document.pdf_status != "ready":
            render_document(found.cif, document.sk, document.message_id, archive=dependencies.archive())
    found.documents = sorted(DocumentModel.query(found.cif, consistent_read=True), key=lambda d: d.sk, reverse=True)
    return found


@pytest.fixture
def export_worker(settings):
    """The export queue's consumer, running while the test runs."""
    stop = threading.Event()
    poller = QueuePoller(settings, queue("export"), export_handler.lambda_handler, wait_time_s=1)
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def open_documents(page: Page, archive: Archive) -> None:
    log_in(page, archive.user)
    page.get_by_role("link", name="Documente", exact=True).click()
    expect(page.get_by_role("heading", name="Documente", level=1)).to_be_visible()
    page.get_by_label("Compania").select_option(archive.cif)
    expect(page).to_have_url(re.compile(rf"cif={archive.cif}"))
    expect(page.locator("#total-documente")).to_have_text(counted(len(archive.documents), "document", "documente"))


def shown_ids(page: Page) -> list[str]:
    return page.locator("tr[data-mesaj]").evaluate_all("rows => rows.map(r => r.dataset.mesaj)")


def test_choose_the_company_page_through_and_filter(page: Page, archive: Archive):
    open_documents(page, archive)
    ids = [d.message_id for d in archive.documents]
    # 25 newest first, money as Romanians write it
    expect(page.locator("tr[data-mesaj]")).to_have_count(25)
    assert shown_ids(page) == ids[:25]
    first = archive.documents[0]
    if first.total:
        whole, _, cents = first.total.partition(".")
        grouped = f"{int(whole):,}".replace(",", ".")
        expect(page.locator(f'tr[data-mesaj="{first.message_id}"]')).to_contain_text(
            f"{grouped},{(cents + '00')[:2]} {first.currency}")

    # 10 per page, forward twice, back once with the button and once with the browser
    page.get_by_label("Rânduri pe pagină").select_option("10")
    expect(page.locator("tr[data-mesaj]")).to_have_count(10)
    assert shown_ids(page) == ids[:10]
    page.get_by_role("button", name="Pagina următoare").click()
    expect(page.locator(f'tr[data-mesaj="{ids[10]}"]')).to_be_visible()
    assert shown_ids(page) == ids[10:20]
    page.get_by_role("button", name="Pagina următoare").click()
    expect(page.locator(f'tr[data-mesaj="{ids[20]}"]')).to_be_visible()
    assert shown_ids(page) == ids[20:30]
    page.get_by_role("button", name="Pagina anterioară").click()
    expect(page.locator(f'tr[data-mesaj="{ids[10]}"]')).to_be_visible()
    assert shown_ids(page) == ids[10:20]
    page.go_back()
    expect(page.locator(f'tr[data-mesaj="{ids[20]}"]')).to_be_visible()

    # Filter by partner (typed without diacritics) and creation date
    partner = next(d for d in archive.documents if d.partner_name and d.kind == "received")
    word = max(partner.partner_name.split(), key=len)
    page.get_by_label("Partener (denumire sau CIF)").fill(fold(word))
    page.get_by_role("button", name="Filtrează").click()
    expect(page).to_have_url(re.compile(r"partner="))
    expected = [d.message_id for d in archive.documents if fold(word) in fold(d.partner_name or "")]
    expect(page.locator("tr[data-mesaj]")).to_have_count(min(10, len(expected)))
    assert set(shown_ids(page)) <= set(expected)

    day = partner.created_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Bucharest")).date().strftime("%d.%m.%Y")
    page.get_by_label("Creat de la").fill(day)  # as Romanians write it (zz.ll.aaaa)
    page.get_by_label("Creat până la").fill(day)
    page.get_by_role("button", name="Filtrează").click()
    expect(page.locator(f'tr[data-mesaj="{partner.message_id}"]')).to_be_visible()
    expect(page.locator("#total-documente")).not_to_have_text(counted(len(archive.documents), "document", "documente"))

    # A bad range is explained in the page, nothing is asked
    page.get_by_label("Creat până la").fill("01.01.2020")
    page.get_by_role("button", name="Filtrează").click()
    expect(page.locator("#eroare-created_to")).to_contain_text("înaintea începutului")

    # The detail panel shows the parsed invoice
    page.locator(f'tr[data-mesaj="{partner.message_id}"] td').first.click()
    panel = page.get_by_role("dialog")
    expect(panel).to_contain_text("Furnizor")
    expect(panel).to_contain_text(partner.number)
    expect(panel.locator("table.linii tbody tr").first).to_be_visible()
    panel.get_by_role("button", name="Închide").click()
    expect(panel).to_be_hidden()


def test_amounts_are_sent_as_typed_and_read_as_romanians_write_them(page: Page, archive: Archive):
    open_documents(page, archive)
    # WHEN an amount that reads two ways is typed THEN it is sent as typed and the field says why
    with page.expect_request(lambda r: "/documents?" in r.url and "amount_min=" in r.url) as asked:
        page.get_by_label("Total minim").fill("50.00")
        page.get_by_role("button", name="Filtrează").click()
    assert parse_qs(urlsplit(asked.value.url).query)["amount_min"] == ["50.00"]
    expect(page.locator("#eroare-amount_min")).to_contain_text(
        "Suma poate fi citită în două feluri. Scrieți-o ca în România")
    expect(page.get_by_label("Total minim")).to_have_attribute("aria-invalid", "true")
    # WHEN "1.000" is typed THEN it is a thousand (never 1): the total counts what is over 1 000
    over_a_thousand = [d for d in archive.documents if d.total and Decimal(d.total) >= 1000]
    over_one = [d for d in archive.documents if d.total and Decimal(d.total) >= 1]
    assert len(over_a_thousand) != len(over_one), "the archive must tell 1 000 from 1"
    with page.expect_request(lambda r: "/documents?" in r.url and "amount_min=" in r.url) as asked:
        page.get_by_label("Total minim").fill("1.000")
        page.get_by_role("button", name="Filtrează").click()
    assert parse_qs(urlsplit(asked.value.url).query)["amount_min"] == ["1.000"]
    expect(page).to_have_url(re.compile(r"amount_min=1\.000"))
    expect(page.locator("#total-documente")).to_have_text(
        re.compile(rf"^(cel puțin )?{counted(len(over_a_thousand), 'document', 'documente')}$"))
    expect(page.locator("#eroare-amount_min")).to_be_hidden()


def test_download_the_pdf_and_the_xml_of_a_row(page: Page, archive: Archive, tmp_path: Path):
    invoice = next(d for d in archive.documents if d.pdf_status == "ready")
    open_documents(page, archive)
    row = page.locator(f'tr[data-mesaj="{invoice.message_id}"]')
    with page.expect_download() as caught:
        row.get_by_role("button", name=re.compile("^PDF")).click()
    pdf = caught.value
    assert pdf.suggested_filename.endswith(".pdf") and invoice.issue_date in pdf.suggested_filename
    saved = pdf.path().read_bytes()
    assert saved.startswith(b"%PDF") and saved == dependencies.archive().get(invoice.pdf_key)

    with page.expect_download() as caught:
        row.get_by_role("button", name=re.compile("^XML")).click()
    xml = caught.value
    assert xml.suggested_filename.endswith(".xml")
    assert xml.path().read_bytes() == dependencies.archive().get(invoice.xml_key)


def test_the_document_dialog_previews_the_pdf_in_a_frame(page: Page, archive: Archive):
    invoice = next(d for d in archive.documents if d.pdf_status == "ready")
    open_documents(page, archive)
    # WHEN the person opens a document whose PDF is ready
    with page.expect_response(lambda r: "response-content-disposition=inline" in r.url, timeout=15_000) as framed:
        page.locator(f'tr[data-mesaj="{invoice.message_id}"]').get_by_role("button", name=re.compile("detalii")).click()
        dialog = page.get_by_role("dialog")
        frame = dialog.locator("iframe.cadru-pdf")
        expect(frame).to_have_attribute("title", f"Previzualizare PDF — {invoice.number}")
    # THEN the frame loads the archived PDF in place (the CSP allows it: a refusal would be a
    # console error, which fails the test) and a new tab can open the same link
    answer = framed.value
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline;")
    # (Chromium hands the body to its PDF viewer: the link itself is fetched to compare bytes)
    assert requests.get(answer.url, timeout=10).content == dependencies.archive().get(invoice.pdf_key)
    expect(dialog.get_by_role("link", name=re.compile("^Deschide PDF-ul într-o filă nouă"))).to_have_attribute(
        "href", frame.get_attribute("src"))


def test_a_pdf_being_generated_is_said_and_retried(page: Page, archive: Archive):
    invoice = next(d for d in archive.documents if d.kind in ("received", "sent") and d.pdf_status != "ready")
    DocumentModel(cif=archive.cif, sk=invoice.sk).update(actions=[DocumentModel.pdf_status.set("pending")])
    open_documents(page, archive)
    row = page.locator(f'tr[data-mesaj="{invoice.message_id}"]')
    with page.expect_download(timeout=20_000) as caught:
        row.get_by_role("button", name=re.compile("^PDF")).click()
        expect(page.locator("#mesaj-documente")).to_contain_text("PDF-ul se generează")
        assert render_document(archive.cif, invoice.sk, invoice.message_id, archive=dependencies.archive()) == "ready"
    assert caught.value.path().read_bytes().startswith(b"%PDF")


def test_download_everything_as_zip_csv_and_excel(page: Page, archive: Archive, export_worker):
    open_documents(page, archive)
    received = [d for d in archive.documents if d.kind == "received"]
    page.get_by_label("Tip").select_option("received")
    page.get_by_role("button", name="Filtrează").click()
    expect(page.locator("#total-documente")).to_have_text(counted(len(received), "document", "documente"))

    page.get_by_role("button", name="Descarcă toate documentele").click()
    link = page.get_by_role("link", name="Descarcă arhiva ZIP")
    expect(link).to_be_visible(timeout=30_000)
    # The ready export's button is readable at rest and hovered (it was green on navy, 1.56:1)
    assert contrast(link) >= AA_NORMAL_TEXT
    link.hover()
    assert contrast(link) >= AA_NORMAL_TEXT
    with page.expect_download() as caught:
        link.click()
    package = zipfile.ZipFile(caught.value.path())
    originals = [n for n in package.namelist() if n.endswith("_original.zip")]
    assert sorted(hashlib.sha256(package.read(n)).hexdigest() for n in originals) == \
           sorted(d.original_sha256 for d in received)
    assert "index.csv" in package.namelist() and all(n.startswith("Primite/") for n in originals)

    page.get_by_role("button", name="Export CSV").click()
    link = page.get_by_role("link", name="Descarcă fișierul CSV")
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as caught:
        link.click()
    rows = list(csv.reader(io.StringIO(caught.value.path().read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Data creării", "Tip", "Partener"] and len(rows) == len(received) + 1

    page.get_by_role("button", name="Export Excel").click()
    link = page.get_by_role("link", name="Descarcă fișierul Excel")
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as caught:
        link.click()
    assert caught.value.suggested_filename.endswith(".xlsx")
    sheet = zipfile.ZipFile(caught.value.path()).read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert sheet.count("<row ") == len(received) + 1


def test_a_long_invoice_loads_more_lines_on_demand(page: Page, archive: Archive):
    # GIVEN an invoice with more lines than one page of the API
    total = 2 * LINES_PAGE_DEFAULT + 50
    big = archive_large_invoice(archive, "990000000002", total)
    try:
        open_documents(page, archive)
        # WHEN its detail is opened
        page.locator(f'tr[data-mesaj="{big.message_id}"] td').first.click()
        panel = page.get_by_role("dialog")
        rows = panel.locator("table.linii tbody tr")
        # THEN the first page of lines is shown, with the count and a button for more
        expect(panel.locator("table.linii caption")).to_contain_text("450")
        expect(rows).to_have_count(LINES_PAGE_DEFAULT)
        expect(panel).to_contain_text(f"Afișate {LINES_PAGE_DEFAULT} din 450 de linii")
        more = panel.get_by_role("button", name="Încarcă mai multe linii")
        # WHEN more lines are asked for until there are none left
        more.click()
        expect(rows).to_have_count(2 * LINES_PAGE_DEFAULT)
        more.click()
        # THEN every line is in the table, in order, and the button is gone
        expect(rows).to_have_count(total)
        expect(rows.last.locator("td").first).to_have_text(str(total))
        expect(rows.nth(LINES_PAGE_DEFAULT).locator("td").first).to_have_text(str(LINES_PAGE_DEFAULT + 1))
        expect(more).to_have_count(0)
    finally:
        big.delete()


def test_the_table_keeps_names_whole_on_a_laptop_and_cards_beside_their_labels_on_a_phone(
        page: Page, archive: Archive):
    # GIVEN the Documents page on a laptop (1366 px)
    page.set_viewport_size({"width": 1366, "height": 900})
    open_documents(page, archive)
    # THEN a partner's name breaks only between words (the column was squeezed to "Mureșean / ă")
    # and each row's downloads stand on one line
    names = page.locator("tr[data-mesaj] .partener")
    expect(names.first).to_be_visible()
    for name in names.all():
        lines = name.evaluate("""element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const tops = [...range.getClientRects()].map(r => Math.round(r.top));
            return { lines: new Set(tops).size, words: element.textContent.trim().split(/\\s+/).length };
        }""")
        assert lines["lines"] <= lines["words"], name.text_content()
    for actions in page.locator("tr[data-mesaj] .actiuni-document").all()[:5]:
        tops = actions.locator("button").evaluate_all("buttons => buttons.map(b => b.getBoundingClientRect().top)")
        assert len(set(tops)) == 1, tops
    # WHEN the same page is on a phone (390 px), rows are cards
    page.set_viewport_size({"width": 390, "height": 800})
    # THEN the partner's CIF stands beside the "Partener" label, under the name, not under the label
    cell = page.locator("tr[data-mesaj] td[data-eticheta='Partener']").filter(has=page.locator(".nota")).first
    name_box = cell.locator(".partener").bounding_box()
    cif_box = cell.locator(".nota").bounding_box()
    assert name_box and cif_box
    assert abs(cif_box["x"] - name_box["x"]) < 2 and cif_box["y"] > name_box["y"]
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

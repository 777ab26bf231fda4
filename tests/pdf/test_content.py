"""Every field an accountant expects is in the PDF text: real ANAF samples and sandbox invoices."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.invoices.pdf.formatting import format_money, format_price, format_quantity
from chalicelib.invoices.pdf.labels import unit_name
from chalicelib.invoices.ubl import parse_invoice
from tests.pdf import factory
from tests.pdf.conftest import CONTEXT, flatten, render

FOOTER = ("Index încărcare ANAF: 5012345678", "ID descărcare: 3001234567", "Semnătura MF: validă",
          "Arhivat: 30.11.2026 19:05")


def cached(cache: dict, key: str, make) -> object:
    if key not in cache:
        cache[key] = render(make())
    return cache[key]


def assert_footer_on_every_page(rendered) -> None:
    count = len(rendered.pages)
    for number, page in enumerate(rendered.pages, start=1):
        flat = flatten(page)
        for fact in FOOTER:
            assert fact in flat, (number, fact)
        assert f"Pagina {number} din {count}" in flat


def assert_lines_present(rendered, invoice) -> None:
    flat = rendered.flat
    for line in invoice.lines:
        assert " ".join(line.name.split()) in flat
        assert unit_name(line.unit_code) in flat
        assert format_quantity(line.quantity) in flat
        assert format_price(line.unit_price) in flat
        assert format_money(line.net_amount) in flat


def test_anaf_example_invoice(rendered_cache):
    xml = factory.sample("anaf-example-invoice-ubl.xml")
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "anaf-invoice", lambda: xml)
    flat = rendered.flat
    assert rendered.pages[0].lstrip().startswith("FACTURĂ\n")
    for expected in (
        "Nr. 6422451356", "Data emiterii 31.05.2022", "Data scadenței 31.05.2022", "Moneda RON",
        "380 – factură comercială",
        "FURNIZOR", "Seller SRL", "Cod TVA RO1234567890", "Reg. Com. J40/12345/1998",
        "Sector 1", "Municipiul București", "IBAN RO80RNCB0067054355123456", "E-mail mail@seller.com",
        "CUMPĂRĂTOR", "Buyer SRL", "Cod TVA RO987456123", "Reg. Com. J02/321/2010", "jud. Arad",
        "Perioada facturată … – 31.05.2022",
        # VAT breakdown per rate, totals
        "taxabil (S) 5% 696,12 34,79", "taxabil (S) 9% 22.875,45 2.059,43",
        "taxabil (S) 19% 34.718.412,54 6.596.498,38",
        "Total valoare linii (fără TVA) 34.741.984,11 RON", "TVA 6.598.592,60 RON",
        "Total cu TVA 41.340.576,71 RON", "Total de plată 41.340.576,71 RON",
        "Cont beneficiar RO80RNCB0067054355123456", "some text for invoice note",
        # line-level allowances and charges
        "Reducere: -801,98 RON – Discount", "Majorare: -19.272,48 RON – Mutually defined",
    ):
        assert expected in flat, expected
    assert len(invoice.lines) == 35
    assert_lines_present(rendered, invoice)
    assert len(rendered.pages) >= 2
    assert_footer_on_every_page(rendered)
    # the table header is repeated on every page
    for page in rendered.pages:
        assert "Denumire produs / serviciu" in page


def test_anaf_example_credit_note_in_sek_with_ron_vat(rendered_cache):
    xml = factory.sample("anaf-example-credit-note.xml")
    rendered = cached(rendered_cache, "anaf-credit", lambda: xml)
    flat = rendered.flat
    assert "FACTURĂ STORNO / NOTĂ DE CREDIT" in flat
    assert "Notă de credit (stornare)" in flat
    for expected in (
        "Nr. 2018-112", "Data emiterii 31.07.2018", "Moneda SEK", "381 – notă de credit",
        "Säljbolaget AB", "Cod TVA SE123451234501", "Centrala Inköps Handelsbolag",
        "Referința cumpărătorului ACE22",
        "Service fee", "lună", "400,00",
        "taxabil (S) 25% 400,00 100,00", "Total de plată 500,00 SEK",
        "TVA în RON 249,00 RON", "1 SEK = 2,4900 RON", "Echivalent total cu TVA 1.245,00 RON",
    ):
        assert expected in flat, expected
    assert_footer_on_every_page(rendered)


def test_anaf_maximal_invoice(rendered_cache):
    xml = factory.sample("anaf-example-maximal-invoice.xml")
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "anaf-maximal", lambda: xml)
    flat = rendered.flat
    for expected in ("Seller SRL", "Cod TVA RO4266367", "Administratia Sector 3 a Finantelor Publice",
                     "Cod TVA RO4340188", "C. A. Rosetti, nr. 39", "Sector 2",
                     "taxabil (S) 21% 34.718.508,65 7.290.886,82", "Total de plată 42.035.060,75 RON"):
        assert expected in flat, expected
    assert_lines_present(rendered, invoice)
    assert_footer_on_every_page(rendered)


def test_sandbox_one_line_invoice_is_one_page_with_everything(rendered_cache):
    xml = factory.xml(1)
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "sandbox-1", lambda: xml)
    flat = rendered.flat
    seller, buyer = invoice.supplier, invoice.customer
    assert len(rendered.pages) == 1
    for expected in (
        "FACTURĂ", "Nr. ARH-1001", "Data emiterii 14.10.2026", "Data scadenței 13.11.2026",
        seller.name, f"Cod TVA RO{seller.cif}", f"Reg. Com. {seller.registration_number}",
        f"IBAN {seller.bank_accounts[0].iban}", f"E-mail {seller.contact.email}",
        f"Telefon {seller.contact.phone}",
        buyer.name, f"Cod TVA RO{buyer.cif}", f"Reg. Com. {buyer.registration_number}",
        f"Total de plată {format_money(invoice.totals.payable)} RON",
        f"TVA {format_money(invoice.totals.vat_total)} RON",
        "ordin de plată în cont bancar (cod 42)", "Vă mulțumim pentru colaborare!",
    ):
        assert " ".join(expected.split()) in flat, expected
    assert_lines_present(rendered, invoice)
    assert_footer_on_every_page(rendered)
    assert re.search(r"\d{2}\.\d{2}\.\d{4}", flat)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", flat)  # no ISO dates leak through


def test_sandbox_vat_breakdown_lists_each_rate_and_exemption_reason(rendered_cache):
    xml = factory.xml(20)
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "sandbox-20", lambda: xml)
    flat = rendered.flat
    for row in invoice.vat_breakdown:
        assert f"{format_money(row.taxable)} {format_money(row.tax)}" in flat
        if row.exemption_reason:
            assert f"Motivul scutirii: {row.exemption_reason_code} – {row.exemption_reason}" in flat
    assert_lines_present(rendered, invoice)
    assert_footer_on_every_page(rendered)


def test_two_hundred_lines_paginate_with_header_on_every_page_and_no_split_rows(rendered_cache):
    xml = factory.xml(200)
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "sandbox-200", lambda: xml)
    assert len(rendered.pages) > 5
    assert_footer_on_every_page(rendered)
    for number, page in enumerate(rendered.pages, start=1):
        if number < len(rendered.pages):
            assert "Denumire produs / serviciu" in page
        if number > 1:
            assert f"FACTURĂ nr. ARH-1200 din 14.10.2026 · {invoice.supplier.name}" in flatten(page)
    # every line's amount appears on exactly one page, together with its name (no row split)
    for line in invoice.lines:
        amount = format_money(line.net_amount)
        first_words = " ".join(line.name.split()[:2])
        holders = [p for p in rendered.pages if amount in p]
        assert holders, line.id
        assert any(first_words in flatten(p) for p in holders), line.id
    assert_lines_present(rendered, invoice)


def test_eur_invoice_shows_the_ron_equivalent(rendered_cache):
    xml = factory.xml(3, currency="EUR", ron_rate=Decimal("4.9765"))
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "sandbox-eur", lambda: xml)
    flat = rendered.flat
    vat_ron = invoice.totals.vat_total_tax_currency
    assert "Moneda EUR" in flat
    assert f"Total de plată {format_money(invoice.totals.payable)} EUR" in flat
    assert f"TVA în RON {format_money(vat_ron)} RON" in flat
    assert "1 EUR = " in flat and "Echivalent total cu TVA" in flat


def test_sandbox_credit_note_reads_as_such_with_its_preceding_invoice(rendered_cache):
    xml = factory.xml(2, credit_note=True)
    invoice = parse_invoice(xml)
    rendered = cached(rendered_cache, "sandbox-credit", lambda: xml)
    flat = rendered.flat
    ref = invoice.references.billing[0]
    assert flat.startswith("FACTURĂ STORNO / NOTĂ DE CREDIT")
    assert f"Factura de referință {ref.id} din {ref.issue_date:%d.%m.%Y}" in flat


def test_negative_invoice_reads_as_storno(rendered_cache):
    rendered = cached(rendered_cache, "sandbox-negative", factory.negative_xml)
    flat = rendered.flat
    assert flat.startswith("FACTURĂ STORNO")
    assert "Factură cu valori negative (stornare)" in flat
    assert re.search(r"Total de plată -\d", flat)


def test_self_billing_invoice_is_an_autofactura(rendered_cache):
    rendered = cached(rendered_cache, "sandbox-389", factory.self_billing_xml)
    assert rendered.flat.startswith("AUTOFACTURĂ")
    assert "389 – autofactură" in rendered.flat


def test_embedded_attachments_are_listed_not_embedded(rendered_cache):
    rendered = cached(rendered_cache, "sandbox-attachment", lambda: factory.xml(2, attachment=True))
    flat = rendered.flat
    assert "Documente atașate în fișierul XML" in flat.replace("DOCUMENTE ATAȘATE", "Documente atașate")\
        or "DOCUMENTE ATAȘATE ÎN FIȘIERUL XML" in flat
    assert "ARH-1002.pdf (application/pdf," in flat
    assert "Reprezentare vizuală a facturii" in flat


@pytest.mark.parametrize(("status", "text"), [
    ("valid", "Semnătura MF: validă"), ("invalid", "Semnătura MF: INVALIDĂ"),
    ("unknown", "Semnătura MF: neverificată"),
])
def test_footer_states_the_signature_result(status, text):
    rendered = render(factory.xml(1), replace(CONTEXT, signature_status=status))
    assert text in rendered.flat


def test_unparseable_xml_is_a_failure_result_not_an_exception():
    from chalicelib.invoices.pdf import render_invoice_xml

    for xml, reason in ((b"", "parse_empty"), (b"<not-closed", "parse_malformed"),
                        (b"<Invoice xmlns='urn:x'/>", "parse_")):
        result = render_invoice_xml(xml, CONTEXT)
        assert not result.ok and result.pdf is None
        assert result.reason.startswith(reason), result.reason

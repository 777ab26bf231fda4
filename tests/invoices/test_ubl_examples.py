"""ANAF's own example documents parse fully, with the values written in them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib.invoices.models import DocumentKind
from chalicelib.invoices.ubl import detect_document, parse_invoice, parse_summary
from tests.invoices.conftest import SAMPLES

EXAMPLE = (SAMPLES / "anaf-example-invoice-ubl.xml").read_bytes()
MAXIMAL = (SAMPLES / "anaf-example-maximal-invoice.xml").read_bytes()
CREDIT_NOTE = (SAMPLES / "anaf-example-credit-note.xml").read_bytes()


def test_example_invoice_summary_has_the_index_fields():
    summary = parse_summary(EXAMPLE)
    assert summary.kind is DocumentKind.INVOICE and summary.type_code == "380" and not summary.self_billing
    assert summary.number == "6422451356"
    assert summary.issue_date == summary.due_date == dt.date(2022, 5, 31)
    assert summary.currency == "RON" and summary.tax_currency is None
    assert summary.line_extension == summary.tax_exclusive == Decimal("34741984.11")
    assert summary.tax_inclusive == summary.payable == Decimal("41340576.71")
    assert summary.vat_total == summary.vat_total_ron == Decimal("6598592.6")
    assert (summary.supplier.name, summary.supplier.cif, summary.supplier.vat_id) == ("Seller SRL", "1234567890",
                                                                                        "RO1234567890")
    # the customer's legal name wins over its trading name; the CIF comes from its VAT id
    assert (summary.customer.name, summary.customer.cif) == ("Buyer SRL", "987456123")
    assert summary.line_count == 35
    assert summary.line_names[10] == "Vignieta" and summary.line_names[13] == "Taxa Ulei"
    assert summary.notes_count == 1 and summary.attachments == ()


def test_example_invoice_full_view_has_vat_breakdown_lines_and_parties():
    invoice = parse_invoice(EXAMPLE)
    assert [(v.category, v.percent, v.taxable, v.tax) for v in invoice.vat_breakdown] == [
        ("S", Decimal("5.00"), Decimal("696.12"), Decimal("34.79")),
        ("S", Decimal("9.00"), Decimal("22875.45"), Decimal("2059.43")),
        ("S", Decimal("19.00"), Decimal("34718412.54"), Decimal("6596498.38")),
    ]
    assert sum(v.tax for v in invoice.vat_breakdown) == invoice.totals.vat_total
    assert len(invoice.lines) == 35
    first = invoice.lines[0]
    assert (first.id, first.name, first.seller_item_id) == ("1", "item name", "0102")
    assert (first.quantity, first.unit_code, first.unit_price) == (Decimal("46396.67"), "C62", Decimal("7.6453"))
    assert (first.price_base_quantity, first.net_amount) == (Decimal(1), Decimal("334641.38"))
    assert (first.vat_category, first.vat_percent) == ("S", Decimal("19.00"))
    assert first.commodity_codes[0].code == "03222000-3" and first.commodity_codes[0].list_id == "STI"
    discount, charge = first.allowances_charges
    assert (discount.is_charge, discount.reason, discount.reason_code, discount.amount) == (
        False, "Discount", "95", Decimal("801.98"))
    assert (charge.is_charge, charge.amount, charge.base_amount) == (True, Decimal("-19272.48"),
                                                                     Decimal("354715.84"))
    supplier = invoice.supplier
    assert supplier.registration_number == "J40/12345/1998"  # written as CompanyLegalForm
    assert supplier.address.city == "SECTOR1" and supplier.address.county == "RO-B"
    assert supplier.address.postal_zone == "013329" and supplier.address.country == "RO"
    assert supplier.contact.email == "mail@seller.com"
    assert supplier.bank_accounts[0].iban == "RO80RNCB0067054355123456"
    assert invoice.customer.registration_number == "J02/321/2010"
    assert invoice.customer.trading_name == "Buyer name" and invoice.customer.identifiers == ("123456",)
    assert invoice.payment_means[0].code == "31"
    assert invoice.period is not None and invoice.period.end == dt.date(2022, 5, 31)
    assert invoice.notes == ("some text for invoice note",)
    assert invoice.exchange is None and invoice.truncated_fields == ()


def test_maximal_invoice_has_its_own_totals_and_21_percent_rate():
    invoice = parse_invoice(MAXIMAL)
    assert invoice.customization_id.endswith("CIUS-RO:1.0.1")
    assert invoice.totals.payable == Decimal("42035060.75") and invoice.totals.vat_total == Decimal("7292980.43")
    assert [v.percent for v in invoice.vat_breakdown] == [Decimal(5), Decimal(9), Decimal(21)]
    assert invoice.supplier.cif == "4266367" and invoice.customer.cif == "4340188"
    assert invoice.customer.name == "Administratia Sector 3 a Finantelor Publice"
    assert len(invoice.lines) == 35 and sum(line.net_amount for line in invoice.lines) == Decimal("34742080.32")


def test_credit_note_in_sek_with_ron_tax_currency():
    summary = parse_summary(CREDIT_NOTE)
    assert summary.kind is DocumentKind.CREDIT_NOTE and summary.type_code == "381"
    assert (summary.number, summary.issue_date) == ("2018-112", dt.date(2018, 7, 31))
    assert (summary.currency, summary.tax_currency) == ("SEK", "RON")
    assert summary.vat_total == Decimal(100) and summary.vat_total_ron == Decimal(249)
    assert summary.payable == Decimal(500) and summary.due_date is None
    # foreign VAT ids are kept as written but are not Romanian fiscal codes
    assert summary.supplier.vat_id == "SE123451234501" and summary.supplier.cif is None
    assert summary.customer.name == "Centrala Inköps Handelsbolag"

    invoice = parse_invoice(CREDIT_NOTE)
    assert invoice.references.buyer_reference == "ACE22"
    assert invoice.supplier.endpoint_id == "1234512345"
    line = invoice.lines[0]
    assert (line.name, line.quantity, line.unit_code, line.net_amount) == ("Service fee", Decimal(1), "MON",
                                                                           Decimal(400))
    assert invoice.exchange is not None
    assert invoice.exchange.vat_total_tax_currency == Decimal(249) and invoice.exchange.implied_rate == Decimal("2.49")


def test_detect_document_tells_invoices_from_credit_notes():
    assert detect_document(EXAMPLE) is DocumentKind.INVOICE
    assert detect_document(CREDIT_NOTE) is DocumentKind.CREDIT_NOTE

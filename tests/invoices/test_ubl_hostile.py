"""Hostile or sloppy invoice content: kept as text, capped, never a crash; mandatory gaps are
clear ``InvalidInvoice`` reasons."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from lxml import etree

from chalicelib.invoices.errors import InvalidInvoice
from chalicelib.invoices.models import Address, DocumentKind
from chalicelib.invoices.ubl import parse_invoice, parse_summary
from tests.invoices.builders import invoice_xml

SCRIPT = "&lt;script&gt;alert('x')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def test_markup_in_names_and_notes_is_kept_as_plain_text():
    xml = invoice_xml(name=SCRIPT, note=SCRIPT)
    summary, invoice = parse_summary(xml), parse_invoice(xml)
    expected = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    assert summary.line_names == (expected,)
    assert invoice.lines[0].name == expected and invoice.notes == (expected,)


def test_an_enormous_item_name_is_capped_and_flagged():
    xml = invoice_xml(name="Ș" * 2_000_000)
    summary = parse_summary(xml)
    assert len(summary.line_names[0]) == 4000 and "line.name" in summary.truncated_fields
    invoice = parse_invoice(xml)
    assert len(invoice.lines[0].name) == 4000 and "line.name" in invoice.truncated_fields


def test_an_enormous_attribute_does_not_break_parsing():
    xml = invoice_xml().replace(b'unitCode="HUR"', b'unitCode="' + b"H" * 5_000_000 + b'"')
    invoice = parse_invoice(xml)
    assert len(invoice.lines[0].unit_code) == 20


def without(xml: bytes, *local_names: str) -> bytes:
    root = etree.fromstring(xml)
    for el in [e for e in root.iter() if etree.QName(e).localname in local_names]:
        el.getparent().remove(el)
    return etree.tostring(root)


def test_missing_optional_elements_leave_empty_values():
    # GIVEN an invoice without VAT totals, addresses, notes or prices
    xml = without(invoice_xml(), "TaxTotal", "PostalAddress", "Note", "Price", "ClassifiedTaxCategory")
    # WHEN parsed THEN the gaps are None / empty, not errors
    summary = parse_summary(xml)
    assert summary.vat_total is None and summary.vat_total_ron is None and summary.notes_count == 0
    invoice = parse_invoice(xml)
    assert invoice.vat_breakdown == () and invoice.totals.vat_total is None
    assert invoice.supplier.address == Address() and invoice.notes == ()
    assert invoice.lines[0].unit_price is None and invoice.lines[0].vat_percent is None
    assert invoice.due_date is None and invoice.delivery is None and invoice.period is None


@pytest.mark.parametrize(("drop", "reason"), [
    ("<cbc:ID>TST-1</cbc:ID>", "missing_number"),
    ("<cbc:IssueDate>", "missing_issue_date"),
    ("<cbc:InvoiceTypeCode>", "missing_type_code"),
    ("<cbc:DocumentCurrencyCode>", "missing_currency"),
    ("<cbc:PayableAmount", "missing_payable"),
])
def test_missing_mandatory_elements_are_reported_by_name(drop, reason):
    xml = invoice_xml(drop=drop)
    for parse in (parse_summary, parse_invoice):
        with pytest.raises(InvalidInvoice) as caught:
            parse(xml)
        assert caught.value.reason == reason


@pytest.mark.parametrize("payable", ["NaN", "Infinity", "1E+999999", "12,50", "1 000.00", ""])
def test_amounts_that_are_not_plain_decimals_are_refused(payable):
    with pytest.raises(InvalidInvoice) as caught:
        parse_summary(invoice_xml(payable=payable))
    assert caught.value.reason in {"bad_amount_payable", "missing_payable"}


def test_money_is_decimal_never_float():
    summary = parse_summary(invoice_xml(payable="0.10"))
    assert isinstance(summary.payable, Decimal) and summary.payable == Decimal("0.10")


def test_self_billing_and_type_381_invoices_are_flagged():
    self_billing = invoice_xml().replace(b">380<", b">389<")
    assert parse_summary(self_billing).self_billing and parse_invoice(self_billing).self_billing
    credit = invoice_xml().replace(b">380<", b">381<")
    assert parse_summary(credit).kind is DocumentKind.CREDIT_NOTE
    assert parse_invoice(credit).kind is DocumentKind.CREDIT_NOTE


def test_a_customer_without_vat_id_gets_its_cif_from_the_legal_entity():
    summary = parse_summary(invoice_xml())
    assert summary.customer.cif == "14399840" and summary.customer.vat_id is None


ATTACHMENT = """
 <cac:AdditionalDocumentReference><cbc:ID>anexa</cbc:ID>
  <cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="anexa.pdf">{}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>
 </cac:AdditionalDocumentReference>"""


def test_embedded_attachments_are_decoded_in_full_and_sized_in_the_summary():
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 40
    encoded = base64.encodebytes(pdf).decode()  # with line breaks, as many generators write it
    xml = invoice_xml(extra_root=ATTACHMENT.format(encoded))
    info = parse_summary(xml).attachments[0]
    assert (info.filename, info.mime, info.size) == ("anexa.pdf", "application/pdf", len(pdf))
    attachment = parse_invoice(xml).attachments[0]
    assert attachment.content == pdf and attachment.size == len(pdf) and not attachment.base64_invalid


def test_broken_base64_in_an_attachment_is_flagged_not_fatal():
    attachment = parse_invoice(invoice_xml(extra_root=ATTACHMENT.format("%%%not-base64%%%"))).attachments[0]
    assert attachment.base64_invalid and attachment.content is None and attachment.filename == "anexa.pdf"

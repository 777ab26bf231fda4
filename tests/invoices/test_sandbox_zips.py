"""ZIPs served by the ANAF sandbox over HTTP open, parse to what the sandbox generated, and
verify with the sandbox's published chain (and only with it)."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from chalicelib.invoices.anaf_zip import open_anaf_zip
from chalicelib.invoices.models import DocumentKind
from chalicelib.invoices.signature import verify_signature
from chalicelib.invoices.trust import TrustedSigners
from chalicelib.invoices.ubl import (
    detect_document,
    parse_buyer_message,
    parse_error_message,
    parse_invoice,
    parse_summary,
)
from local.anaf_sandbox import documents, ubl

KINDS = {"invoice": DocumentKind.INVOICE, "credit_note": DocumentKind.CREDIT_NOTE,
         "error": DocumentKind.ERROR_MESSAGE, "rasp": DocumentKind.BUYER_MESSAGE}


def test_every_sandbox_zip_opens_and_verifies_with_the_published_chain(sandbox_corpus):
    chain = TrustedSigners.from_pem(sandbox_corpus.chain_pem)
    for item in sandbox_corpus.zips:
        opened = open_anaf_zip(item.content, upload_index=item.message["id_solicitare"])
        assert detect_document(opened.invoice_xml) is KINDS[item.kind]
        check = verify_signature(opened.invoice_xml, opened.signature_xml, chain)
        assert (check.status, check.format) == ("valid", "detached"), (item.message, check)


def test_the_sandbox_root_alone_vouches_for_its_signer(sandbox_corpus):
    # GIVEN only the sandbox root CA (the signer is trusted because the root issued it)
    root_only = TrustedSigners.from_pem(sandbox_corpus.root_pem)
    opened = open_anaf_zip(sandbox_corpus.zips[0].content)
    assert verify_signature(opened.invoice_xml, opened.signature_xml, root_only).status == "valid"


def test_sandbox_signatures_are_not_trusted_as_the_ministrys(sandbox_corpus, mf_trust):
    opened = open_anaf_zip(sandbox_corpus.zips[0].content)
    check = verify_signature(opened.invoice_xml, opened.signature_xml, mf_trust)
    assert (check.status, check.reason) == ("unknown", "untrusted_signer")


def test_a_tampered_sandbox_invoice_is_invalid(sandbox_corpus):
    item = sandbox_corpus.of_kind("invoice")[0]
    opened = open_anaf_zip(item.content)
    tampered = opened.invoice_xml.replace(b"<cbc:PayableAmount", b"<cbc:PayableAmount ", 1)
    check = verify_signature(tampered, opened.signature_xml, TrustedSigners.from_pem(sandbox_corpus.chain_pem))
    assert (check.status, check.reason) == ("invalid", "digest_mismatch")


def _invoices(corpus):
    return [z for z in corpus.zips if z.document is not None]


def test_summaries_match_what_the_sandbox_generated(sandbox_corpus):
    for item in _invoices(sandbox_corpus):
        doc, xml = item.document, open_anaf_zip(item.content).invoice_xml
        assert ubl.render(doc) == xml  # the generator truth is the document served
        totals = ubl.compute_totals(doc)
        summary = parse_summary(xml)
        assert summary.kind is KINDS[item.kind]
        assert (summary.number, summary.issue_date, summary.currency) == (doc.number, doc.issue_date, doc.currency)
        assert summary.due_date == doc.due_date
        assert (summary.supplier.cif, summary.customer.cif) == (item.seller_cif, item.buyer_cif)
        assert (summary.supplier.name, summary.customer.name) == (doc.seller.name, doc.buyer.name)
        assert summary.line_extension == summary.tax_exclusive == totals.line_extension
        assert summary.vat_total == totals.tax and summary.payable == totals.payable
        assert summary.vat_total_ron == (totals.tax_ron if doc.currency != "RON" else totals.tax)
        assert summary.line_count == len(doc.lines)
        assert summary.line_names == tuple(line.name for line in doc.lines[:20])
        assert len(summary.attachments) == len(doc.attachments)
        assert summary.notes_count == (1 if doc.note else 0)


def test_full_invoices_match_what_the_sandbox_generated(sandbox_corpus):
    for item in _invoices(sandbox_corpus):
        doc = item.document
        invoice = parse_invoice(open_anaf_zip(item.content).invoice_xml)
        totals = ubl.compute_totals(doc)
        assert [(v.category, v.percent, v.taxable, v.tax) for v in invoice.vat_breakdown] == [
            (g.category, g.percent, g.taxable, g.tax) for g in totals.vat_groups]
        for parsed, line in zip(invoice.lines, doc.lines, strict=True):
            assert (parsed.name, parsed.quantity, parsed.unit_code) == (line.name, line.quantity, line.unit_code)
            assert (parsed.unit_price, parsed.net_amount) == (line.unit_price, line.amount)
            assert (parsed.vat_category, parsed.vat_percent) == (line.vat_category, line.vat_percent)
            assert parsed.seller_item_id == line.seller_item_id and parsed.description == line.description
        seller = invoice.supplier
        assert (seller.address.street, seller.address.city, seller.address.county) == (
            doc.seller.street, doc.seller.city, doc.seller.county_code)
        assert seller.registration_number == (doc.seller.reg_com if doc.seller.vat_payer else "")
        assert [a.iban for a in seller.bank_accounts] == ([doc.seller.iban] if doc.seller.iban else [])
        assert invoice.supplier.contact.email == doc.seller.email
        if item.kind == "credit_note":
            assert invoice.references.billing[0].id == doc.preceding_invoice
            assert invoice.references.billing[0].issue_date == doc.preceding_issue_date
        exempt = [v for v in invoice.vat_breakdown if v.category == "E"]
        for v in exempt:
            assert (v.exemption_reason_code, v.exemption_reason) == (doc.exemption_code, doc.exemption_reason)


def test_a_eur_invoice_carries_its_ron_vat_and_exchange_rate(sandbox_corpus):
    item = sandbox_corpus.first(lambda z: z.document is not None and z.document.currency == "EUR")
    doc = item.document
    invoice = parse_invoice(open_anaf_zip(item.content).invoice_xml)
    totals = ubl.compute_totals(doc)
    assert (invoice.currency, invoice.tax_currency) == ("EUR", "RON")
    assert invoice.exchange.vat_total == totals.tax and invoice.exchange.vat_total_tax_currency == totals.tax_ron
    if totals.tax:
        assert abs(invoice.exchange.implied_rate - doc.ron_rate) < Decimal("0.01")


def test_an_embedded_pdf_is_decoded(sandbox_corpus):
    item = sandbox_corpus.first(lambda z: z.document is not None and z.document.attachments)
    expected = base64.b64decode(item.document.attachments[0].content_b64)
    xml = open_anaf_zip(item.content).invoice_xml
    attachment = parse_invoice(xml).attachments[0]
    assert attachment.content == expected and attachment.content.startswith(b"%PDF")
    assert (attachment.filename, attachment.mime) == (f"{item.document.number}.pdf", "application/pdf")
    assert parse_summary(xml).attachments[0].size == len(expected)


def test_a_200_line_invoice_is_indexed_with_the_first_names_only(sandbox_corpus):
    item = sandbox_corpus.first(lambda z: z.document is not None and len(z.document.lines) == 200)
    xml = open_anaf_zip(item.content).invoice_xml
    summary = parse_summary(xml)
    assert summary.line_count == 200 and len(summary.line_names) == 20
    assert len(parse_summary(xml, max_line_names=200).line_names) == 200
    assert len(parse_invoice(xml).lines) == 200


def test_error_messages_carry_the_sandbox_errors(sandbox_corpus):
    for item in sandbox_corpus.of_kind("error"):
        message = parse_error_message(open_anaf_zip(item.content).invoice_xml)
        assert message.upload_index == item.message["id_solicitare"]
        assert message.seller_cif == item.seller_cif
        assert message.errors == item.errors


def test_buyer_messages_point_at_the_invoice_they_are_about(sandbox_corpus):
    items = sandbox_corpus.of_kind("rasp")
    assert items
    for item in items:
        message = parse_buyer_message(open_anaf_zip(item.content).invoice_xml)
        assert message.upload_index == item.referenced_index
        assert message.text in documents.BUYER_MESSAGES


@pytest.mark.parametrize("kind", ["invoice", "credit_note", "error", "rasp"])
def test_the_corpus_covers_each_kind(sandbox_corpus, kind):
    assert sandbox_corpus.of_kind(kind)

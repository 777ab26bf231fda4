"""The SAGA XML and the lines CSV against the documented tag list (README "Export pentru SAGA"),
from ANAF's real example files and from copies of them changed the way real invoices differ
(reverse charge, VAT on payment, a hostile partner name)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from chalicelib.domain.accounting.entries import Direction, entry_of
from chalicelib.domain.accounting.lines import LINE_COLUMNS, line_rows
from chalicelib.domain.accounting.periods import InvalidPeriod, parse_period
from chalicelib.domain.accounting.saga import HEADER_TAGS, LINE_TAGS, OPTIONAL_TAGS, saga_file
from chalicelib.invoices.ubl_invoice import parse_invoice
from chalicelib.services.sheets import CsvWriter
from tests.fixtures import ANAF_SAMPLES

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}


def sample(name: str) -> bytes:
    return (ANAF_SAMPLES / name).read_bytes()


def saga(xml: bytes, direction: Direction = Direction.INTRARI, upload_index: str = "5001234567"):
    entry = entry_of(parse_invoice(xml), direction=direction, upload_index=upload_index,
                     message_id="3001234567")
    made = saga_file(entry)
    return made, etree.fromstring(made.content)


def texts(root: etree._Element, path: str) -> list[str]:
    return [node.text or "" for node in root.iterfind(path)]


def node(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def children(element: etree._Element) -> dict[str, str]:
    return {str(child.tag): child.text or "" for child in element}


def header(root: etree._Element) -> dict[str, str]:
    return children(node(root, "Factura/Antet"))


def edited(name: str, edit: Callable[[etree._Element], None]) -> bytes:
    """A copy of an ANAF sample changed by `edit(root)`."""
    root = etree.fromstring(sample(name))
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_received_invoice_follows_the_documented_structure_and_tag_order() -> None:
    made, root = saga(sample("anaf-example-invoice-ubl.xml"))
    assert root.tag == "Facturi" and [c.tag for c in root] == ["Factura"]
    factura = root.find("Factura")
    assert [c.tag for c in factura] == ["Antet", "Detalii", "FacturaID"]
    written = [c.tag for c in factura.find("Antet")]
    assert written == [t for t in HEADER_TAGS if t in written]  # the manual's order
    assert set(HEADER_TAGS) - OPTIONAL_TAGS <= set(written)  # every required tag, even empty
    assert set(written) <= set(HEADER_TAGS)
    lines = factura.findall("Detalii/Continut/Linie")
    assert len(lines) == 35
    for line in lines:
        tags = [c.tag for c in line]
        assert tags == [t for t in LINE_TAGS if t in tags]
        assert {"LinieNrCrt", "Descriere", "UM", "Cantitate", "Pret", "Valoare", "TVA"} <= set(tags)
    assert made.name == "F_1234567890_6422451356_31-05-2022.xml"


def test_the_header_names_supplier_client_dates_and_the_e_factura_index() -> None:
    _, root = saga(sample("anaf-example-invoice-ubl.xml"))
    antet = header(root)
    invoice = parse_invoice(sample("anaf-example-invoice-ubl.xml"))
    assert antet["FurnizorNume"] == "Seller SRL" and antet["ClientNume"] == "Buyer SRL"
    assert antet["FurnizorCIF"] == invoice.supplier.vat_id
    assert antet["ClientCIF"].endswith("987456123")
    assert antet["FacturaNumar"] == "6422451356"
    assert antet["FacturaData"] == "31.05.2022"
    assert antet["FacturaScadenta"] == f"{invoice.due_date or invoice.issue_date:%d.%m.%Y}"
    assert antet["FacturaIndexSPV"] == "5001234567"
    assert antet["FacturaTaxareInversa"] == "Nu" and antet["FacturaTVAIncasare"] == "Nu"
    assert "FacturaMoneda" not in antet  # optional for RON
    assert texts(root, "Factura/FacturaID") == ["3001234567"]


def test_lines_carry_quantity_unit_price_rate_value_and_vat_adding_up_to_the_invoice() -> None:
    _, root = saga(sample("anaf-example-invoice-ubl.xml"))
    invoice = parse_invoice(sample("anaf-example-invoice-ubl.xml"))
    first = children(node(root, "Factura/Detalii/Continut/Linie"))
    assert first["Cantitate"] == "46396.67" and first["UM"] == "buc"
    assert first["Pret"] == "7.6453" and first["Valoare"] == "334641.38" and first["ProcTVA"] == "19"
    vat_by_rate: dict[str, Decimal] = defaultdict(Decimal)
    value = Decimal(0)
    for line in root.iterfind("Factura/Detalii/Continut/Linie"):
        vat_by_rate[line.findtext("ProcTVA")] += Decimal(line.findtext("TVA"))
        value += Decimal(line.findtext("Valoare"))
    assert dict(vat_by_rate) == {"5": Decimal("34.79"), "9": Decimal("2059.43"), "19": Decimal("6596498.38")}
    assert value == invoice.totals.tax_exclusive


def test_a_credit_note_in_foreign_currency_is_booked_negative_in_its_currency() -> None:
    made, root = saga(sample("anaf-example-credit-note.xml"))
    antet = header(root)
    assert antet["FacturaMoneda"] == "SEK"
    line = children(node(root, "Factura/Detalii/Continut/Linie"))
    assert line["Cantitate"] == "-1" and line["Pret"] == "400"
    assert line["Valoare"] == "-400.00" and line["TVA"] == "-100.00" and line["ProcTVA"] == "25"
    assert line["UM"] == "luna"  # MON
    assert made.name.startswith("F_") and made.name.endswith("_2018-112_31-07-2018.xml")


def test_the_declared_exchange_rate_is_written_for_the_accountant() -> None:
    def declare_rate(root: etree._Element) -> None:
        rate = etree.SubElement(root, f"{{{CAC}}}TaxExchangeRate")
        etree.SubElement(rate, f"{{{CBC}}}SourceCurrencyCode").text = "SEK"
        etree.SubElement(rate, f"{{{CBC}}}TargetCurrencyCode").text = "RON"
        etree.SubElement(rate, f"{{{CBC}}}CalculationRate").text = "0.4325"
    _, root = saga(edited("anaf-example-credit-note.xml", declare_rate))
    assert "Curs din factură: 0.4325 RON/SEK" in header(root)["FacturaInformatiiSuplimentare"]


def test_reverse_charge_sets_the_flag_and_books_no_vat() -> None:
    def reverse_charge(root: etree._Element) -> None:
        categories = [*root.iterfind(".//cac:ClassifiedTaxCategory", NS), *root.iterfind(".//cac:TaxCategory", NS)]
        for category in categories:
            node(category, "cbc:ID").text = "AE"
            node(category, "cbc:Percent").text = "0"
        for amount in root.iterfind("cac:TaxTotal//cbc:TaxAmount", NS):
            amount.text = "0.00"
    _, root = saga(edited("anaf-example-invoice-ubl.xml", reverse_charge))
    assert header(root)["FacturaTaxareInversa"] == "Da"
    assert set(texts(root, "Factura/Detalii/Continut/Linie/TVA")) == {"0.00"}
    assert set(texts(root, "Factura/Detalii/Continut/Linie/ProcTVA")) == {"0"}


def test_vat_on_payment_is_read_from_the_mandatory_mention() -> None:
    def mention(root: etree._Element) -> None:
        node(root, "cbc:Note").text = "TVA la încasare"
    _, root = saga(edited("anaf-example-invoice-ubl.xml", mention))
    assert header(root)["FacturaTVAIncasare"] == "Da"


def test_a_sent_invoice_keeps_the_company_as_supplier_and_names_the_file_after_it() -> None:
    made, root = saga(sample("anaf-example-maximal-invoice.xml"), Direction.IESIRI)
    antet = header(root)
    assert antet["FurnizorNume"] == "Seller SRL" and antet["FurnizorCIF"].endswith("4266367")
    assert antet["ClientCIF"].endswith("4340188")
    assert made.name == "F_4266367_6422451356_31-05-2022.xml"
    rates = set(texts(root, "Factura/Detalii/Continut/Linie/ProcTVA"))
    assert rates == {"5", "9", "21"}


def test_hostile_text_is_escaped_by_the_xml_library_and_the_file_name_is_safe() -> None:
    def hostile(root: etree._Element) -> None:
        node(root, "cac:AccountingSupplierParty//cac:PartyLegalEntity/cbc:RegistrationName").text = \
            "A&B <SRL> \"x\""
        node(root, "cbc:ID").text = "../../FCT 12/2024"
    made, root = saga(edited("anaf-example-invoice-ubl.xml", hostile))
    assert header(root)["FurnizorNume"] == "A&B <SRL> \"x\""
    assert header(root)["FacturaNumar"] == "../../FCT 12/2024"
    assert made.name == "F_1234567890_.._.._FCT_12_2024_31-05-2022.xml"
    assert "/" not in made.name


def test_the_lines_csv_has_one_row_per_line_with_every_header_field() -> None:
    entry = entry_of(parse_invoice(sample("anaf-example-credit-note.xml")), direction=Direction.IESIRI,
                     upload_index="5001", message_id="3001")
    out = io.BytesIO()
    sheet = CsvWriter(out, LINE_COLUMNS)
    for values in line_rows(entry):
        sheet.row(values)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1
    row = rows[0]
    assert row["Direcție"] == "Ieșire" and row["Tip document"] == "Storno"
    assert row["Număr factură"] == "2018-112" and row["Data facturii"] == "31.07.2018"
    assert row["Furnizor"] == "Säljbolaget AB" and row["Client"] == "Centrala Inköps Handelsbolag"
    assert row["Monedă"] == "SEK" and row["Index încărcare SPV"] == "5001"
    assert (row["Cantitate"], row["Valoare fără TVA"], row["TVA"], row["Valoare cu TVA"]) == \
        ("-1", "-400.00", "-100.00", "-500.00")


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2026-T4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-q1", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_periods_cover_a_month_or_a_quarter(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026-13", "2026-T5", "26-11", "2026/11", "", "2026-11-01"])
def test_other_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(text)


def test_a_document_level_allowance_is_a_line_of_its_own_at_its_vat_rate() -> None:
    def discount(root: etree._Element) -> None:
        allowance = etree.Element(f"{{{CAC}}}AllowanceCharge")
        etree.SubElement(allowance, f"{{{CBC}}}ChargeIndicator").text = "false"
        etree.SubElement(allowance, f"{{{CBC}}}AllowanceChargeReason").text = "Discount volum"
        etree.SubElement(allowance, f"{{{CBC}}}Amount", currencyID="RON").text = "100.00"
        category = etree.SubElement(allowance, f"{{{CAC}}}TaxCategory")
        etree.SubElement(category, f"{{{CBC}}}ID").text = "S"
        etree.SubElement(category, f"{{{CBC}}}Percent").text = "19.00"
        node(root, "cac:TaxTotal").addprevious(allowance)
    _, root = saga(edited("anaf-example-invoice-ubl.xml", discount))
    lines = root.findall("Factura/Detalii/Continut/Linie")
    last = children(lines[-1])
    assert len(lines) == 36 and last["Descriere"] == "Reducere: Discount volum"
    assert (last["Cantitate"], last["Valoare"], last["TVA"], last["ProcTVA"]) == ("1", "-100.00", "-19.00", "19")
    at_19 = sum(Decimal(line.findtext("TVA") or "0") for line in lines if line.findtext("ProcTVA") == "19")
    assert at_19 == Decimal("6596498.38")  # still the invoice's own VAT at 19%


def test_an_invoice_type_381_already_negative_keeps_its_signs() -> None:
    def negative_credit(root: etree._Element) -> None:
        node(root, "cbc:InvoiceTypeCode").text = "381"
        for path in ("cac:InvoiceLine/cbc:InvoicedQuantity", "cac:InvoiceLine/cbc:LineExtensionAmount",
                     "cac:LegalMonetaryTotal/*", "cac:TaxTotal//cbc:TaxAmount", "cac:TaxTotal//cbc:TaxableAmount"):
            for element in root.iterfind(path, NS):
                element.text = f"-{element.text}"
    _, root = saga(edited("anaf-example-invoice-ubl.xml", negative_credit))
    first = children(node(root, "Factura/Detalii/Continut/Linie"))
    assert (first["Cantitate"], first["Valoare"]) == ("-46396.67", "-334641.38")
    vat = sum(Decimal(t) for t in texts(root, "Factura/Detalii/Continut/Linie/TVA"))
    assert vat == Decimal("-6598592.60")

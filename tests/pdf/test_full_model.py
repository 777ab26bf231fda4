"""Every optional part of the Invoice model reaches the PDF (fields the samples do not carry)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from chalicelib.invoices.models import (
    Address,
    AllowanceCharge,
    Attachment,
    BankAccount,
    Contact,
    Delivery,
    DocumentKind,
    DocumentReference,
    ExchangeInfo,
    Invoice,
    ItemCode,
    Line,
    Party,
    PaymentMeans,
    Period,
    References,
    Totals,
    VatBreakdown,
)
from chalicelib.invoices.pdf import render_invoice
from tests.pdf.conftest import CONTEXT, flatten, pdf_pages


def party(name: str, cif: str, county: str) -> Party:
    return Party(
        name=name, trading_name=f"{name} Magazin", registration_name=name, cif=cif, vat_id=f"RO{cif}",
        legal_id="J12/345/2015", legal_form="Capital social 200 RON", registration_number="J12/345/2015",
        identifiers=(), endpoint_id="",
        address=Address(street="Strada Memorandumului 28", additional_street="Etaj 2, ap. 5",
                        city="Cluj-Napoca", postal_zone="400114", county=county, country="RO"),
        contact=Contact(name="Ioana Mureșan", phone="0264 123 456", email="contabilitate@exemplu.ro"),
        bank_accounts=(BankAccount(iban="RO49AAAA1B31007593840000", name=name, bank="BTRLRO22"),),
    )


def line(number: int, **changes) -> Line:
    base = {
        "id": str(number), "name": f"Produs {number}", "description": "", "notes": (),
        "seller_item_id": f"P-{number}", "buyer_item_id": "", "standard_item_id": "",
        "commodity_codes": (), "quantity": D(2), "unit_code": "H87", "unit_price": D(50),
        "price_base_quantity": None, "price_base_unit": "", "net_amount": D(100),
        "vat_category": "S", "vat_percent": D(21), "allowances_charges": ()}
    base.update(changes)
    return Line(**base)


def full_invoice() -> Invoice:
    lines = (
        line(1, notes=("Livrat din stocul Florești",), buyer_item_id="CMP-77",
             commodity_codes=(ItemCode("30192000-1", "STI"),), origin_country="DE",
             allowances_charges=(AllowanceCharge(is_charge=False, amount=D(10),
                                                 reason="Discount fidelitate", percent=D(10),
                                                 base_amount=D(100)),)),
        line(2, name="Motorină", unit_code="LTR", quantity=D(1000), unit_price=D("7.5"),
             price_base_quantity=D(100), price_base_unit="LTR", net_amount=D(75)),
        line(3, name="Export", vat_category="G", vat_percent=D(0), net_amount=D(100)),
    )
    return Invoice(
        kind=DocumentKind.INVOICE, type_code="380", self_billing=False, customization_id="", profile_id="",
        number="CJ-2026/0042", issue_date=dt.date(2026, 9, 1), due_date=dt.date(2026, 9, 30),
        tax_point_date=dt.date(2026, 8, 31), currency="EUR", tax_currency="RON",
        supplier=party("Furnizorul Ardelean SRL", "1234567", "RO-CJ"),
        customer=party("Clientul Bănățean SA", "7654321", "RO-TM"),
        payee_name="Factoring Partener IFN SA", tax_representative_name="",
        lines=lines,
        allowances_charges=(
            AllowanceCharge(is_charge=False, amount=D(15), reason="Reducere comercială volum",
                            vat_category="S", vat_percent=D(21)),
            AllowanceCharge(is_charge=True, amount=D(25), reason="Transport", vat_category="S",
                            vat_percent=D(21)),
        ),
        vat_breakdown=(
            VatBreakdown("S", D(21), D(185), D("38.85")),
            VatBreakdown("G", D(0), D(100), D(0), "VATEX-EU-G", "Export în afara UE"),
        ),
        totals=Totals(line_extension=D(275), tax_exclusive=D(285), tax_inclusive=D("323.85"),
                      payable=D("223.85"), allowance_total=D(15), charge_total=D(25), prepaid=D(100),
                      rounding=D(0), vat_total=D("38.85"), vat_total_tax_currency=D("193.29")),
        notes=("Factura se achită în EUR.", "#AAK#Mențiune cu cod de subiect"),
        payment_terms=("50% avans, restul la 30 de zile",),
        payment_means=(PaymentMeans(code="30", payment_id="CJ-2026/0042",
                                    account=BankAccount("RO49AAAA1B31007593840000", bank="BTRLRO22")),),
        references=References(order="PO-9981", contract="CTR-12/2025", project="PRJ-7",
                              despatch="AVZ-331", buyer_reference="REF-CUMP",
                              billing=(DocumentReference("CJ-2026/0001", dt.date(2026, 1, 15)),)),
        period=Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31)),
        delivery=Delivery(date=dt.date(2026, 8, 30), party_name="Depozit Timișoara",
                          address=Address(street="Calea Aradului 10", city="Timișoara", county="RO-TM",
                                          country="RO")),
        exchange=ExchangeInfo("EUR", "RON", D("38.85"), D("193.29"), D("4.9753"), D("4.975289")),
        attachments=(Attachment(id="1", description="Aviz de însoțire", filename="aviz.pdf",
                                mime="application/pdf", content=b"%PDF-1.4", size=2048,
                                external_uri=""),),
    )


def test_every_optional_field_is_rendered():
    result = render_invoice(full_invoice(), CONTEXT)
    assert result.ok, result
    text = flatten("\n".join(pdf_pages(result.pdf)))
    for expected in (
        # head: currency and the declared exchange rate
        "Moneda EUR", "Curs 1 EUR = 4,9753 RON",
        # parties: trading name, Reg. Com., legal info, full address with county, bank, contact
        "Furnizorul Ardelean SRL Magazin", "Reg. Com. J12/345/2015",
        "Informații juridice Capital social 200 RON",
        "Strada Memorandumului 28, Etaj 2, ap. 5, 400114 Cluj-Napoca, jud. Cluj", "jud. Timiș",
        "IBAN RO49AAAA1B31007593840000", "Banca BTRLRO22", "Persoană de contact Ioana Mureșan",
        "Telefon 0264 123 456",
        # references, period, delivery, payee
        "Factura de referință CJ-2026/0001 din 15.01.2026", "Comanda PO-9981", "Contract CTR-12/2025",
        "Proiect PRJ-7", "Aviz de însoțire AVZ-331", "Referința cumpărătorului REF-CUMP",
        "Perioada facturată 01.08.2026 – 31.08.2026", "Data exigibilității TVA 31.08.2026",
        "Data livrării 30.08.2026", "Depozit Timișoara, Calea Aradului 10, Timișoara, jud. Timiș",
        "Beneficiarul plății Factoring Partener IFN SA",
        # lines: notes, classification, buyer code, origin, per-quantity price, line allowance
        "Notă: Livrat din stocul Florești", "Clasificare STI 30192000-1", "Cod cumpărător: CMP-77",
        "Țara de origine: Germania", "Preț pentru 100 litru", "litru 1.000 7,50 75,00",
        "Reducere (10% din 100,00): -10,00 EUR – Discount fidelitate", "50,00 100,00 export",
        # document-level allowances and charges
        "Reducere Reducere comercială volum", "-15,00", "Majorare Transport", "25,00",
        # VAT breakdown with the exemption reason
        "scutit, export (G) 0% 100,00 0,00", "Motivul scutirii: VATEX-EU-G – Export în afara UE",
        # totals incl. prepaid and the RON equivalent
        "Reduceri la nivel de document -15,00 EUR", "Majorări la nivel de document 25,00 EUR",
        "Total fără TVA 285,00 EUR", "TVA 38,85 EUR", "Total cu TVA 323,85 EUR",
        "Avans / sumă deja plătită -100,00 EUR", "Total de plată 223,85 EUR",
        "Curs de schimb declarat 1 EUR = 4,9753 RON", "TVA în RON 193,29 RON",
        # payment, terms, notes, attachments
        "Modalitate de plată transfer credit (cod 30)",
        "Cont beneficiar RO49AAAA1B31007593840000 – BTRLRO22",
        "Referința plății CJ-2026/0042", "Condiții de plată 50% avans, restul la 30 de zile",
        "MENȚIUNI Factura se achită în EUR. Mențiune cu cod de subiect",
        "aviz.pdf (application/pdf, 2 KB) – Aviz de însoțire",
    ):
        assert expected in text, expected

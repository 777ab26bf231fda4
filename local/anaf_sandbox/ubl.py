"""UBL 2.1 / CIUS-RO 1.0.1 invoice and credit-note XML from a plain document description.

Totals are computed here, once, from the lines (EN 16931 BR-CO-10..17 arithmetic): line
amounts are rounded to 2 decimals, VAT is computed per (category, rate) on the sum of the
lines in that group, and the document totals are the sums of those. Element order follows
the UBL 2.1 XSD sequences (tests validate against the OASIS schemas).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    name: str
    cif: str
    vat_payer: bool
    reg_com: str
    street: str
    city: str  # for Bucharest: SECTOR1..SECTOR6 (BR-RO-100)
    county_code: str  # ISO 3166-2:RO, e.g. RO-CJ
    postal_zone: str
    iban: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Line:
    name: str
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    vat_category: str  # S (standard/reduced) or E (exempt)
    vat_percent: Decimal
    seller_item_id: str = ""

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime_code: str
    content_b64: str
    description: str = ""


@dataclass(frozen=True)
class Document:
    """One invoice (380) or credit note (381) as the seller would upload it."""

    number: str
    issue_date: dt.date
    due_date: dt.date
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    credit_note: bool = False
    currency: str = "RON"
    ron_rate: Decimal = Decimal(1)  # RON per unit of currency (for the RON VAT total)
    note: str = ""
    preceding_invoice: str = ""  # BT-25, for credit notes
    preceding_issue_date: dt.date | None = None
    exemption_reason: str = ""
    exemption_code: str = ""
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class VatGroup:
    category: str
    percent: Decimal
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    line_extension: Decimal
    tax_exclusive: Decimal
    tax: Decimal
    tax_inclusive: Decimal
    payable: Decimal
    vat_groups: tuple[VatGroup, ...]
    tax_ron: Decimal


def compute_totals(doc: Document) -> Totals:
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for line in doc.lines:
        key = (line.vat_category, line.vat_percent)
        groups[key] = groups.get(key, Decimal(0)) + line.amount
    vat_groups = tuple(
        VatGroup(cat, pct, taxable, money(taxable * pct / 100))
        for (cat, pct), taxable in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    )
    line_ext = sum((line.amount for line in doc.lines), Decimal(0))
    tax = sum((g.tax for g in vat_groups), Decimal(0))
    return Totals(
        line_extension=line_ext,
        tax_exclusive=line_ext,
        tax=tax,
        tax_inclusive=line_ext + tax,
        payable=line_ext + tax,
        vat_groups=vat_groups,
        tax_ron=money(tax * doc.ron_rate),
    )


class _Builder:
    def __init__(self, root: etree._Element, currency: str) -> None:
        self.root = root
        self.currency = currency

    def cbc(self, parent: etree._Element, name: str, text: object, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", **attrs)
        el.text = str(text)
        return el

    def cac(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")

    def amount(self, parent: etree._Element, name: str, value: Decimal, currency: str | None = None) -> None:
        self.cbc(parent, name, f"{money(value):.2f}", currencyID=currency or self.currency)


def render(doc: Document) -> bytes:
    """The document as UTF-8 XML bytes (with declaration), CIUS-RO 1.0.1."""
    ns_root = NS_CREDIT_NOTE if doc.credit_note else NS_INVOICE
    root_name = "CreditNote" if doc.credit_note else "Invoice"
    root = etree.Element(f"{{{ns_root}}}{root_name}", nsmap={None: ns_root, "cac": NS_CAC, "cbc": NS_CBC})
    b = _Builder(root, doc.currency)
    totals = compute_totals(doc)

    b.cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    b.cbc(root, "ID", doc.number)
    b.cbc(root, "IssueDate", doc.issue_date.isoformat())
    if doc.credit_note:
        b.cbc(root, "CreditNoteTypeCode", "381")
    else:
        b.cbc(root, "DueDate", doc.due_date.isoformat())
        b.cbc(root, "InvoiceTypeCode", "380")
    if doc.note:
        b.cbc(root, "Note", doc.note)
    b.cbc(root, "DocumentCurrencyCode", doc.currency)
    if doc.currency != "RON":
        b.cbc(root, "TaxCurrencyCode", "RON")
    if doc.preceding_invoice:
        ref = b.cac(b.cac(root, "BillingReference"), "InvoiceDocumentReference")
        b.cbc(ref, "ID", doc.preceding_invoice)
        if doc.preceding_issue_date:
            b.cbc(ref, "IssueDate", doc.preceding_issue_date.isoformat())
    for att in doc.attachments:
        adr = b.cac(root, "AdditionalDocumentReference")
        b.cbc(adr, "ID", att.filename)
        if att.description:
            b.cbc(adr, "DocumentDescription", att.description)
        b.cbc(
            b.cac(adr, "Attachment"),
            "EmbeddedDocumentBinaryObject",
            att.content_b64,
            mimeCode=att.mime_code,
            filename=att.filename,
        )
    _party(b, b.cac(root, "AccountingSupplierParty"), doc.seller)
    _party(b, b.cac(root, "AccountingCustomerParty"), doc.buyer)
    means = b.cac(root, "PaymentMeans")
    b.cbc(means, "PaymentMeansCode", "42")
    if doc.credit_note:
        b.cbc(means, "PaymentDueDate", doc.due_date.isoformat())
    if doc.seller.iban:
        b.cbc(b.cac(means, "PayeeFinancialAccount"), "ID", doc.seller.iban)

    tax_total = b.cac(root, "TaxTotal")
    b.amount(tax_total, "TaxAmount", totals.tax)
    for g in totals.vat_groups:
        sub = b.cac(tax_total, "TaxSubtotal")
        b.amount(sub, "TaxableAmount", g.taxable)
        b.amount(sub, "TaxAmount", g.tax)
        _tax_category(b, sub, "TaxCategory", g.category, g.percent, doc)
    if doc.currency != "RON":
        b.amount(b.cac(root, "TaxTotal"), "TaxAmount", totals.tax_ron, "RON")

    lmt = b.cac(root, "LegalMonetaryTotal")
    b.amount(lmt, "LineExtensionAmount", totals.line_extension)
    b.amount(lmt, "TaxExclusiveAmount", totals.tax_exclusive)
    b.amount(lmt, "TaxInclusiveAmount", totals.tax_inclusive)
    b.amount(lmt, "PayableAmount", totals.payable)

    for i, line in enumerate(doc.lines, start=1):
        _line(b, root, i, line, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _party(b: _Builder, holder: etree._Element, p: Party) -> None:
    party = b.cac(holder, "Party")
    b.cbc(b.cac(party, "PartyName"), "Name", p.name)
    addr = b.cac(party, "PostalAddress")
    b.cbc(addr, "StreetName", p.street)
    b.cbc(addr, "CityName", p.city)
    b.cbc(addr, "PostalZone", p.postal_zone)
    b.cbc(addr, "CountrySubentity", p.county_code)
    b.cbc(b.cac(addr, "Country"), "IdentificationCode", "RO")
    if p.vat_payer:
        pts = b.cac(party, "PartyTaxScheme")
        b.cbc(pts, "CompanyID", f"RO{p.cif}")
        b.cbc(b.cac(pts, "TaxScheme"), "ID", "VAT")
    legal = b.cac(party, "PartyLegalEntity")
    b.cbc(legal, "RegistrationName", p.name)
    # BT-30: the trade-register number for VAT payers, else the CUI (the only id then).
    b.cbc(legal, "CompanyID", p.reg_com if p.vat_payer else p.cif)
    if p.email or p.phone:
        contact = b.cac(party, "Contact")
        if p.phone:
            b.cbc(contact, "Telephone", p.phone)
        if p.email:
            b.cbc(contact, "ElectronicMail", p.email)


def _tax_category(
    b: _Builder, parent: etree._Element, name: str, category: str, percent: Decimal, doc: Document
) -> None:
    cat = b.cac(parent, name)
    b.cbc(cat, "ID", category)
    b.cbc(cat, "Percent", f"{percent:.2f}")
    if name == "TaxCategory" and category == "E":
        if doc.exemption_code:
            b.cbc(cat, "TaxExemptionReasonCode", doc.exemption_code)
        b.cbc(cat, "TaxExemptionReason", doc.exemption_reason or "Scutit")
    b.cbc(b.cac(cat, "TaxScheme"), "ID", "VAT")


def _line(b: _Builder, root: etree._Element, index: int, line: Line, doc: Document) -> None:
    el = b.cac(root, "CreditNoteLine" if doc.credit_note else "InvoiceLine")
    b.cbc(el, "ID", index)
    qty = f"{line.quantity.normalize():f}"
    b.cbc(el, "CreditedQuantity" if doc.credit_note else "InvoicedQuantity", qty, unitCode=line.unit_code)
    b.amount(el, "LineExtensionAmount", line.amount)
    item = b.cac(el, "Item")
    if line.description:
        b.cbc(item, "Description", line.description)
    b.cbc(item, "Name", line.name)
    if line.seller_item_id:
        b.cbc(b.cac(item, "SellersItemIdentification"), "ID", line.seller_item_id)
    _tax_category(b, item, "ClassifiedTaxCategory", line.vat_category, line.vat_percent, doc)
    price = b.cac(el, "Price")
    b.cbc(price, "PriceAmount", f"{line.unit_price:.2f}", currencyID=doc.currency)

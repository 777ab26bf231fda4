"""A parsed invoice → what an accounting program books: both parties, the header flags (reverse
charge, VAT on payment, currency) and one entry line per invoice line and per document-level
allowance or charge, signed (a credit note is booked with negative quantities and values) and
with VAT amounts that add up, per rate, to the invoice's own VAT breakdown.

Pure: no I/O. Which side is "ours" (intrări / ieșiri) comes from the document's kind in the
archive (received → intrări, sent → ieșiri), never from the file's content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from chalicelib.domain.search_text import fold
from chalicelib.invoices.models import AllowanceCharge, DocumentKind, Invoice, Line, Party

CENT = Decimal("0.01")
REVERSE_CHARGE = "AE"  # UNCL5305: VAT reverse charge (taxare inversă)
# The mention the Fiscal Code (art. 319 (20)) requires on invoices of the VAT-on-payment regime.
CASH_VAT_MENTION = "tva la incasare"
# UN/ECE Recommendation 20 codes as Romanian accountants write the unit; others stay as coded.
UNITS = {"C62": "buc", "H87": "buc", "XPP": "buc", "KGM": "kg", "GRM": "g", "TNE": "t", "MTR": "m",
         "KMT": "km", "MTK": "mp", "MTQ": "mc", "LTR": "l", "HUR": "ora", "DAY": "zi", "MON": "luna",
         "ANN": "an", "KWH": "kWh", "SET": "set", "PR": "pereche", "XBX": "cutie", "E48": "serviciu"}


class Direction(StrEnum):
    INTRARI = "intrari"  # a received invoice: a purchase
    IESIRI = "iesiri"  # a sent invoice: a sale


DIRECTION_OF_KIND = {"received": Direction.INTRARI, "sent": Direction.IESIRI}


@dataclass(frozen=True)
class PartyEntry:
    name: str
    cif: str  # the VAT identifier as written (RO…), else the fiscal code, else ""
    registration_number: str
    country: str
    county: str  # "B", "CJ" (ISO 3166-2:RO without "RO-")
    city: str
    address: str
    phone: str
    email: str
    bank: str
    iban: str


@dataclass(frozen=True)
class EntryLine:
    number: int
    description: str
    details: str  # the line's description and notes
    seller_code: str
    buyer_code: str
    barcode: str
    unit: str
    quantity: Decimal  # signed
    price: Decimal  # per unit, without VAT, never negative for a credit note (the quantity is)
    value: Decimal  # signed, without VAT
    vat_percent: Decimal
    vat_category: str
    vat: Decimal  # signed


@dataclass(frozen=True)
class InvoiceEntry:
    direction: Direction
    credit_note: bool
    number: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    declared_rate: Decimal | None  # RON per unit of currency, when the invoice states it
    supplier: PartyEntry
    customer: PartyEntry
    reverse_charge: bool
    vat_on_payment: bool
    notes: str
    upload_index: str  # ANAF's index de încărcare (the e-Factura index)
    message_id: str  # ANAF's download id: unique per archived document
    lines: tuple[EntryLine, ...]

    @property
    def value(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal(0))

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), Decimal(0))


def entry_of(invoice: Invoice, *, direction: Direction, upload_index: str | None,
             message_id: str) -> InvoiceEntry:
    sign = _sign(invoice)
    lines = [_line(i, line, sign) for i, line in enumerate(invoice.lines, start=1)]
    lines += [_allowance_line(len(lines) + i, ac, sign)
              for i, ac in enumerate(invoice.allowances_charges, start=1)]
    lines = _balance_vat(lines, invoice, sign)
    categories = {line.vat_category for line in lines} | {v.category for v in invoice.vat_breakdown}
    exchange = invoice.exchange
    return InvoiceEntry(
        direction=direction,
        credit_note=sign < 0,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date or invoice.issue_date,
        currency=invoice.currency.upper(),
        declared_rate=exchange.declared_rate if exchange and exchange.tax_currency == "RON" else None,
        supplier=_party(invoice.supplier),
        customer=_party(invoice.customer),
        reverse_charge=REVERSE_CHARGE in categories,
        vat_on_payment=any(CASH_VAT_MENTION in fold(note) for note in invoice.notes),
        notes=" | ".join(invoice.notes)[:1000],
        upload_index=upload_index or "",
        message_id=message_id,
        lines=tuple(lines),
    )


def _sign(invoice: Invoice) -> int:
    """-1 for a credit note written with positive amounts (a UBL CreditNote, or an Invoice with
    type code 381): SAGA books a reversal with negative quantities and values. A credit note
    already written with negative amounts keeps them."""
    if invoice.kind is DocumentKind.CREDIT_NOTE and invoice.totals.tax_exclusive > 0:
        return -1
    return 1


def _party(party: Party) -> PartyEntry:
    address = party.address
    account = party.bank_accounts[0] if party.bank_accounts else None
    county = address.county.upper().removeprefix("RO-") if address.county else ""
    street = ", ".join(p for p in (address.street, address.additional_street, address.address_line) if p)
    return PartyEntry(
        name=party.name,
        cif=(party.vat_id or party.cif or party.legal_id or "").replace(" ", "").upper(),
        registration_number=party.registration_number,
        country=address.country.upper(),
        county=county,
        city=address.city,
        address=street,
        phone=party.contact.phone,
        email=party.contact.email,
        bank=account.bank if account else "",
        iban=account.iban.replace(" ", "") if account else "",
    )


def _line(number: int, line: Line, sign: int) -> EntryLine:
    quantity = line.quantity if line.quantity is not None else Decimal(1)
    base = line.price_base_quantity or Decimal(1)
    price = (line.unit_price / base) if line.unit_price is not None else None
    value = line.net_amount
    if value is None:
        value = _cents(quantity * (price or Decimal(0)))
    if price is None:
        price = abs(value / quantity) if quantity else abs(value)
    percent = line.vat_percent if line.vat_percent is not None else Decimal(0)
    details = " ".join(p for p in (line.description, *line.notes) if p)
    return EntryLine(
        number=number, description=line.name or line.description or "Articol", details=details,
        seller_code=line.seller_item_id, buyer_code=line.buyer_item_id, barcode=line.standard_item_id,
        unit=UNITS.get(line.unit_code.upper(), line.unit_code) if line.unit_code else "buc",
        quantity=sign * quantity, price=abs(price).normalize() if price else Decimal(0),
        value=sign * value, vat_percent=percent, vat_category=line.vat_category,
        vat=sign * _vat(value, percent, line.vat_category))


def _allowance_line(number: int, ac: AllowanceCharge, sign: int) -> EntryLine:
    """A document-level allowance (discount) or charge as one more line: SAGA has no header
    field for it, and its value carries VAT at its own rate."""
    value = ac.amount if ac.is_charge else -ac.amount
    percent = ac.vat_percent if ac.vat_percent is not None else Decimal(0)
    label = "Taxă suplimentară" if ac.is_charge else "Reducere"
    return EntryLine(
        number=number, description=f"{label}: {ac.reason}" if ac.reason else label, details="",
        seller_code="", buyer_code="", barcode="", unit="buc", quantity=Decimal(sign),
        price=value, value=sign * value, vat_percent=percent, vat_category=ac.vat_category,
        vat=sign * _vat(value, percent, ac.vat_category))


def _vat(value: Decimal, percent: Decimal, category: str) -> Decimal:
    if category == REVERSE_CHARGE:  # the buyer self-assesses it: nothing on the invoice
        return Decimal(0)
    return _cents(value * percent / 100)


def _balance_vat(lines: list[EntryLine], invoice: Invoice, sign: int) -> list[EntryLine]:
    """Per VAT rate, put the difference between the invoice's breakdown and the sum of the
    lines' own VAT (rounding, or the issuer's own arithmetic) on that rate's largest line: the
    accountant books the VAT the invoice states, and the totals then match the document."""
    out = list(lines)
    for breakdown in invoice.vat_breakdown:
        if breakdown.tax is None or breakdown.category == REVERSE_CHARGE:
            continue
        percent = breakdown.percent if breakdown.percent is not None else Decimal(0)
        same = [i for i, line in enumerate(out)
                if line.vat_percent == percent and line.vat_category == breakdown.category]
        if not same:
            continue
        difference = sign * breakdown.tax - sum((out[i].vat for i in same), Decimal(0))
        if difference:
            largest = max(same, key=lambda i: abs(out[i].value))
            line = out[largest]
            out[largest] = EntryLine(**{**line.__dict__, "vat": line.vat + difference})
    return out


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)

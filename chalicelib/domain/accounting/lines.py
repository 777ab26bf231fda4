"""The generic CSV of invoice lines (the WinMentor fallback, README "Export pentru WinMentor"):
one row per booked line with every header field repeated, so any accounting program's import
wizard (or a spreadsheet) can map the columns it needs. The same entries as the SAGA XML:
signed credit notes, VAT balanced to the invoice, document-level allowances as lines."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from chalicelib.domain.accounting.entries import Direction, InvoiceEntry
from chalicelib.domain.accounting.saga import amount, quantity
from chalicelib.domain.document_columns import Column

DIRECTION_LABELS = {Direction.INTRARI: "Intrare", Direction.IESIRI: "Ieșire"}

LINE_COLUMNS: tuple[Column, ...] = tuple(Column(title, kind) for title, kind in (
    ("Direcție", "text"),
    ("Tip document", "text"),
    ("Număr factură", "text"),
    ("Data facturii", "date"),
    ("Data scadenței", "date"),
    ("Monedă", "text"),
    ("Curs din factură", "text"),
    ("Furnizor", "text"),
    ("CIF furnizor", "text"),
    ("Nr. Reg. Com. furnizor", "text"),
    ("Țară furnizor", "text"),
    ("Județ furnizor", "text"),
    ("Localitate furnizor", "text"),
    ("Adresă furnizor", "text"),
    ("IBAN furnizor", "text"),
    ("Client", "text"),
    ("CIF client", "text"),
    ("Nr. Reg. Com. client", "text"),
    ("Țară client", "text"),
    ("Județ client", "text"),
    ("Localitate client", "text"),
    ("Adresă client", "text"),
    ("Taxare inversă", "text"),
    ("TVA la încasare", "text"),
    ("Index încărcare SPV", "text"),
    ("ID mesaj ANAF", "text"),
    ("Nr. linie", "text"),
    ("Cod articol furnizor", "text"),
    ("Cod articol client", "text"),
    ("Cod de bare", "text"),
    ("Descriere", "text"),
    ("Informații suplimentare", "text"),
    ("UM", "text"),
    ("Cantitate", "text"),
    ("Preț unitar fără TVA", "text"),
    ("Valoare fără TVA", "text"),
    ("Categorie TVA", "text"),
    ("Cota TVA", "text"),
    ("TVA", "text"),
    ("Valoare cu TVA", "text"),
))


def line_rows(entry: InvoiceEntry) -> Iterator[list[Any]]:
    s, c = entry.supplier, entry.customer
    header = [
        DIRECTION_LABELS[entry.direction], "Storno" if entry.credit_note else "Factură", entry.number,
        entry.issue_date, entry.due_date, entry.currency,
        _number(quantity(entry.declared_rate)) if entry.declared_rate is not None else "",
        s.name, s.cif, s.registration_number, s.country, s.county, s.city, s.address, s.iban,
        c.name, c.cif, c.registration_number, c.country, c.county, c.city, c.address,
        "Da" if entry.reverse_charge else "Nu", "Da" if entry.vat_on_payment else "Nu",
        entry.upload_index, entry.message_id,
    ]
    for line in entry.lines:
        yield [*header, str(line.number), line.seller_code, line.buyer_code, line.barcode,
               line.description, line.details, line.unit, _number(quantity(line.quantity)),
               _number(quantity(line.price)), _number(amount(line.value)), line.vat_category,
               _number(quantity(line.vat_percent)), _number(amount(line.vat)),
               _number(amount(line.value + line.vat))]


def _number(text: str) -> Decimal:
    """A Decimal cell (written as a plain number: a negative one is no formula to defuse)."""
    return Decimal(text)

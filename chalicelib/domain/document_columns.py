"""The columns of the CSV/XLSX exports and of an export ZIP's index.csv, and their cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.romanian_time import ROMANIA

KIND_LABELS = {"received": "Primită", "sent": "Trimisă", "error": "Eroare",
               "buyer_message": "Mesaj", "unknown": "Necunoscut"}
SIGNATURE_LABELS = {"valid": "validă", "invalid": "invalidă", "unknown": "necunoscută"}


@dataclass(frozen=True)
class Column:
    title: str
    kind: str  # text | date | datetime | number


COLUMNS: tuple[Column, ...] = (
    Column("Data creării", "datetime"),
    Column("Tip", "text"),
    Column("Partener", "text"),
    Column("CIF partener", "text"),
    Column("Număr document", "text"),
    Column("Data emiterii", "date"),
    Column("Data scadenței", "date"),
    Column("Monedă", "text"),
    Column("Total de plată", "number"),
    Column("Total cu TVA", "number"),
    Column("TVA", "number"),
    Column("Semnătură", "text"),
    Column("Stare PDF", "text"),
    Column("ID mesaj ANAF", "text"),
    Column("Index încărcare", "text"),
)


def row_values(doc: Mapping[str, Any]) -> list[Any]:
    """One document (a mapping of its index fields) → typed cell values, in COLUMNS order:
    datetime, str, date, Decimal or None."""
    created = doc["created_at"].astimezone(ROMANIA).replace(tzinfo=None)
    return [
        created,
        KIND_LABELS.get(doc.get("kind") or "", doc.get("kind") or ""),
        doc.get("partner_name") or "",
        doc.get("partner_cif") or "",
        doc.get("number") or "",
        _maybe_date(doc.get("issue_date")),
        _maybe_date(doc.get("due_date")),
        doc.get("currency") or "",
        _maybe_decimal(doc.get("total")),
        _maybe_decimal(doc.get("total_with_vat")),
        _maybe_decimal(doc.get("vat_total")),
        SIGNATURE_LABELS.get(doc.get("signature_status") or "unknown", "necunoscută"),
        doc.get("pdf_status") or "",
        doc.get("message_id") or "",
        doc.get("upload_index") or "",
    ]


def _maybe_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _maybe_decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def csv_cell(value: Any) -> str:
    """CSV for Romanian Excel: dates dd.mm.yyyy, amounts with "." (plain numbers); formulas defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text  # a partner name must never run as a spreadsheet formula
    return text

"""Small readers shared by the UBL parsers: capped text, decimals, dates, fiscal codes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from chalicelib.invoices.errors import InvalidInvoice
from chalicelib.invoices.models import MAX_TEXT

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"

_DECIMAL = re.compile(r"[+-]?(\d{1,24}(\.\d{0,12})?|\.\d{1,12})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_REG_COM = re.compile(r"[JFC]\s*\d", re.IGNORECASE)


class Cuts:
    """Collects the names of text fields that were cut to ``MAX_TEXT`` characters."""

    __slots__ = ("fields",)

    def __init__(self) -> None:
        self.fields: list[str] = []

    def text(self, value: str | None, field: str, limit: int = MAX_TEXT) -> str:
        if not value:
            return ""
        value = value.strip()
        if len(value) > limit:
            if field not in self.fields:
                self.fields.append(field)
            return value[:limit]
        return value

    def result(self) -> tuple[str, ...]:
        return tuple(self.fields)


def decimal_or_none(text: str | None) -> Decimal | None:
    """An xsd:decimal (no exponent, no NaN/Infinity, bounded digits), or None if unusable."""
    if text is None:
        return None
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def required_decimal(text: str | None, field: str) -> Decimal:
    if text is None or not text.strip():
        raise InvalidInvoice(f"missing_{field}", f"the invoice has no {field}")
    value = decimal_or_none(text)
    if value is None:
        raise InvalidInvoice(f"bad_amount_{field}", f"{field} is not a decimal number: {text[:40]!r}")
    return value


def date_or_none(text: str | None) -> dt.date | None:
    """YYYY-MM-DD (an xsd:date timezone suffix is ignored), or None if unusable."""
    if not text:
        return None
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def required_date(text: str | None, field: str) -> dt.date:
    if text is None or not text.strip():
        raise InvalidInvoice(f"missing_{field}", f"the invoice has no {field}")
    value = date_or_none(text)
    if value is None:
        raise InvalidInvoice(f"bad_date_{field}", f"{field} is not a date: {text[:40]!r}")
    return value


def cif_from(text: str | None) -> str | None:
    """A Romanian fiscal code as digits only ("RO 123 456" -> "123456"), or None."""
    if not text:
        return None
    cleaned = "".join(text.split()).upper().removeprefix("RO")
    if cleaned.isascii() and cleaned.isdigit() and 2 <= len(cleaned) <= 13:
        return cleaned
    return None


def looks_like_reg_com(text: str) -> bool:
    """A trade-register number: J40/123/2000, F12/3/2010, C1/2/2020, J2000000123409."""
    return bool(text) and bool(_REG_COM.match(text))


def base64_size(text: str | None) -> int:
    """Decoded size of a base64 text without decoding it."""
    if not text:
        return 0
    length = len(text) - sum(text.count(c) for c in " \r\n\t")
    padding = 0
    stripped = text.rstrip()
    if stripped.endswith("=="):
        padding = 2
    elif stripped.endswith("="):
        padding = 1
    return max(0, length * 3 // 4 - padding)

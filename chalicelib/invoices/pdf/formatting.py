"""Romanian number and date formats: `1.234,56`, `dd.mm.yyyy`. Pure functions, no WeasyPrint."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

BUCHAREST = ZoneInfo("Europe/Bucharest")
# Values come from xsd:decimal with at most 24 integer and 12 fraction digits (values.py):
# a wide local context so quantize never overflows the default 28-digit precision.
_CONTEXT = Context(prec=80, rounding=ROUND_HALF_UP)


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return ".".join(parts)


def format_decimal(value: Decimal | None, min_places: int = 2, max_places: int = 2) -> str:
    """`1234.5` → `1.234,50` (min 2 places); extra places up to `max_places` are kept if not zero."""
    if value is None:
        return ""
    try:
        quantized = value.quantize(Decimal(1).scaleb(-max_places), context=_CONTEXT)
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if quantized < 0 else ""
    text = format(abs(quantized), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    if len(fraction) < min_places:
        fraction = fraction.ljust(min_places, "0")
    if sign and not whole.strip("0") and not fraction.strip("0"):
        sign = ""  # never "-0,00"
    return f"{sign}{_group(whole)}" + (f",{fraction}" if fraction else "")


def format_money(value: Decimal | None) -> str:
    return format_decimal(value, 2, 2)


def format_price(value: Decimal | None) -> str:
    """Unit prices keep up to 6 significant decimals (energy tariffs: 0,6543)."""
    return format_decimal(value, 2, 6)


def format_quantity(value: Decimal | None) -> str:
    return format_decimal(value, 0, 6)


def format_rate(value: Decimal | None) -> str:
    return format_decimal(value, 4, 6)


def format_percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{format_decimal(value, 0, 2)}%"


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def format_datetime(value: dt.datetime | None) -> str:
    """A moment in Romanian local time: `30.11.2026 19:45`."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(BUCHAREST)
    return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}"


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_decimal(Decimal(size) / 1024, 0, 1)} KB"
    return f"{format_decimal(Decimal(size) / (1024 * 1024), 0, 1)} MB"

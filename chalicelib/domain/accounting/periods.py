"""Accounting periods: a month ("2026-11") or a quarter ("2026-T4"; "2026-Q4" too) → the first
and last issue date it covers. Invoices are booked in the period of their issue date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.errors import ValidationFailed

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-[TQ]([1-4])", re.IGNORECASE)


class InvalidPeriod(ValidationFailed):
    code = "invalid_period"
    message_ro = "Perioada nu este validă: alegeți o lună (AAAA-LL) sau un trimestru (AAAA-T1 … AAAA-T4)."


@dataclass(frozen=True)
class Period:
    label: str  # "2026-11" | "2026-T4"
    start: date
    end: date


def parse_period(text: str) -> Period:
    value = text.strip()
    if (month := _MONTH.fullmatch(value)) is not None:
        year, number = int(month[1]), int(month[2])
        if 2000 <= year <= 2100 and 1 <= number <= 12:
            return Period(f"{year}-{number:02d}", date(year, number, 1),
                          date(year, number, calendar.monthrange(year, number)[1]))
    if (quarter := _QUARTER.fullmatch(value)) is not None:
        year, number = int(quarter[1]), int(quarter[2])
        if 2000 <= year <= 2100:
            last = number * 3
            return Period(f"{year}-T{number}", date(year, last - 2, 1),
                          date(year, last, calendar.monthrange(year, last)[1]))
    raise InvalidPeriod(details={"field": "period"})

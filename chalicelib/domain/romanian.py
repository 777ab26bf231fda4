"""Romanian as people write it: counted nouns ("1 document", "2 documente", "20 de documente"),
amounts ("27.849,75 RON") and amounts typed into a filter ("50.000" is fifty thousand).

Pure functions, no dependencies: every e-mail and server text that counts or shows money uses
them, so the server says what the web app says (the browser uses Intl.PluralRules("ro") and
Intl.NumberFormat("ro-RO"), which follow the same CLDR rules).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from chalicelib.domain.errors import ValidationFailed

PluralCategory = Literal["one", "few", "other"]


def plural_category(n: int) -> PluralCategory:
    """CLDR's Romanian rule for whole numbers: one (1), few (0, 2–19 and any number ending in
    01–19: 101, 119), other (20–100, 120, 1 000…), the same as Intl.PluralRules("ro")."""
    n = abs(n)
    if n == 1:
        return "one"
    if n == 0 or 1 <= n % 100 <= 19:
        return "few"
    return "other"


def group_thousands(n: int) -> str:
    """12345 → "12.345" (the thousands separator Romanians write)."""
    digits = str(abs(n))
    head = len(digits) % 3 or 3
    grouped = ".".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])
    return f"-{grouped}" if n < 0 else grouped


def counted(n: int, singular: str, plural: str) -> str:
    """The number and its noun: counted(1, "document nou", "documente noi") → "1 document nou";
    2 → "2 documente noi"; 20 → "20 de documente noi"; 0 → "0 documente noi"."""
    category = plural_category(n)
    if category == "one":
        return f"{group_thousands(n)} {singular}"
    return f"{group_thousands(n)} {'de ' if category == 'other' else ''}{plural}"


def format_amount(value: Decimal | str | int | None, currency: str | None = None) -> str:
    """Decimal("27849.75"), "RON" → "27.849,75 RON" (two decimals, more only when they are not
    zero, up to 4); "—" when there is no amount. Computed from the decimal text, never a float."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    text = format(abs(amount.quantize(Decimal("0.0001"))), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    sign = "-" if amount < 0 and amount.quantize(Decimal("0.0001")) != 0 else ""
    number = f"{sign}{group_thousands(int(whole))},{fraction}"
    return f"{number} {currency}" if currency else number


# -- amounts typed by a person -----------------------------------------------------------------

class AmbiguousAmount(ValidationFailed):
    """400: an amount that could be read two ways ("1,234.56", "50.00"); we never guess."""

    code = "ambiguous_amount"
    message_ro = ("Suma poate fi citită în două feluri. Scrieți-o ca în România: punct pentru "
                  "mii și virgulă pentru zecimale (de exemplu 50.000 sau 1.234,56).")


NOT_AN_AMOUNT_RO = ("Suma nu este validă. Folosiți cifre, cu punct pentru mii și virgulă pentru "
                    "zecimale (de exemplu 1.234,56).")


class NotAnAmount(ValueError):
    """Not a number at all ("o sută", "12a"); the caller answers with its own error code."""


MAX_WHOLE_DIGITS = 15
MAX_DECIMALS = 4
_GROUPED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")  # 1.234 / 50.000 / 1.234.567
_DIGITS = re.compile(r"[0-9]+")


def parse_amount(text: str, field: str | None = None) -> Decimal:
    """A Romanian amount: "." groups thousands, "," starts the decimals. "50.000" → 50000,
    "50,5" → 50.5, "1.234,56" → 1234.56, "-3" → -3. Spaces are ignored ("1 234,56").

    Refused as ambiguous (AmbiguousAmount, with `field` in its details): a "." that is not a
    thousands separator ("50.00", "1234.5") and English-style input ("1,234.56"). Refused as
    not an amount (NotAnAmount): anything else that is not digits, "." and ","."""
    compact = re.sub(r"[ \u00a0\u202f]", "", text)
    negative = compact.startswith("-")
    body = compact[1:] if negative else compact
    if not body or not re.fullmatch(r"[0-9.,]+", body, flags=re.ASCII):
        raise NotAnAmount(text)
    whole, comma, fraction = body.partition(",")
    if "," in fraction or "." in fraction:
        raise AmbiguousAmount(details={"field": field} if field else None)  # "1,234.56", "1,2,3"
    if "." in whole:
        if not _GROUPED.fullmatch(whole):
            raise AmbiguousAmount(details={"field": field} if field else None)  # "50.00", "1234.5"
        whole = whole.replace(".", "")
    if not _DIGITS.fullmatch(whole) or (comma and not _DIGITS.fullmatch(fraction)):
        raise NotAnAmount(text)  # ",5", "5,"
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS or len(fraction) > MAX_DECIMALS:
        raise NotAnAmount(text)
    amount = Decimal(f"{whole}.{fraction}" if fraction else whole)
    return -amount if negative else amount

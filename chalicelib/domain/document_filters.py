"""The Documents page's filters, pure: query-string values → a DocumentFilter (400 with stable
codes and Romanian messages on bad input), page sizes and directions."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain import romanian
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.search_text import clean_cif, fold, fold_number

KINDS = ("received", "sent", "error", "buyer_message")
REVIEW_STATES = ("to_review", "approved", "rejected", "booked")  # domain/reviews.py ReviewState
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_TEXT = 100


class InvalidFilter(ValidationFailed):
    code = "invalid_filter"
    message_ro = "Filtrul nu este valid."


class InvalidDate(InvalidFilter):
    code = "invalid_date"
    message_ro = "Data nu este validă. Folosiți formatul AAAA-LL-ZZ."


class InvalidRange(InvalidFilter):
    code = "invalid_range"
    message_ro = "Intervalul nu este valid: începutul este după sfârșit."


class InvalidAmount(InvalidFilter):
    code = "invalid_amount"
    message_ro = "Suma nu este validă. Folosiți cifre, cu punct sau virgulă pentru zecimale."


class InvalidPageSize(InvalidFilter):
    code = "invalid_page_size"
    message_ro = "Numărul de rânduri pe pagină poate fi 10, 25, 50 sau 100."


@dataclass(frozen=True)
class DocumentFilter:
    kind: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    partner: str | None = None  # as typed (shown back)
    number: str | None = None  # as typed
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    q: str | None = None  # as typed
    superseded: bool = False  # True: only the documents a verified original replaced
    accounting: str | None = None  # exported | not_exported: in an accounting export or not yet
    review: str | None = None  # a received invoice's review state (domain/reviews.py)

    @property
    def partner_cif(self) -> str | None:
        return clean_cif(self.partner) if self.partner else None

    @property
    def partner_folded(self) -> str:
        return fold(self.partner)

    @property
    def number_prefix(self) -> str:
        return fold_number(self.number)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(fold(self.q).split())

    def is_empty(self) -> bool:
        return self == DocumentFilter()

    def as_params(self) -> dict[str, str]:
        """The filter as query-string values (the exports store and e-mail it this way)."""
        out = {}
        for name, value in asdict(self).items():
            if value is None or value is False:
                continue
            shown = "1" if value is True else value.isoformat() if isinstance(value, date) else str(value)
            out[name if name != "kind" else "type"] = shown
        return out

    def fingerprint(self) -> str:
        canonical = json.dumps(self.as_params(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


ACCOUNTING_MARKS = ("exported", "not_exported")


def parse_filter(params: Mapping[str, Any]) -> DocumentFilter:
    """Query-string (or export body) values → a DocumentFilter; InvalidFilter on bad input."""
    def text(name: str) -> str | None:
        value = params.get(name)
        if value is None:
            return None
        value = " ".join(str(value).split())
        if len(value) > MAX_TEXT:
            raise InvalidFilter(f"Textul căutat este prea lung (cel mult {MAX_TEXT} de caractere).",
                                details={"field": name})
        return value or None

    kind = text("type")
    if kind is not None and kind not in KINDS:
        raise InvalidFilter("Tipul de document poate fi: primită, trimisă, eroare sau mesaj.",
                            details={"field": "type"})
    found = DocumentFilter(
        kind=kind,
        created_from=_date(text("created_from"), "created_from"),
        created_to=_date(text("created_to"), "created_to"),
        issued_from=_date(text("issued_from"), "issued_from"),
        issued_to=_date(text("issued_to"), "issued_to"),
        partner=text("partner"),
        number=text("number"),
        amount_min=_amount(text("amount_min"), "amount_min"),
        amount_max=_amount(text("amount_max"), "amount_max"),
        q=text("q"),
        superseded=_flag(text("superseded"), "superseded"),
        accounting=text("accounting"),
        review=_review(text("review")),
    )
    if found.accounting is not None and found.accounting not in ACCOUNTING_MARKS:
        raise InvalidFilter("Exportul în contabilitate poate fi: exported sau not_exported.",
                            details={"field": "accounting"})
    for low, high, what in (("created_from", "created_to", "Data creării"),
                            ("issued_from", "issued_to", "Data emiterii"),
                            ("amount_min", "amount_max", "Suma")):
        a, b = getattr(found, low), getattr(found, high)
        if a is not None and b is not None and a > b:
            raise InvalidRange(f"{what}: începutul intervalului este după sfârșitul lui.",
                               details={"field": low})
    if found.number is not None and not found.number_prefix:
        found = DocumentFilter(**{**asdict(found), "number": None})
    return found


def _review(value: str | None) -> str | None:
    if value is None or value in REVIEW_STATES:
        return value
    raise InvalidFilter("Starea de verificare poate fi: to_review, approved, rejected sau booked.",
                        details={"field": "review"})


def _flag(value: str | None, name: str) -> bool:
    if value in (None, "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise InvalidFilter("Valoarea poate fi 1 sau 0.", details={"field": name})


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidDate(f"Data „{value[:20]}” nu este validă. Folosiți formatul AAAA-LL-ZZ.",
                          details={"field": name}) from None
    if not 2000 <= parsed.year <= 2100:
        raise InvalidDate("Data trebuie să fie între anii 2000 și 2100.", details={"field": name})
    return parsed


def _amount(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return romanian.parse_amount(value, name)  # "50.000" is fifty thousand; "50.00" is refused
    except romanian.NotAnAmount:
        raise InvalidAmount(romanian.NOT_AN_AMOUNT_RO, details={"field": name}) from None


def parse_page_size(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_PAGE_SIZE
    if value not in {str(size) for size in PAGE_SIZES}:  # ASCII digits only: int("\u0661\u0660") == 10
        raise InvalidPageSize(details={"field": "page_size"})
    return int(value)


def parse_direction(value: str | None) -> str:
    if value in (None, "", "next", "prev"):
        return value or "next"
    raise InvalidFilter("Direcția poate fi „next” sau „prev”.", details={"field": "direction"})

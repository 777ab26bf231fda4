"""The Documents page's rules, pure: filters, which key range answers them, signed cursors,
readable file names, and the columns of the CSV/XLSX exports and of a ZIP's index.csv.

Nothing here talks to AWS. The service (services/documents.py) turns a `QueryPlan` into
DynamoDB queries; this module decides which index a filter uses and what stays a filter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import romanian
from chalicelib.domain.errors import ValidationFailed

ROMANIA = ZoneInfo("Europe/Bucharest")
KINDS = ("received", "sent", "error", "buyer_message")
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
READ_BUDGET_FACTOR = 5  # a filtered page reads at most 5 × page size documents
COUNT_BUDGET = 1000  # a total that needs counting reads at most this many; beyond: "1000+"
MAX_TEXT = 100
HIGH = "\uffff"  # sorts after every character of our keys

KIND_LABELS = {"received": "Primită", "sent": "Trimisă", "error": "Eroare",
               "buyer_message": "Mesaj", "unknown": "Necunoscut"}
KIND_FOLDERS = {"received": "Primite", "sent": "Trimise", "error": "Erori",
                "buyer_message": "Mesaje", "unknown": "Altele"}
SIGNATURE_LABELS = {"valid": "validă", "invalid": "invalidă", "unknown": "necunoscută"}


# -- errors (400 with stable codes, Romanian messages) -------------------------------------------

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


class InvalidCursor(InvalidFilter):
    code = "invalid_cursor"
    message_ro = "Poziția în listă nu mai este valabilă. Reîncărcați prima pagină."


# -- normalization ---------------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """Lower case, no diacritics (ș/ş/ț/ţ/ă/â/î too), single spaces: what search compares."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def fold_number(number: str | None) -> str:
    """An invoice number as the prefix index stores it: folded, without spaces."""
    return fold(number).replace(" ", "")


def clean_cif(text: str) -> str | None:
    """The digits of a CIF typed as "RO 123", "ro123", "123"; None if it is not one."""
    compact = re.sub(r"[\s.\-]", "", text).upper().removeprefix("RO")
    return compact if re.fullmatch(r"[0-9]{2,10}", compact) else None


# -- the listing fields of a document (set by the archiver) ---------------------------------------

def listing_fields(*, cif: str, kind: str, sk: str, number: str | None, partner_name: str | None,
                   partner_cif: str | None, line_names: list[str] | None,
                   total: str | None) -> dict[str, Any]:
    """The attributes the filters' indexes and searches read."""
    partner = fold(f"{partner_name or ''} {partner_cif or ''}")
    words = [partner, fold(number), *(fold(name) for name in (line_names or []))]
    values: dict[str, Any] = {
        "cif_kind": f"{cif}#{kind}",
        "partner_text": partner or None,
        "search_text": " | ".join(w for w in words if w)[:4000] or None,
        "number_sk": f"{fold_number(number)}#{sk}" if number else None,
        # pynamodb writes numbers through json: a float's shortest repr is the same decimal text
        # for amounts of up to 15 digits, and DynamoDB compares it as an exact decimal.
        "amount": float(Decimal(total)) if total else None,
    }
    return values


# -- filters -----------------------------------------------------------------------------------------

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
            if value is None:
                continue
            out[name if name != "kind" else "type"] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def fingerprint(self) -> str:
        canonical = json.dumps(self.as_params(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


FILTER_PARAMS = ("type", "created_from", "created_to", "issued_from", "issued_to", "partner",
                 "number", "amount_min", "amount_max", "q")


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
    )
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


# -- which index answers a filter ---------------------------------------------------------------

@dataclass(frozen=True)
class QueryPlan:
    """A key condition on the table or one index, and what remains a filter."""

    index: str | None  # None: the table itself
    hash_name: str
    hash_value: str
    range_name: str
    range_low: str | None = None  # BETWEEN low AND high, or begins_with(prefix)
    range_high: str | None = None
    range_prefix: str | None = None
    residual: tuple[str, ...] = ()  # filter names applied as a FilterExpression
    key_names: tuple[str, ...] = field(default=("cif", "sk"))  # of ExclusiveStartKey
    order: str = "created"  # created | issued | number

    @property
    def filtered(self) -> bool:
        return bool(self.residual)


def created_bounds(start: date | None, end: date | None) -> tuple[str, str]:
    """sk range "created#YYYYmmddHHMM#…" (UTC) for Romania days [start, end]."""
    low = "created#"
    high = "created#" + HIGH
    if start is not None:
        low += _utc_stamp(datetime.combine(start, time.min, ROMANIA))
    if end is not None:
        last_minute = datetime.combine(end + timedelta(days=1), time.min, ROMANIA) - timedelta(minutes=1)
        high = "created#" + _utc_stamp(last_minute) + "#" + HIGH
    return low, high


def issued_bounds(start: date | None, end: date | None) -> tuple[str, str]:
    low = start.isoformat() if start else "0"
    high = (end.isoformat() if end else "9999-12-31") + "#" + HIGH
    return low, high


def _utc_stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%d%H%M}"


def plan_query(cif: str, f: DocumentFilter) -> QueryPlan:
    """Pick the most selective key condition; everything else is a residual filter.

    Order: partner CIF (by_partner), number prefix (by_number), issue dates without creation
    dates (by_issue_date), type (by_kind), else the table. Partner CIF and type keep the
    creation order; number and issue-date searches are ordered by number / issue date.
    """
    residual: list[str] = []
    has_created = f.created_from is not None or f.created_to is not None
    has_issued = f.issued_from is not None or f.issued_to is not None
    low, high = created_bounds(f.created_from, f.created_to)
    if f.partner_cif:
        plan = QueryPlan("by_partner", "cif_partner", f"{cif}#{f.partner_cif}", "sk", low, high,
                         key_names=("cif_partner", "sk", "cif"))
        residual += ["kind"] if f.kind else []
        residual += ["number"] if f.number else []
        residual += ["issued"] if has_issued else []
    elif f.number:
        plan = QueryPlan("by_number", "cif", cif, "number_sk", range_prefix=f.number_prefix,
                         key_names=("cif", "number_sk", "sk"), order="number")
        residual += ["kind"] if f.kind else []
        residual += ["created"] if has_created else []
        residual += ["issued"] if has_issued else []
    elif has_issued and not has_created:
        ilow, ihigh = issued_bounds(f.issued_from, f.issued_to)
        plan = QueryPlan("by_issue_date", "cif", cif, "issue_sk", ilow, ihigh,
                         key_names=("cif", "issue_sk", "sk"), order="issued")
        residual += ["kind"] if f.kind else []
    elif f.kind:
        plan = QueryPlan("by_kind", "cif_kind", f"{cif}#{f.kind}", "sk", low, high,
                         key_names=("cif_kind", "sk", "cif"))
        residual += ["issued"] if has_issued else []
    else:
        plan = QueryPlan(None, "cif", cif, "sk", low, high)
        residual += ["issued"] if has_issued else []
    if f.partner and not f.partner_cif:
        residual.append("partner")
    if f.amount_min is not None or f.amount_max is not None:
        residual.append("amount")
    if f.words:
        residual.append("q")
    return QueryPlan(**{**asdict(plan), "residual": tuple(residual)})


def exact_total_field(f: DocumentFilter) -> str | None:
    """The company counter that is this filter's exact total, if one is."""
    if f.is_empty():
        return "document_count"
    if f == DocumentFilter(kind=f.kind):
        return f"count_{f.kind}"
    return None


# -- cursors ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    key: dict[str, str]  # ExclusiveStartKey (string attributes)
    total: int | None
    total_exact: bool


class CursorSigner:
    """Opaque cursors: the position, bound to the company and the filter, signed (HMAC-SHA256)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def seal(self, cif: str, fingerprint: str, cursor: Cursor) -> str:
        payload = json.dumps({"c": cif, "f": fingerprint, "k": cursor.key, "t": cursor.total,
                              "x": cursor.total_exact}, separators=(",", ":"), ensure_ascii=False)
        body = _b64(payload.encode("utf-8"))
        return f"{body}.{_b64(self._mac(body))}"

    def open(self, token: str, cif: str, fingerprint: str, key_names: tuple[str, ...]) -> Cursor:
        body, _, mac = token.partition(".")
        # Our cursors are ASCII (base64url); compare_digest refuses non-ASCII text (TypeError).
        if not body or len(token) > 4000 or not token.isascii() or not hmac.compare_digest(_b64(self._mac(body)), mac):
            raise InvalidCursor(details={"field": "cursor"})
        try:
            data = json.loads(_unb64(body))
            key = data["k"]
            ok = (data["c"] == cif and data["f"] == fingerprint and isinstance(key, dict)
                  and set(key) == set(key_names) and all(isinstance(v, str) for v in key.values()))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise InvalidCursor(details={"field": "cursor"})
        return Cursor(key=key, total=data.get("t"), total_exact=bool(data.get("x")))

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- file names ---------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SEPARATORS = re.compile(r"[/\\:]+")
_RESERVED = re.compile(r'[*?"<>|]')
MAX_NAME = 120


def safe_part(text: str | None) -> str:
    """A piece of a file name: no path separators (they become "-"), no control, bidi or
    reserved characters, no leading dots; diacritics kept."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))
    cleaned = _RESERVED.sub("", _SEPARATORS.sub("-", cleaned))
    return " ".join(cleaned.split()).strip(" .-")


def base_name(*, kind: str, created_at: datetime, message_id: str, issue_date: str | None,
              number: str | None, partner_name: str | None) -> str:
    """"2026-07-03_FCT-1001_ACME SRL" for invoices; "2026-07-03_eroare_<id>" for the rest."""
    if kind in ("received", "sent", "unknown") and number:
        parts = [issue_date or f"{created_at.astimezone(ROMANIA):%Y-%m-%d}", safe_part(number),
                 safe_part(partner_name)]
    else:
        label = {"error": "eroare", "buyer_message": "mesaj"}.get(kind, "document")
        parts = [f"{created_at.astimezone(ROMANIA):%Y-%m-%d}", label, safe_part(message_id)]
    name = "_".join(p for p in parts if p)
    return _shorten(name or safe_part(message_id) or "document", MAX_NAME)


def _shorten(name: str, limit: int) -> str:
    """Cut to `limit` UTF-8 bytes without splitting a character."""
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip(" ._")


DOWNLOAD_EXTENSIONS = {"pdf": "pdf", "xml": "xml", "original": "zip"}


def download_filename(base: str, fmt: str) -> str:
    """The name a download is saved under; the original is ANAF's signed ZIP."""
    suffix = "_original" if fmt == "original" else ""
    return f"{base}{suffix}.{DOWNLOAD_EXTENSIONS[fmt]}"


def zip_folder(kind: str, created_at: datetime, issue_date: str | None) -> str:
    """"Primite/2026-07": the type, then the month of issue (of creation when there is none)."""
    month = issue_date[:7] if issue_date else f"{created_at.astimezone(ROMANIA):%Y-%m}"
    return f"{KIND_FOLDERS.get(kind, 'Altele')}/{month}"


# -- export columns -------------------------------------------------------------------------------------

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

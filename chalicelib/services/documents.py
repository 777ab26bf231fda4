"""The Documents page: list a company's documents page by page, look one up, download it.

Cost follows the page, never the company's size: every list is a DynamoDB Query on the table or
one index (domain/documents.py `plan_query` picks it), read in the page's order with a cursor
(ExclusiveStartKey) signed so nobody can hand us someone else's position. Filters that are no
key condition (amount, free text, partner name, a second date range) are a FilterExpression;
DynamoDB still reads the items they drop, so a filtered page reads at most
READ_BUDGET_FACTOR × page size items and returns what it found plus a cursor to continue.
Totals come from the company's counters when the filter is "everything" or "one type"; any
other total is counted over at most COUNT_BUDGET items ("1000+" beyond that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.domain import documents as rules
from chalicelib.domain.documents import Cursor, CursorSigner, DocumentFilter, QueryPlan
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors
from chalicelib.storage.models import CompanyModel, DocumentModel

if TYPE_CHECKING:
    from types_boto3_dynamodb.type_defs import QueryInputTypeDef, QueryOutputTypeDef

DOWNLOAD_URL_TTL_S = 300
EACH_PAGE = 200  # documents per Query when an export reads everything (memory stays small)
# The detail's invoice lines come in pages: a 15 000-line invoice would be about 3.8 MB of JSON
# and Lambda answers at most 6 MB. 500 lines are about 130 KB.
LINES_PAGE_DEFAULT = 200
LINES_PAGE_MAX = 500

T = TypeVar("T")


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_ro = "Documentul nu există în arhiva acestei companii."


class PdfNotReady(Conflict):
    code = "pdf_not_ready"
    message_ro = "PDF-ul se generează… Încercați din nou în câteva secunde."


class NoSuchFile(NotFound):
    code = "file_not_available"
    message_ro = "Acest document nu are fișierul cerut."


@dataclass
class ReadStats:
    """What the list read from DynamoDB (for the bench and the logs)."""

    calls: int = 0
    items_read: int = 0  # by the page's own queries
    items_counted: int = 0  # by the bounded COUNT of a first page's total
    capacity: float = 0.0


@dataclass
class Page:
    documents: list[DocumentModel]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None
    total_exact: bool
    partial: bool  # the read budget ran out before the page filled: continue with next_cursor
    order: str
    stats: ReadStats = field(default_factory=ReadStats)


CURSOR_KEY_PURPOSE = "documents-cursor"


class InvalidLinesPage(ValidationFailed):
    code = "invalid_lines_page"
    message_ro = (f"Paginarea liniilor nu este validă: lines_offset este un număr de la 0, "
                  f"lines_limit un număr între 1 și {LINES_PAGE_MAX}.")


@dataclass(frozen=True)
class LinesPage:
    """Which of an invoice's lines the detail carries: [offset, offset + limit)."""

    offset: int = 0
    limit: int = LINES_PAGE_DEFAULT

    def of(self, lines: Sequence[T]) -> tuple[list[T], int | None]:
        """This page of the lines, and the offset of the next page (None after the last)."""
        end = self.offset + self.limit
        return list(lines[self.offset:end]), (end if end < len(lines) else None)


def parse_lines_page(offset: str | None, limit: str | None) -> LinesPage:
    """`?lines_offset=&lines_limit=` → a LinesPage; anything else is InvalidLinesPage (400)."""

    def number(value: str | None, default: int, field_name: str) -> int:
        if value is None or value == "":
            return default
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise InvalidLinesPage(details={"field": field_name})
        return int(value)

    page = LinesPage(number(offset, 0, "lines_offset"), number(limit, LINES_PAGE_DEFAULT, "lines_limit"))
    if not 1 <= page.limit <= LINES_PAGE_MAX:
        raise InvalidLinesPage(details={"field": "lines_limit"})
    return page


class DocumentIndex:
    """Queries over the documents table for one deployment. `cursor_key` gives the HMAC key
    of list cursors (storage/mac_keys.py: KMS-generated, stored wrapped); it is asked for only
    when a cursor is made or opened, so the export worker never needs it."""

    def __init__(self, settings: Settings, cursor_key: Callable[[], bytes] | None = None) -> None:
        self._settings = settings
        self._dynamodb = aws_client(settings, "dynamodb")
        self._cursor_key = cursor_key
        self._signer: CursorSigner | None = None

    @property
    def signer(self) -> CursorSigner:
        if self._signer is None:
            if self._cursor_key is None:
                raise RuntimeError("this DocumentIndex was built without a cursor key")
            self._signer = CursorSigner(self._cursor_key())
        return self._signer

    @property
    def _table(self) -> str:
        return DocumentModel.Meta.table_name or self._settings.documents_table

    # -- one document ---------------------------------------------------------------------

    def find(self, cif: str, message_id: str) -> DocumentModel:
        """The document of this company with this ANAF message id (by_message index, then the
        item itself); 404 for an unknown id or another company's."""
        if not message_id or len(message_id) > 100:
            raise DocumentNotFound()
        with translated_errors("dynamodb"):
            answer = self._dynamodb.query(
                TableName=self._table, IndexName="by_message",
                KeyConditionExpression="#m = :m AND #c = :c",
                ExpressionAttributeNames={"#m": "message_id", "#c": "cif"},
                ExpressionAttributeValues={":m": {"S": message_id}, ":c": {"S": cif}}, Limit=1)
        items = answer.get("Items", [])
        if not items:
            raise DocumentNotFound()
        try:
            return DocumentModel.get(cif, items[0]["sk"]["S"])
        except DocumentModel.DoesNotExist:
            raise DocumentNotFound() from None

    # -- pages ----------------------------------------------------------------------------

    def page(self, cif: str, f: DocumentFilter, page_size: int, token: str | None = None,
             direction: str = "next", known_total: tuple[int | None, bool] | None = None) -> Page:
        plan = rules.plan_query(cif, f)
        fingerprint = f.fingerprint()
        stats = ReadStats()
        if token:
            cursor = self.signer.open(token, cif, fingerprint, plan.key_names)
            start, total, exact = cursor.key, cursor.total, cursor.total_exact
        else:
            start, direction = None, "next"  # without a position there is only a first page
            total, exact = known_total or self._total(cif, f, plan, stats)
        forward = direction == "next"  # "next" = older documents = descending key order
        budget = page_size * rules.READ_BUDGET_FACTOR if plan.filtered else None
        found, position, more = self._collect(plan, f, start, page_size, budget,
                                              descending=forward, stats=stats)
        if not forward:
            found.reverse()
            if not more and start is not None:
                # Back at the beginning: show the first page exactly as it first appeared.
                return self.page(cif, f, page_size, None, "next", known_total=(total, exact))
        keys = [self._key(plan, item) for item in found]

        def seal(key: dict[str, str] | None) -> str | None:
            if key is None:
                return None
            return self.signer.seal(cif, fingerprint, Cursor(key, total, exact))

        if forward:
            next_key = position if more else None
            prev_key = (keys[0] if keys else start) if start is not None else None
        else:
            prev_key = position if more else None
            next_key = keys[-1] if keys else start
        partial = budget is not None and more and len(found) < page_size
        return Page([DocumentModel.from_raw_data(item) for item in found], seal(next_key),
                    seal(prev_key), total, exact, partial, plan.order, stats)

    def _collect(self, plan: QueryPlan, f: DocumentFilter, start: dict[str, str] | None,
                 page_size: int, budget: int | None, *, descending: bool,
                 stats: ReadStats) -> tuple[list[dict], dict[str, str] | None, bool]:
        """Up to page_size matching items after `start`; the position to continue from and
        whether anything may follow."""
        found: list[dict] = []
        esk = start
        read = 0
        round_ = 0
        while True:
            want = page_size + 1 - len(found)
            limit = want if budget is None else min(budget - read, want * (2 ** round_))
            answer = self._query(plan, f, esk, limit, descending=descending, stats=stats)
            read += answer.get("ScannedCount", 0)
            found.extend(answer.get("Items", []))
            esk = _plain_key(answer.get("LastEvaluatedKey"))
            round_ += 1
            if len(found) > page_size:
                found = found[:page_size]
                return found, self._key(plan, found[-1]), True
            if esk is None:
                return found, None, False
            if budget is not None and read >= budget:
                return found, esk, True  # continue the search from where the reading stopped

    def _query(self, plan: QueryPlan, f: DocumentFilter, esk: dict[str, str] | None, limit: int,
               *, descending: bool, stats: ReadStats, count: bool = False) -> QueryOutputTypeDef:
        request = _query_request(self._table, plan, f)
        request["ScanIndexForward"] = not descending
        request["Limit"] = max(1, limit)
        request["ReturnConsumedCapacity"] = "TOTAL"
        if count:
            request["Select"] = "COUNT"
        if esk:
            request["ExclusiveStartKey"] = {k: {"S": v} for k, v in esk.items()}
        with translated_errors("dynamodb"):
            answer = self._dynamodb.query(**request)
        stats.calls += 1
        if count:
            stats.items_counted += answer.get("ScannedCount", 0)
        else:
            stats.items_read += answer.get("ScannedCount", 0)
        stats.capacity += float(answer.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0))
        return answer

    @staticmethod
    def _key(plan: QueryPlan, item: dict[str, Any]) -> dict[str, str]:
        return {name: item[name]["S"] for name in plan.key_names}

    # -- totals ---------------------------------------------------------------------------

    def _total(self, cif: str, f: DocumentFilter, plan: QueryPlan,
               stats: ReadStats) -> tuple[int, bool]:
        counter = rules.exact_total_field(f)
        if counter is not None:
            try:
                company = CompanyModel.get(cif, attributes_to_get=[counter])
            except CompanyModel.DoesNotExist:
                return 0, True
            value = getattr(company, counter, None)
            if value is not None:
                return int(value), True
        return self.count(plan, f, rules.COUNT_BUDGET, stats)

    def count(self, plan: QueryPlan, f: DocumentFilter, budget: int | None,
              stats: ReadStats | None = None) -> tuple[int, bool]:
        """Matches among at most `budget` items read (all when None); (count, exact)."""
        stats = stats or ReadStats()
        matched = read = 0
        esk = None
        while True:
            limit = 10_000 if budget is None else budget - read
            answer = self._query(plan, f, esk, limit, descending=True, stats=stats, count=True)
            matched += answer.get("Count", 0)
            read += answer.get("ScannedCount", 0)
            esk = _plain_key(answer.get("LastEvaluatedKey"))
            if esk is None:
                return matched, True
            if budget is not None and read >= budget:
                return matched, False

    # -- everything (exports) -----------------------------------------------------------------

    def each(self, cif: str, f: DocumentFilter) -> Iterator[DocumentModel]:
        """Every matching document, in the list's order, one DynamoDB page at a time."""
        plan = rules.plan_query(cif, f)
        esk = None
        stats = ReadStats()
        while True:
            answer = self._query(plan, f, esk, EACH_PAGE, descending=True, stats=stats)
            for item in answer.get("Items", []):
                yield DocumentModel.from_raw_data(item)
            esk = _plain_key(answer.get("LastEvaluatedKey"))
            if esk is None:
                return

    def count_all(self, cif: str, f: DocumentFilter) -> int:
        counter = rules.exact_total_field(f)
        plan = rules.plan_query(cif, f)
        if counter is not None:
            total, exact = self._total(cif, f, plan, ReadStats())
            if exact:
                return total
        return self.count(plan, f, None)[0]


def _plain_key(key: dict[str, Any] | None) -> dict[str, str] | None:
    return {k: v["S"] for k, v in key.items()} if key else None


def _query_request(table: str, plan: QueryPlan, f: DocumentFilter) -> QueryInputTypeDef:
    names: dict[str, str] = {"#h": plan.hash_name, "#r": plan.range_name}
    values: dict[str, Any] = {":h": {"S": plan.hash_value}}
    if plan.range_prefix is not None:
        key = "#h = :h AND begins_with(#r, :rp)"
        values[":rp"] = {"S": plan.range_prefix}
    else:
        key = "#h = :h AND #r BETWEEN :rl AND :rh"
        values[":rl"] = {"S": plan.range_low}
        values[":rh"] = {"S": plan.range_high}
    request: QueryInputTypeDef = {"TableName": table, "KeyConditionExpression": key}
    if plan.index:
        request["IndexName"] = plan.index
    conditions = [_condition(name, f, names, values) for name in plan.residual]
    if conditions:
        request["FilterExpression"] = " AND ".join(c for c in conditions if c)
    request["ExpressionAttributeNames"] = names
    request["ExpressionAttributeValues"] = values
    return request


def _condition(name: str, f: DocumentFilter, names: dict[str, str], values: dict[str, Any]) -> str:
    if name == "kind":
        names["#kind"] = "kind"
        values[":kind"] = {"S": f.kind}
        return "#kind = :kind"
    if name == "created":
        low, high = rules.created_bounds(f.created_from, f.created_to)
        names["#sk"] = "sk"
        values.update({":cl": {"S": low}, ":ch": {"S": high}})
        return "#sk BETWEEN :cl AND :ch"
    if name == "issued":
        low, high = rules.issued_bounds(f.issued_from, f.issued_to)
        names["#isk"] = "issue_sk"
        values.update({":il": {"S": low}, ":ih": {"S": high}})
        return "#isk BETWEEN :il AND :ih"
    if name == "number":
        names["#nsk"] = "number_sk"
        values[":np"] = {"S": f.number_prefix}
        return "begins_with(#nsk, :np)"
    if name == "partner":
        names["#pt"] = "partner_text"
        values[":pt"] = {"S": f.partner_folded}
        return "contains(#pt, :pt)"
    if name == "amount":
        names["#amt"] = "amount"
        parts = []
        if f.amount_min is not None:
            values[":amin"] = {"N": str(f.amount_min)}
            parts.append("#amt >= :amin")
        if f.amount_max is not None:
            values[":amax"] = {"N": str(f.amount_max)}
            parts.append("#amt <= :amax")
        return " AND ".join(parts)
    if name == "q":
        names["#st"] = "search_text"
        parts = []
        for i, word in enumerate(f.words[:8]):
            values[f":q{i}"] = {"S": word}
            parts.append(f"contains(#st, :q{i})")
        return " AND ".join(parts)
    raise ValueError(name)


# -- downloads ------------------------------------------------------------------------------------

def file_key(document: DocumentModel, fmt: str) -> str:
    """The S3 key of a document's PDF, XML or original; PdfNotReady / NoSuchFile otherwise."""
    key: str | None
    if fmt == "xml":
        key = document.xml_key
    elif fmt == "original":
        key = document.original_key
    else:
        if document.pdf_status == "not_applicable" or document.kind in ("error", "buyer_message"):
            raise NoSuchFile("Acest document nu are PDF: descărcați XML-ul sau originalul.")
        key = document.pdf_key if document.pdf_status == "ready" else None
        if key is None:
            raise PdfNotReady()
    if not key:
        raise NoSuchFile()
    return key


def base_name(document: DocumentModel) -> str:
    return rules.base_name(kind=document.kind, created_at=document.created_at,
                           message_id=document.message_id, issue_date=document.issue_date,
                           number=document.number, partner_name=document.partner_name)


def render_message(document: DocumentModel) -> dict[str, str]:
    return {"cif": document.cif, "sk": document.sk, "message_id": document.message_id}


def index_fields(document: DocumentModel) -> dict[str, Any]:
    """A document's index fields as plain values (the CSV/XLSX rows read these)."""
    return {name: getattr(document, name, None) for name in (
        "created_at", "kind", "partner_name", "partner_cif", "number", "issue_date", "due_date",
        "currency", "total", "total_with_vat", "vat_total", "signature_status", "pdf_status",
        "message_id", "upload_index")}

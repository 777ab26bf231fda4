"""The document repository's queries: which key range of the table or of one index answers a
filter (the query plan), and the Documents page's reads over it.

Cost follows the page, never the company's size: every list is a DynamoDB Query on the table or
one index (`plan_query` picks it), read in the page's order with a cursor (ExclusiveStartKey)
signed so nobody can hand us someone else's position. Filters that are no key condition
(amount, free text, partner name, a second date range) are a FilterExpression; DynamoDB still
reads the items they drop, so a filtered page reads at most READ_BUDGET_FACTOR × page size
items and returns what it found plus a cursor to continue. Superseded documents (a verified
original replaced them, storage/documents.py) are filtered out unless the filter asks for them.
Totals come from the company's counters when the filter is "everything" or "one type"; any
other total is counted over at most COUNT_BUDGET items ("1000+" beyond that).
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.cursors import Cursor, CursorSigner
from chalicelib.domain.document_filters import DocumentFilter
from chalicelib.domain.errors import ServiceBusy
from chalicelib.domain.romanian_time import ROMANIA
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors
from chalicelib.storage.models import CompanyModel, DocumentModel

if TYPE_CHECKING:
    from types_boto3_dynamodb.type_defs import QueryInputTypeDef, QueryOutputTypeDef

READ_BUDGET_FACTOR = 5  # a filtered page reads at most 5 × page size documents
COUNT_BUDGET = 1000  # a total that needs counting reads at most this many; beyond: "1000+"
EACH_PAGE = 200  # documents per Query when an export reads everything (memory stays small)
BATCH_GET = 100  # DynamoDB's BatchGetItem limit
HIGH = "\uffff"  # sorts after every character of our keys


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
    partner_key: str | None = None  # the "partner_cif" residual's "{cif}#{partner cif}" (by_review)

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
    if f.review:
        # A review state (received invoices only) is a key of its own: every other filter is a
        # residual on the by_review index, which projects them all and the partner key too.
        plan = QueryPlan("by_review", "cif_review", f"{cif}#{f.review}", "sk", low, high,
                         key_names=("cif_review", "sk", "cif"),
                         partner_key=f"{cif}#{f.partner_cif}" if f.partner_cif else None)
        residual += ["kind"] if f.kind else []
        residual += ["partner_cif"] if f.partner_cif else []
        residual += ["number"] if f.number else []
        residual += ["issued"] if has_issued else []
    elif f.partner_cif:
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
    if f.accounting:
        residual.append("accounting")
    return QueryPlan(**{**asdict(plan), "residual": tuple(residual)})


def exact_total_field(f: DocumentFilter) -> str | None:
    """The company counter that is this filter's exact total, if one is."""
    if f.is_empty():
        return "document_count"
    if f == DocumentFilter(kind=f.kind):
        return f"count_{f.kind}"
    return None


# -- the reads ------------------------------------------------------------------------------------

@dataclass
class ReadStats:
    """What the list read from DynamoDB (for the bench and the logs)."""

    calls: int = 0
    items_read: int = 0  # by the page's own queries
    items_counted: int = 0  # by the bounded COUNT of a first page's total
    items_fetched: int = 0  # whole items batch-got from the table after an index query
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

    def find(self, cif: str, message_id: str) -> DocumentModel | None:
        """The document of this company with this ANAF message id (by_message index, then the
        item itself); None for an unknown id or another company's."""
        if not message_id or len(message_id) > 100:
            return None
        with translated_errors("dynamodb"):
            answer = self._dynamodb.query(
                TableName=self._table, IndexName="by_message",
                KeyConditionExpression="#m = :m AND #c = :c",
                ExpressionAttributeNames={"#m": "message_id", "#c": "cif"},
                ExpressionAttributeValues={":m": {"S": message_id}, ":c": {"S": cif}}, Limit=1)
        items = answer.get("Items", [])
        if not items:
            return None
        try:
            return DocumentModel.get(cif, items[0]["sk"]["S"])
        except DocumentModel.DoesNotExist:
            return None

    # -- pages ----------------------------------------------------------------------------

    def page(self, cif: str, f: DocumentFilter, page_size: int, token: str | None = None,
             direction: str = "next", known_total: tuple[int | None, bool] | None = None) -> Page:
        plan = plan_query(cif, f)
        fingerprint = f.fingerprint()
        stats = ReadStats()
        if token:
            cursor = self.signer.open(token, cif, fingerprint, plan.key_names)
            start, total, exact = cursor.key, cursor.total, cursor.total_exact
        else:
            start, direction = None, "next"  # without a position there is only a first page
            total, exact = known_total or self._total(cif, f, plan, stats)
        forward = direction == "next"  # "next" = older documents = descending key order
        budget = page_size * READ_BUDGET_FACTOR if plan.filtered else None
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
        whole = self._whole(plan, found, stats)
        return Page([DocumentModel.from_raw_data(item) for item in whole], seal(next_key),
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
               *, descending: bool, stats: ReadStats, count: bool = False,
               own_export: str | None = None) -> QueryOutputTypeDef:
        request = _query_request(self._table, plan, f, own_export)
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

    def _whole(self, plan: QueryPlan, items: list[dict], stats: ReadStats) -> list[dict]:
        """The whole items, in the same order: the list's indexes project only the filtered
        attributes (storage/models.py LIST_FILTER_ATTRIBUTES), so their matches are batch-got."""
        if plan.index is None or not items:
            return items
        keys = [{"cif": item["cif"], "sk": item["sk"]} for item in items]
        fetched: dict[tuple[str, str], dict] = {}
        for start in range(0, len(keys), BATCH_GET):
            pending: list[Any] = keys[start:start + BATCH_GET]
            for attempt in range(8):
                with translated_errors("dynamodb"):
                    answer = self._dynamodb.batch_get_item(
                        RequestItems={self._table: {"Keys": pending}}, ReturnConsumedCapacity="TOTAL")
                stats.calls += 1
                stats.capacity += sum(float(c.get("CapacityUnits", 0.0)) for c in answer.get("ConsumedCapacity", []))
                for item in answer.get("Responses", {}).get(self._table, []):
                    fetched[(item["cif"]["S"], item["sk"]["S"])] = item
                unprocessed = answer.get("UnprocessedKeys", {}).get(self._table)
                pending = list(unprocessed["Keys"]) if unprocessed else []
                if not pending:
                    break
                clock.sleep(min(1.0, 0.05 * 2 ** attempt))  # DynamoDB asked us to slow down
            else:
                raise ServiceBusy()  # translated like a throttle: the caller retries
        stats.items_fetched += len(fetched)
        return [fetched[key] for key in ((k["cif"]["S"], k["sk"]["S"]) for k in keys) if key in fetched]

    @staticmethod
    def _key(plan: QueryPlan, item: dict[str, Any]) -> dict[str, str]:
        return {name: item[name]["S"] for name in plan.key_names}

    # -- totals ---------------------------------------------------------------------------

    def _total(self, cif: str, f: DocumentFilter, plan: QueryPlan,
               stats: ReadStats) -> tuple[int, bool]:
        counter = exact_total_field(f)
        if counter is not None:
            try:
                company = CompanyModel.get(cif, attributes_to_get=[counter])
            except CompanyModel.DoesNotExist:
                return 0, True
            value = getattr(company, counter, None)
            if value is not None:
                return int(value), True
        return self.count(plan, f, COUNT_BUDGET, stats)

    def count(self, plan: QueryPlan, f: DocumentFilter, budget: int | None,
              stats: ReadStats | None = None, own_export: str | None = None) -> tuple[int, bool]:
        """Matches among at most `budget` items read (all when None); (count, exact)."""
        stats = stats or ReadStats()
        matched = read = 0
        esk = None
        while True:
            limit = 10_000 if budget is None else budget - read
            answer = self._query(plan, f, esk, limit, descending=True, stats=stats, count=True,
                                 own_export=own_export)
            matched += answer.get("Count", 0)
            read += answer.get("ScannedCount", 0)
            esk = _plain_key(answer.get("LastEvaluatedKey"))
            if esk is None:
                return matched, True
            if budget is not None and read >= budget:
                return matched, False

    # -- everything (exports) -----------------------------------------------------------------

    def each(self, cif: str, f: DocumentFilter, own_export: str | None = None) -> Iterator[DocumentModel]:
        """Every matching document, in the list's order, one DynamoDB page at a time.
        `own_export`: the accounting export being built, whose own marks (from an earlier
        attempt of the same build) still count as "not exported"."""
        plan = plan_query(cif, f)
        esk = None
        stats = ReadStats()
        while True:
            answer = self._query(plan, f, esk, EACH_PAGE, descending=True, stats=stats,
                                 own_export=own_export)
            for item in self._whole(plan, answer.get("Items", []), stats):
                yield DocumentModel.from_raw_data(item)
            esk = _plain_key(answer.get("LastEvaluatedKey"))
            if esk is None:
                return

    def count_all(self, cif: str, f: DocumentFilter, own_export: str | None = None) -> int:
        counter = exact_total_field(f)
        plan = plan_query(cif, f)
        if counter is not None:
            total, exact = self._total(cif, f, plan, ReadStats())
            if exact:
                return total
        return self.count(plan, f, None, own_export=own_export)[0]


def _plain_key(key: dict[str, Any] | None) -> dict[str, str] | None:
    return {k: v["S"] for k, v in key.items()} if key else None


def _query_request(table: str, plan: QueryPlan, f: DocumentFilter,
                   own_export: str | None = None) -> QueryInputTypeDef:
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
    # Superseded documents are a handful (tampered copies a verified original replaced): the
    # filter drops them without a read budget of its own.
    names["#sup"] = "superseded_by"
    conditions = ["attribute_exists(#sup)" if f.superseded else "attribute_not_exists(#sup)"]
    conditions += [_condition(name, f, names, values, own_export) for name in plan.residual if name != "partner_cif"]
    if plan.partner_key is not None:
        names["#cp"] = "cif_partner"
        values[":cp"] = {"S": plan.partner_key}
        conditions.append("#cp = :cp")
    request["FilterExpression"] = " AND ".join(c for c in conditions if c)
    request["ExpressionAttributeNames"] = names
    request["ExpressionAttributeValues"] = values
    return request


def _condition(name: str, f: DocumentFilter, names: dict[str, str], values: dict[str, Any],
               own_export: str | None = None) -> str:
    if name == "kind":
        names["#kind"] = "kind"
        values[":kind"] = {"S": f.kind}
        return "#kind = :kind"
    if name == "created":
        low, high = created_bounds(f.created_from, f.created_to)
        names["#sk"] = "sk"
        values.update({":cl": {"S": low}, ":ch": {"S": high}})
        return "#sk BETWEEN :cl AND :ch"
    if name == "issued":
        low, high = issued_bounds(f.issued_from, f.issued_to)
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
    if name == "accounting":
        names["#acc"] = "accounting_export_id"
        if f.accounting == "exported":
            return "attribute_exists(#acc)"
        if own_export:
            values[":own"] = {"S": own_export}
            return "(attribute_not_exists(#acc) OR #acc = :own)"
        return "attribute_not_exists(#acc)"
    raise ValueError(name)



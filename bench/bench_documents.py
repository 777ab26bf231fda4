"""The Documents page at volume: a company with 100 000 documents, and an export of 10 000.

Run: .venv/bin/python bench/bench_documents.py   (or `make bench ONLY=documents`)

Starts its own moto server (a separate process, so the figures below are this process's own),
creates the tables from the models, writes realistic documents with BatchWriteItem, then prints:
- per list page (first, middle, filtered): documents read by DynamoDB (ScannedCount), the read
  capacity that costs in DynamoDB (eventually consistent: 0.5 RCU per 4 KB read per call),
  and the time in our code vs. in the DynamoDB calls (moto scans a partition per query in
  Python, so its share is not what DynamoDB would take);
- the ZIP export of 10 000 documents (XML + PDF + original each): MB/s, and the worker's peak
  memory (tracemalloc's peak of Python allocations, and the growth of the process's max RSS).
Environment: BENCH_DOCUMENTS (default 100000), BENCH_EXPORT (default 10000).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.settings import load_settings
from local.environment import LOCAL_HOST, free_ports, local_environment
from local.stack import listening

DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "100000"))
EXPORT = int(os.environ.get("BENCH_EXPORT", "10000"))
BIG_CIF, EXPORT_CIF = "14399840", "8486152"
WORDS = ["servicii", "consultanță", "mentenanță", "licență", "transport", "marfă", "hârtie", "toner",
         "energie", "închiriere", "abonament", "reparații", "piese", "combustibil", "software"]
PARTNERS = [(f"{name} S.R.L.", str(10_000_000 + i * 7919))
            for i, name in enumerate(["Ștefănescu Impex", "Țară Nouă Logistic", "Alfa Construct", "Beta Soft",
                                      "Gamma Trade", "Delta Agro", "Omega Print", "Brașov Metal",
                                      "Iași Digital", "Cluj Energy", "Timiș Foods", "Constanța Port"] * 25)]


def start_moto() -> tuple[subprocess.Popen, dict[str, str]]:
    ports = free_ports()
    environment = local_environment(ports)
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", LOCAL_HOST, "-p", str(ports.moto)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if listening(ports.moto):
            break
        time.sleep(0.1)
    os.environ.update(environment)
    return process, environment


def document_items(cif: str, count: int, rng: random.Random) -> list[dict]:
    from chalicelib.domain.search_text import listing_fields
    from chalicelib.services.archiver import document_sk

    start = datetime.now(UTC) - timedelta(days=3 * 365)
    step = (3 * 365 * 86400) / count
    items = []
    for i in range(count):
        created = start + timedelta(seconds=i * step)
        message_id = str(3_000_000_000 + i)
        kind = rng.choices(["received", "sent", "error", "buyer_message"], [55, 40, 3, 2])[0]
        sk = document_sk(created, message_id)
        item = {"cif": cif, "sk": sk, "message_id": message_id, "kind": kind,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%f+0000"),
                "upload_index": str(5_000_000_000 + i), "signature_status": "valid",
                "original_key": "bench/original.zip", "original_sha256": "0" * 64, "original_size": 9000,
                "xml_key": "bench/invoice.xml", "signature_key": "bench/signature.xml"}
        number = partner = lines = total = None
        if kind in ("received", "sent"):
            partner = rng.choice(PARTNERS)
            number = f"{rng.choice(['FCT', 'AB', 'INV', 'F'])}-{rng.randint(1, 99999):05d}"
            issue = (created - timedelta(days=rng.randint(0, 5))).date().isoformat()
            total = str(Decimal(rng.randint(1_000, 5_000_000)) / 100)
            lines = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} lot {rng.randint(1, 999)}"
                     for _ in range(rng.randint(1, 8))]
            item.update({"partner_name": partner[0], "partner_cif": partner[1], "cif_partner": f"{cif}#{partner[1]}",
                         "number": number, "issue_date": issue, "issue_sk": f"{issue}#{message_id}",
                         "currency": "RON", "total": total, "total_with_vat": total, "vat_total": "0",
                         "line_names": lines, "line_count": len(lines), "pdf_status": "ready",
                         "pdf_key": "bench/invoice.pdf", "parse_status": "ok", "document_type": "invoice"})
        else:
            item.update({"pdf_status": "not_applicable", "messages": ["E: validari globale SCHEMATRON"]})
        fields = listing_fields(cif=cif, kind=kind, sk=sk, number=number,
                                partner_name=partner[0] if partner else None,
                                partner_cif=partner[1] if partner else None,
                                line_names=lines, total=total)
        item.update({name: value for name, value in fields.items() if value is not None})
        items.append(item)
    return items


def to_dynamo(item: dict) -> dict:
    out = {}
    for key, value in item.items():
        if isinstance(value, list):
            out[key] = {"L": [{"S": v} for v in value]}
        elif isinstance(value, (int, float)):
            out[key] = {"N": str(value)}
        else:
            out[key] = {"S": value}
    return out


def write_items(settings, items: list[dict]) -> float:
    from chalicelib.storage.aws import aws_client
    dynamodb = aws_client(settings, "dynamodb")
    table = settings.documents_table

    def batch(chunk: list[dict]) -> None:
        request = {table: [{"PutRequest": {"Item": to_dynamo(item)}} for item in chunk]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(batch, [items[i:i + 25] for i in range(0, len(items), 25)]))
    return time.perf_counter() - t0


def item_size(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8), numbers ~ their digits."""
    size = 0
    for key, value in item.items():
        size += len(key.encode())
        if isinstance(value, list):
            size += 3 + sum(len(v.encode()) + 1 for v in value)
        else:
            size += len(str(value).encode())
    return size


INDEX_OVERHEAD = 100  # bytes DynamoDB adds per item and per index entry (storage and write size)


def document_storage(items: list[dict]) -> dict[str, float]:
    """Bytes stored and write units of a document's first write: the item plus one copy per
    index whose key it has, each copy holding the keys and the index's projected attributes;
    also as if the list's four indexes copied whole items (their projection before issue 14)."""
    from chalicelib.storage.models import DocumentModel

    def figures(whole_copies: bool) -> tuple[float, float]:
        stored = units = 0
        for item in items:
            size = item_size(item) + INDEX_OVERHEAD
            stored, units = stored + size, units + -(-size // 1024)
            for index in DocumentModel._indexes.values():
                keys = [a.attr_name for a in index.Meta.attributes.values() if a.is_hash_key or a.is_range_key]
                if not all(k in item for k in keys):
                    continue  # a sparse index: no copy
                projection = index.Meta.projection
                if whole_copies and projection.projection_type != "KEYS_ONLY":
                    copied = item
                else:
                    names = {"cif", "sk", *keys, *(projection.non_key_attributes or [])}
                    copied = {k: v for k, v in item.items() if k in names}
                copy = item_size(copied) + INDEX_OVERHEAD
                stored, units = stored + copy, units + -(-copy // 1024)
        return stored / len(items), units / len(items)

    now_bytes, now_units = figures(False)
    was_bytes, was_units = figures(True)
    return {"bytes": now_bytes, "write_units": now_units, "bytes_whole": was_bytes, "write_units_whole": was_units}


def storage_per_document(items: list[dict]) -> None:
    figures = document_storage(items)
    now_bytes, now_units = figures["bytes"], figures["write_units"]
    was_bytes, was_units = figures["bytes_whole"], figures["write_units_whole"]
    print(f"DynamoDB per document (item + index copies, {len(items):,} documents): {now_bytes / 1024:.2f} KiB stored, "
          f"{now_units:.1f} write units per first write (with whole-item list indexes: {was_bytes / 1024:.2f} KiB, "
          f"{was_units:.1f} write units)")


class TimedClient:
    """Wraps the boto3 DynamoDB client: time spent in calls, for the code/DynamoDB split."""

    def __init__(self, client) -> None:
        self._client = client
        self.seconds = 0.0

    def query(self, **kwargs):
        t0 = time.perf_counter()
        try:
            return self._client.query(**kwargs)
        finally:
            self.seconds += time.perf_counter() - t0

    def batch_get_item(self, **kwargs):
        t0 = time.perf_counter()
        try:
            return self._client.batch_get_item(**kwargs)
        finally:
            self.seconds += time.perf_counter() - t0


def bench_pages(settings, average_size: int) -> None:
    from chalicelib.domain.cursors import Cursor, CursorSigner
    from chalicelib.domain.document_filters import parse_filter
    from chalicelib.storage.document_queries import DocumentIndex, plan_query

    index = DocumentIndex(settings, lambda: b"bench-key" * 4)
    timed = TimedClient(index._dynamodb)
    index._dynamodb = timed
    start = datetime.now(UTC) - timedelta(days=3 * 365)
    middle_created = start + timedelta(seconds=(DOCUMENTS // 2) * (3 * 365 * 86400) / DOCUMENTS)
    middle_sk = f"created#{middle_created:%Y%m%d%H%M}#{3_000_000_000 + DOCUMENTS // 2}"
    signer = CursorSigner(b"bench-key" * 4)
    empty = parse_filter({})
    middle = signer.seal(BIG_CIF, empty.fingerprint(), Cursor({"cif": BIG_CIF, "sk": middle_sk}, DOCUMENTS, True))
    partner = PARTNERS[3]
    cases = [
        ("first page, no filter", {}, None),
        ("middle page (cursor at 50 000)", {}, middle),
        ("type = received", {"type": "received"}, None),
        ("partner CIF", {"partner": partner[1]}, None),
        ("number prefix FCT-0", {"number": "FCT-0"}, None),
        ("issued in one month", {"issued_from": (middle_created - timedelta(days=30)).date().isoformat(),
                                 "issued_to": middle_created.date().isoformat()}, None),
        ("created one month + received", {"created_from": (middle_created - timedelta(days=30)).date().isoformat(),
                                          "created_to": middle_created.date().isoformat(), "type": "received"}, None),
        ("free text 'toner' (bounded)", {"q": "toner"}, None),
        ("free text 'stefanescu toner' (bounded)", {"q": "stefanescu toner"}, None),
        ("amount 1000..1100 (bounded)", {"amount_min": "1000", "amount_max": "1100"}, None),
        ("partner name 'brasov' (bounded)", {"partner": "brasov"}, None),
    ]
    print(f"list pages over {DOCUMENTS:,} documents (average item {average_size} B), page size 50:")
    print(f"  {'page':42} {'docs':>5} {'read':>6} {'count':>6} {'got':>4} {'calls':>5} {'RCU':>7} {'total':>10} "
          f"{'ms code':>8} {'ms moto':>8}")
    for label, params, cursor in cases:
        f = parse_filter(params)
        plan_query(BIG_CIF, f)
        timed.seconds = 0.0
        t0 = time.perf_counter()
        page = index.page(BIG_CIF, f, 50, cursor, "next")
        elapsed = time.perf_counter() - t0
        read = page.stats.items_read + page.stats.items_counted
        # An index read returns the projected attributes only (smaller than average_size: an upper
        # bound here); a batch-get costs 0.5 RCU per item under 4 KB.
        rcu = read * average_size / 4096 * 0.5 + 0.5 * page.stats.calls + 0.5 * page.stats.items_fetched
        total = f"{page.total}{'' if page.total_exact else '+'}"
        print(f"  {label:42} {len(page.documents):5d} {page.stats.items_read:6d} "
              f"{page.stats.items_counted:6d} {page.stats.items_fetched:4d} {page.stats.calls:5d} "
              f"{rcu:7.1f} {total:>10} {(elapsed - timed.seconds) * 1000:8.1f} {timed.seconds * 1000:8.1f}")
        if page.next_cursor and cursor is None and params == {}:
            timed.seconds = 0.0
            t0 = time.perf_counter()
            second = index.page(BIG_CIF, f, 50, page.next_cursor, "next")
            elapsed = time.perf_counter() - t0
            rcu = second.stats.items_read * average_size / 4096 * 0.5 + 0.5 * second.stats.calls
            print(f"  {'second page (cursor, total carried)':42} {len(second.documents):5d} "
                  f"{second.stats.items_read:6d} {0:6d} {second.stats.items_fetched:4d} {second.stats.calls:5d} "
                  f"{rcu:7.1f} {'':>10} "
                  f"{(elapsed - timed.seconds) * 1000:8.1f} {timed.seconds * 1000:8.1f}")
    print("  (read: documents DynamoDB read for the page; got: whole items batch-got after an index query\n"
          "   (the list's indexes project only the filtered attributes); count: for the first page's bounded COUNT\n"
          "   (none when a counter is exact, at most 1000); RCU: on-demand, eventually consistent,\n"
          "   both together; total + = at least; ms moto: moto scans a partition per query in Python)")


def bench_export(settings, environment: dict[str, str]) -> None:
    from chalicelib.storage.blobs import ArchiveBucket
    from chalicelib.storage.models import ExportModel

    archive = ArchiveBucket(settings)
    rng = random.Random(7)
    xml = ("<Invoice>" + "".join(f"<Line>{rng.choice(WORDS)} {i} {rng.random()}</Line>" for i in range(300))
           + "</Invoice>").encode()
    archive.put("bench/invoice.xml", xml, "application/xml")
    archive.put("bench/invoice.pdf", rng.randbytes(45_000), "application/pdf")
    archive.put("bench/original.zip", rng.randbytes(9_000), "application/zip")
    write_items(settings, document_items(EXPORT_CIF, EXPORT, random.Random(3)))
    print(f"ZIP export of {EXPORT:,} documents (XML {len(xml) // 1024} KiB + PDF 44 KiB + original 9 KiB each),"
          " each run in a fresh process:")
    for traced in (False, True):
        now = datetime.now(UTC)
        export = ExportModel(export_id=f"bench{int(traced)}{int(time.time())}", owner_user_id="bench",
                             cif=EXPORT_CIF, filters={}, created_at=now, expires_at=now + timedelta(days=7),
                             format="zip")
        export.save()
        subprocess.run([sys.executable, __file__, "--export", export.export_id, "traced" if traced else "plain"],
                       env={**os.environ, **environment}, check=True)


def memory_kib(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc (KiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def export_child(export_id: str, traced: bool) -> None:
    """One export build in this (fresh) process: its time, size and memory."""
    from chalicelib import dependencies
    from chalicelib.services import exports
    from chalicelib.settings import get_settings
    from chalicelib.storage.blobs import ArchiveBucket
    from chalicelib.storage.document_queries import DocumentIndex
    from chalicelib.storage.models import ExportModel, bind_models

    settings = get_settings()
    bind_models(settings)
    builder = exports.ExportBuilder(settings, ArchiveBucket(settings), DocumentIndex(settings),
                                    dependencies.notifications(), lambda: datetime.now(UTC),
                                    dependencies.webhook_events())
    ExportModel.get(export_id)  # clients and connections warm before measuring
    rss_before = memory_kib("VmRSS")
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    status = builder.build(export_id)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    rss_after = memory_kib("VmHWM")
    done = ExportModel.get(export_id)
    size_mb = (done.size or 0) / 1e6
    line = (f"  {'tracemalloc' if traced else 'throughput'} run: {status}, {int(done.done)} documents, "
            f"{size_mb:.1f} MB in {elapsed:.1f} s = {size_mb / elapsed:.1f} MB/s, "
            f"{int(done.done) / elapsed:.0f} documents/s; ")
    if traced:
        line += f"peak Python allocations during the build {peak / 1e6:.1f} MB"
    else:
        line += (f"process RSS {rss_before / 1024:.0f} MB before the build, peak RSS "
                 f"{rss_after / 1024:.0f} MB (+{(rss_after - rss_before) / 1024:.0f} MB)")
    print(line, flush=True)


def main() -> None:
    process, environment = start_moto()
    try:
        from chalicelib.storage.models import CompanyModel, bind_models
        from local.anaf_sandbox import signing as sandbox_signing
        from local.bootstrap import bootstrap

        settings = load_settings(environment)
        bootstrap(settings, anaf_client_secret="bench", trusted_signers=sandbox_signing.chain_pem())
        bind_models(settings)
        rng = random.Random(1)
        items = document_items(BIG_CIF, DOCUMENTS, rng)
        counts = {kind: sum(1 for i in items if i["kind"] == kind)
                  for kind in ("received", "sent", "error", "buyer_message")}
        for cif, n in ((BIG_CIF, counts), (EXPORT_CIF, None)):
            company = CompanyModel(cif=cif, name="Bench S.R.L.", created_at=datetime.now(UTC),
                                   document_count=DOCUMENTS if n else EXPORT)
            if n:
                for kind, value in n.items():
                    setattr(company, f"count_{kind}", value)
            company.save()
        average = sum(item_size(i) for i in items[:2000]) // 2000
        storage_per_document(items[:2000])
        seconds = write_items(settings, items)
        print(f"wrote {DOCUMENTS:,} documents with BatchWriteItem in {seconds:.0f} s (moto)")
        del items
        bench_pages(settings, average)
        bench_export(settings, environment)
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--export":
        export_child(sys.argv[2], sys.argv[3] == "traced")
    else:
        main()

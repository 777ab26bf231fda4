"""Dispatch of due companies: time, DynamoDB reads and SQS messages, with 100 000 companies
in the table and (a) 1 000 of them due, (b) 100 000 due (10 000 when the first scenario shows
that 100 000 would not finish in a few minutes on this machine; it says so).

Run: .venv/bin/python bench/bench_dispatch.py      (or: make bench ONLY=dispatch)

Against moto's server (started here with the bootstrap; nothing else). The companies are written
with boto3's batch_write_item, 25 items a call, from a few threads; each has next_sync_at one
second after the previous one, all in the future of a reference time T0, so calling
dispatch_due_companies(now=T0 + N s, queues) finds exactly N companies due: the same table
serves both scenarios.

Reads are counted on pynamodb's low-level connection: every Query/Scan/GetItem/BatchGetItem
it dispatches is asked for ReturnConsumedCapacity=TOTAL and its answer's Count (items returned)
and ScannedCount (items evaluated) are summed; moto's consumed-capacity figure is printed too but
is not DynamoDB's. SQS messages are counted on WorkQueues. Time is wall time of the whole call.
Caveat printed with the figures: moto answers a GSI query by walking every item of the table in
Python, so moto's query *time* grows with the table even though the items read do not; in
DynamoDB a query reads only the index entries in its key range.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMPANIES = int(os.environ.get("BENCH_DISPATCH_COMPANIES", "100000"))
DUE_A = int(os.environ.get("BENCH_DISPATCH_DUE_A", "1000"))
DUE_B_WANTED = int(os.environ.get("BENCH_DISPATCH_DUE_B", "100000"))
DUE_B_FALLBACK = 10_000
FEASIBLE_S = float(os.environ.get("BENCH_DISPATCH_MAX_S", "240"))  # "a few minutes"
WRITE_THREADS = 4
BATCH = 25


class Counters:
    """What pynamodb's connection sent to DynamoDB, and what SQS was asked to carry."""

    READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems"})

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.items_returned = 0
        self.items_scanned = 0
        self.capacity = 0.0
        self.capacity_reported = False
        self.sqs_messages = 0
        self.sqs_calls = 0

    def install(self):
        from pynamodb.connection.base import Connection

        from chalicelib.storage.queues import WorkQueues

        real_dispatch = Connection.dispatch
        real_send, real_send_many = WorkQueues.send, WorkQueues.send_many
        counters = self

        def dispatch(conn, operation_name, operation_kwargs):
            if operation_name in counters.READS:
                operation_kwargs = {**operation_kwargs, "ReturnConsumedCapacity": "TOTAL"}
            t0 = time.perf_counter()
            answer = real_dispatch(conn, operation_name, operation_kwargs)
            spent = time.perf_counter() - t0
            with counters.lock:
                counters.calls[operation_name] += 1
                counters.seconds[operation_name] += spent
                if operation_name in counters.READS:
                    counters.items_returned += answer.get("Count", len(answer.get("Items", [])))
                    counters.items_scanned += answer.get("ScannedCount", 0)
                    consumed = answer.get("ConsumedCapacity")
                    for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
                        counters.capacity += float(entry.get("CapacityUnits", 0))
                        counters.capacity_reported = True
            return answer

        def send(queues, key, body):
            t0 = time.perf_counter()
            real_send(queues, key, body)
            with counters.lock:
                counters.sqs_messages += 1
                counters.sqs_calls += 1
                counters.seconds["SQS SendMessage"] += time.perf_counter() - t0

        def send_many(queues, key, bodies):
            bodies = list(bodies)
            sent = real_send_many(queues, key, bodies)
            with counters.lock:
                counters.sqs_messages += sent
                counters.sqs_calls += -(-len(bodies) // 10)
            return sent

        Connection.dispatch = dispatch
        WorkQueues.send, WorkQueues.send_many = send, send_many

        def undo() -> None:
            Connection.dispatch = real_dispatch
            WorkQueues.send, WorkQueues.send_many = real_send, real_send_many
        return undo


def write_companies(t0: datetime, count: int = COMPANIES) -> float:
    """Companies 0..count-1, company k due at t0 + k seconds; returns the seconds it took."""
    from chalicelib import dependencies
    from chalicelib.services.dispatch import due_shard
    from chalicelib.storage.aws import aws_client
    from chalicelib.storage.models import CompanyModel

    settings = dependencies.settings()
    table = settings.companies_table
    created = datetime(2026, 1, 1, tzinfo=UTC)

    def item(k: int) -> dict:
        cif = str(10_000_000 + k)
        company = CompanyModel(cif=cif, name=f"Companie {k}", created_at=created, licence="free",
                               authorization_state="connected", due_shard=due_shard(cif),
                               next_sync_at=t0 + timedelta(seconds=k))
        return {"PutRequest": {"Item": company.serialize()}}

    local = threading.local()

    def write(start: int) -> None:
        client = getattr(local, "client", None) or aws_client(settings, "dynamodb")
        local.client = client
        requests = {table: [item(k) for k in range(start, min(start + BATCH, count))]}
        while requests:
            answer = client.batch_write_item(RequestItems=requests)
            requests = answer.get("UnprocessedItems") or {}

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        list(pool.map(write, range(0, count, BATCH)))
    return time.perf_counter() - started


def run_scenario(label: str, t0: datetime, due_wanted: int, counters: Counters) -> dict:
    from chalicelib import dependencies
    from chalicelib.services.dispatch import dispatch_due_companies

    now = t0 + timedelta(seconds=due_wanted - 1, milliseconds=500)
    counters.reset()
    started = time.perf_counter()
    done = threading.Event()

    def progress() -> None:  # a long scenario shows where it is, once a minute
        while not done.wait(60):
            print(f"    ({label}) after {time.perf_counter() - started:.0f} s: {counters.sqs_messages:,} enqueued, "
                  f"{counters.items_returned:,} items read", flush=True)

    reporter = threading.Thread(target=progress, daemon=True)
    reporter.start()
    try:
        result = dispatch_due_companies(now, dependencies.work_queues())
    finally:
        done.set()
    seconds = time.perf_counter() - started
    reads = counters.items_returned
    print(f"({label}) companies in table {COMPANIES:,}; due {result.due:,} (enqueued {result.enqueued:,}, "
          f"skipped {result.skipped:,}); items read {reads:,} (scanned {counters.items_scanned:,}) in "
          f"{counters.calls['Query']:,} query pages; reads per due company {reads / max(result.due, 1):.3f}; "
          f"reads / table {reads / COMPANIES:.4f}; SQS messages {counters.sqs_messages:,} in "
          f"{counters.sqs_calls:,} calls; {seconds:.1f} s; {result.due / seconds:,.0f} companies/s", flush=True)
    capacity = (f"{counters.capacity:,.1f} read capacity units as moto reports them"
                if counters.capacity_reported else "moto reported no consumed capacity")
    parts = ", ".join(f"{op} {counters.calls[op]:,} calls {counters.seconds[op]:.1f} s"
                      for op in sorted(counters.calls))
    print(f"    DynamoDB: {parts}; SQS SendMessage {counters.seconds['SQS SendMessage']:.1f} s; {capacity}",
          flush=True)
    return {"due": result.due, "seconds": seconds, "reads": reads}


def main() -> None:
    from bench._local import moto_only  # sets fake AWS credentials first

    print(f"{COMPANIES:,} companies; scenarios: {DUE_A:,} due, then {DUE_B_WANTED:,} due (if feasible)", flush=True)
    started = time.perf_counter()
    with moto_only():
        print(f"moto + bootstrap up in {time.perf_counter() - started:.1f} s", flush=True)
        t0 = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        seconds = write_companies(t0)
        print(f"wrote {COMPANIES:,} companies in {seconds:.1f} s ({COMPANIES / seconds:,.0f} items/s, "
              f"batch_write_item x{BATCH}, {WRITE_THREADS} threads)", flush=True)
        counters = Counters()
        undo = counters.install()
        try:
            a = run_scenario("a", t0, DUE_A, counters)
            # What the per-company part costs here, to judge whether 100 000 fit in a few minutes.
            per_company = a["seconds"] / max(a["due"], 1)
            projected = per_company * DUE_B_WANTED
            due_b = DUE_B_WANTED
            if projected > FEASIBLE_S:
                due_b = DUE_B_FALLBACK
                print(f"(b) {DUE_B_WANTED:,} due would take about {projected:,.0f} s at the rate of (a) "
                      f"({per_company * 1000:.1f} ms per due company): more than {FEASIBLE_S:.0f} s, so "
                      f"(b) runs {due_b:,} due instead (BENCH_DISPATCH_MAX_S raises the bound)", flush=True)
            write_companies(t0, DUE_A)  # (a) moved its companies a day on: put them back
            b = run_scenario("b", t0, due_b, counters)
        finally:
            undo()
        ratio = (b["reads"] / max(a["reads"], 1)) / (b["due"] / max(a["due"], 1))
        print(f"reads follow the companies due, not the table: (b)/(a) reads = {b['reads'] / max(a['reads'], 1):.2f}x "
              f"for {b['due'] / max(a['due'], 1):.2f}x the due companies (ratio {ratio:.2f}); the table "
              f"({COMPANIES:,}) is never scanned", flush=True)
        print("note: moto answers a GSI query by walking the whole table in Python, so its query *time* grows "
              "with the table; the items read (what DynamoDB bills) do not", flush=True)


if __name__ == "__main__":
    main()

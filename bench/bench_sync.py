"""The archive engine end to end: one company with BENCH_SYNC_MESSAGES (400) messages in its
60-day window, archived by Arhivar's sync worker against the ANAF sandbox on the local stack
(moto server as AWS), and the same window archived by anaf-sync (PyPI, built on anafpy) against
the same sandbox, the two taking turns.

Run: .venv/bin/python bench/bench_sync.py      (or: make bench ONLY=sync)

The comparison is fair by construction: the same listed messages, the same sandbox with ANAF's
answer time added to every e-Factura call of both tools (BENCH_SYNC_LATENCY_MS, 200 ms: a
"latency" fault rule firing always), and the tools interleaved in one run: an Arhivar run of a
BENCH_SYNC_SEGMENT_S (20 s) slice, then anaf-sync for as long, and so on, then anaf-sync alone
to its end in one last turn, so a change in the machine's load falls on both. Rates are printed
per listed message (Arhivar archives every one; anaf-sync lists them all and skips error notices
and buyer messages) and per archived invoice, with their ratio.

Prints, for Arhivar: messages/s, the runs, ANAF calls, bytes archived, AWS calls per archived
message by service (botocore before-call hooks on every client), memory and where the worker's
threads spent their time; for anaf-sync: the same figures from its own process.

Peak memory of a first sync (opt-in, long): BENCH_SYNC_MEMORY=1 BENCH_SYNC_MESSAGES=10000 runs
the sync worker alone in a fresh process (what the Lambda imports, then its runs until the first
sync is complete) and prints that process's peak RSS (VmHWM), the goal being under 256 MB.

ANAF's 1000 calls/minute would bound what is measured, so both tools run with the per-minute
limits lifted (the sandbox's counter is emptied every 2 s; Arhivar's bucket gets a limit of
10^6, still leased from DynamoDB as usual); the daily limits stay. BENCH_SYNC_ANAF_LIMITS=1
keeps them. anaf-sync is stopped (SIGINT, as Ctrl-C) after BENCH_SYNC_ANAF_SYNC_S (300) seconds
of its time in all (0 = to its end). moto's TransactWriteItems deep-copies each table it touches
(O(documents) per transaction); the bench's moto skips that copy (bench/_local.py;
BENCH_REAL_MOTO=1 keeps it).

Other knobs: BENCH_SYNC_ANAF_SYNC=0 (Arhivar alone), BENCH_TRACEMALLOC=0 (no tracemalloc: its
hooks slow allocation-heavy code, much of this worker's CPU; the children use the same setting).

How anaf-sync is pointed at the sandbox (in its own process, nothing else touched): anafpy's
EFacturaClient accepts an injected httpx2.AsyncClient with a base URL (its documented
test/proxy seam), but anaf-sync builds the client itself, so the child process replaces the
name anaf_sync.engine.EFacturaClient with a subclass that injects
httpx2.AsyncClient(base_url=<sandbox>/prod/FCTEL/rest/, auth=AnafAuth(provider)); anafpy's
token URL constant is pointed at the sandbox too, so a token refresh could never leave the
machine. Tokens come from the sandbox's OAuth page (same registered client as Arhivar) into
anafpy's file token store; HOME and the XDG folders point into a temporary directory, which
also holds anaf-sync's config.toml (artifacts zip + xml, direction both), state and archive.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOLUME_CIF = "14399840"  # a valid CIF; the sandbox adds it as the volume company
MESSAGES = int(os.environ.get("BENCH_SYNC_MESSAGES", "400"))
LAMBDA_BUDGET_S = 300.0
MAX_INVOCATIONS = 400
# The two tools take turns on the same window, this many seconds each (Arhivar: one run with
# this slice; anaf-sync: its CLI stopped with Ctrl-C after this long, resumed next turn), so a
# change in the machine's load falls on both.
SEGMENT_S = float(os.environ.get("BENCH_SYNC_SEGMENT_S", "20"))
# Opt-in: the Arhivar worker alone in its own process, to the end of a first sync, its peak RSS
# measured (the 10 000-message figure: BENCH_SYNC_MEMORY=1 BENCH_SYNC_MESSAGES=10000).
MEMORY_RUN = os.environ.get("BENCH_SYNC_MEMORY") == "1"
# The memory run's slice per run (the product's is 50 s: sync.RUN_SLICE); a longer one holds at
# least as much per run and re-lists the window less often, so the long run ends sooner.
MEMORY_SLICE_S = float(os.environ.get("BENCH_SYNC_SLICE_S", "240"))
KEEP_ANAF_LIMITS = os.environ.get("BENCH_SYNC_ANAF_LIMITS") == "1"
RUN_ANAF_SYNC = os.environ.get("BENCH_SYNC_ANAF_SYNC", "1") != "0"
# anaf-sync downloads one message at a time; with 10 000 messages it needs far more than a few
# minutes, so by default it is stopped (SIGINT, as Ctrl-C) after this many seconds and its rate
# is taken over what it archived by then, the listing of the whole window included. 0: no limit.
ANAF_SYNC_TIME_BOX_S = float(os.environ.get("BENCH_SYNC_ANAF_SYNC_S", "300"))
TRACEMALLOC = os.environ.get("BENCH_TRACEMALLOC", "1") != "0"
# ANAF's own answer time, added by the sandbox to every e-Factura call of both tools (a fault
# rule of kind "latency" firing always); 0 = the sandbox's bare speed.
ANAF_LATENCY_MS = int(os.environ.get("BENCH_SYNC_LATENCY_MS", "200"))
HERE = Path(__file__).resolve()


def max_rss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss is KiB on Linux)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def hwm_rss_mib() -> float:
    """Peak RSS of this process image (VmHWM). Used in the anaf-sync child: Linux carries
    ru_maxrss over fork + exec, so a child's ru_maxrss starts at its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return max_rss_mib()


# -- where the worker's time goes -----------------------------------------------------------

class Timings:
    """Thread-seconds spent in a few engine steps (summed over the worker's threads)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        real = getattr(owner, name)

        @functools.wraps(real)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent = time.perf_counter() - t0
                with self._lock:
                    self.seconds[label] += spent
                    self.calls[label] += 1

        self._undo.append((owner, name, real))
        setattr(owner, name, timed)

    def undo(self) -> None:
        for owner, name, real in reversed(self._undo):
            setattr(owner, name, real)
        self._undo.clear()


def instrument() -> Timings:
    from chalicelib.anaf.efactura import EFacturaClient
    from chalicelib.services import archiver as archiver_module
    from chalicelib.services.archiver import Archiver
    from chalicelib.services.budget import CallBudget
    from chalicelib.services.sync import CompanySync
    from chalicelib.storage.blobs import ArchiveBucket
    from chalicelib.storage.queues import WorkQueues

    timings = Timings()
    timings.wrap(EFacturaClient, "list_messages_page", "ANAF list page (HTTP)")
    timings.wrap(CompanySync, "_missing", "which are archived (DynamoDB batch_get)")
    timings.wrap(CallBudget, "spend_download", "call budget (DynamoDB counters)")
    timings.wrap(EFacturaClient, "download", "ANAF download (HTTP)")
    timings.wrap(archiver_module, "open_anaf_zip", "ZIP checks")
    timings.wrap(ArchiveBucket, "put", "S3 puts (3 per message)")
    timings.wrap(archiver_module, "verify_signature", "signature verification")
    timings.wrap(Archiver, "_index", "UBL parse + index fields")
    timings.wrap(Archiver, "_record", "DynamoDB transaction")
    timings.wrap(WorkQueues, "send", "SQS sends (render, notify)")
    return timings


# -- AWS calls per archived message -----------------------------------------------------------

AWS_CALL_KINDS = {
    ("s3", "PutObject"): "S3 puts", ("s3", "CreateMultipartUpload"): "S3 puts",
    ("dynamodb", "GetItem"): "DynamoDB reads", ("dynamodb", "BatchGetItem"): "DynamoDB reads",
    ("dynamodb", "Query"): "DynamoDB reads", ("dynamodb", "Scan"): "DynamoDB reads",
    ("dynamodb", "PutItem"): "DynamoDB writes", ("dynamodb", "UpdateItem"): "DynamoDB writes",
    ("dynamodb", "DeleteItem"): "DynamoDB writes", ("dynamodb", "BatchWriteItem"): "DynamoDB writes",
    ("dynamodb", "TransactWriteItems"): "DynamoDB transactions",
    ("sqs", "SendMessage"): "SQS sends", ("sqs", "SendMessageBatch"): "SQS sends",
    ("kms", "Decrypt"): "KMS Decrypt",
}
BUDGET = "budget counter updates (DynamoDB)"


class AwsCalls:
    """Every AWS call the worker makes, by kind, counted on botocore's `before-call` event of
    every client (boto3's, pynamodb's per-thread ones too): each new client gets the hook, and the
    clients made before the bench started are found through botocore's client creator. The
    budget's DynamoDB calls are told apart by the thread being inside CallBudget."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._inside_budget = threading.local()
        self._undo: list[tuple[object, str, object]] = []
        self._hooked: list[object] = []

    def start(self) -> None:
        import botocore.client

        from chalicelib.services.budget import CallBudget

        real_make = botocore.client.BaseClient._make_api_call
        counter = self

        def make_api_call(client, operation_name, api_params):
            # Registers the hook on a client the first time it calls (clients made before the
            # bench included); the hook does the counting.
            if not getattr(client, "_bench_hooked", False):
                client.meta.events.register("before-call", counter._count)
                client._bench_hooked = True
                counter._hooked.append(client)
            return real_make(client, operation_name, api_params)

        self._patch(botocore.client.BaseClient, "_make_api_call", make_api_call)
        for name in ("spend_call", "spend_list", "spend_download"):
            self._patch(CallBudget, name, self._marking_budget(getattr(CallBudget, name)))

    def stop(self) -> None:
        for client in self._hooked:
            client.meta.events.unregister("before-call", self._count)
            client._bench_hooked = False
        self._hooked.clear()
        for owner, name, real in reversed(self._undo):
            setattr(owner, name, real)
        self._undo.clear()

    def _patch(self, owner: object, name: str, replacement: object) -> None:
        self._undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    def _marking_budget(self, real):
        inside = self._inside_budget

        @functools.wraps(real)
        def spend(*args, **kwargs):
            inside.depth = getattr(inside, "depth", 0) + 1  # spend_download calls spend_call
            try:
                return real(*args, **kwargs)
            finally:
                inside.depth -= 1
        return spend

    def _count(self, event_name: str, **_kwargs) -> None:
        _, service, operation = event_name.split(".", 2)
        kind = AWS_CALL_KINDS.get((service, operation), f"other {service}.{operation}")
        if service == "dynamodb" and getattr(self._inside_budget, "depth", 0):
            kind = BUDGET
        with self._lock:
            self.counts[kind] += 1


def child_cpu_seconds(stack) -> dict[str, float]:
    import psutil

    out = {}
    for name, child in stack._children:  # the stack's own processes (moto, sandbox, web)
        try:
            times = psutil.Process(child.pid).cpu_times()
            out[name] = times.user + times.system
        except psutil.Error:
            pass
    return out


def self_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# -- Arhivar ----------------------------------------------------------------------------------

def connect_company(stack, serial: str) -> None:
    from tests.api.conftest import authorize, sign_up

    user = sign_up(stack.ports.web_url)
    answer = user.call("POST", "/companies", json={"cif": VOLUME_CIF})
    assert answer.status_code in (200, 201), answer.text
    connected = authorize(user, VOLUME_CIF, serial)
    assert connected.get("anaf") == "connected", connected


def lift_budget() -> None:
    """Arhivar's own per-minute budget out of the way (still written to DynamoDB as usual)."""
    from chalicelib import dependencies
    from chalicelib.domain.call_bucket import Bucket
    from chalicelib.services.budget import CallBudget

    lifted = CallBudget(dependencies.now, bucket=Bucket(limit=1_000_000, burst=100))
    dependencies.call_budget = lambda: lifted  # what company_sync() asks for


def sync_to_the_end(between=None, slice_s: float | None = None) -> tuple[list[dict], dict]:
    """Sync runs of the volume company until one is not partial (a Lambda invocation each, its
    time_left_s as the worker sees it); `between` runs after each (the other tool's turn)."""
    from chalicelib import dependencies
    from chalicelib.services import sync

    invocations: list[dict] = []
    totals = {"anaf_calls": 0, "bytes": 0, "new": 0, "failed": 0}
    real_slice = sync.RUN_SLICE
    if slice_s is not None:
        sync.RUN_SLICE = timedelta(seconds=slice_s)
    try:
        while len(invocations) < MAX_INVOCATIONS:
            deadline = time.monotonic() + LAMBDA_BUDGET_S
            started = time.perf_counter()
            outcome = dependencies.company_sync(
                lambda end=deadline: end - time.monotonic()).run(VOLUME_CIF, "bench")
            stats = outcome.stats
            invocations.append({"result": outcome.result, "seconds": time.perf_counter() - started,
                                "listed": stats.listed, "new": stats.new, "failed": stats.failed,
                                "errors": dict(stats.errors)})
            for key in totals:
                totals[key] += getattr(stats, key)
            if outcome.result != "partial":
                break
            if between is not None:
                between()
            if stats.new == 0 and KEEP_ANAF_LIMITS:
                time.sleep(5)  # a spent minute budget: the next invocation comes later
    finally:
        sync.RUN_SLICE = real_slice
    return invocations, totals


def run_arhivar(stack, sandbox, serial: str, between=None) -> dict:
    from chalicelib import dependencies
    from chalicelib.storage.models import CompanyModel

    connect_company(stack, serial)
    real_budget = dependencies.call_budget
    if not KEEP_ANAF_LIMITS:
        lift_budget()

    timings = instrument()
    aws_calls = AwsCalls()
    aws_calls.start()
    import gc
    gc.collect()
    rss_before, rss_now = max_rss_mib(), current_rss_mib()
    cpu_before = self_cpu_seconds()
    children_before = child_cpu_seconds(stack)
    if TRACEMALLOC:
        tracemalloc.start()
    limits = sandbox.per_minute_limit_lifted() if not KEEP_ANAF_LIMITS else _nothing()
    try:
        with limits:
            invocations, totals = sync_to_the_end(between, SEGMENT_S if between is not None else None)
    finally:
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if TRACEMALLOC else None
        if TRACEMALLOC:
            tracemalloc.stop()
        timings.undo()
        aws_calls.stop()
        dependencies.call_budget = real_budget
    seconds = sum(inv["seconds"] for inv in invocations)  # Arhivar's turns only
    company = CompanyModel.get(VOLUME_CIF, consistent_read=True)
    children_after = child_cpu_seconds(stack)
    return {
        "seconds": seconds, "invocations": invocations, **totals,
        "documents": int(company.document_count or 0),
        "invoices": sum(int(getattr(company, f"count_{kind}") or 0) for kind in ("received", "sent", "unknown")),
        "rss_before": rss_before, "rss_now": rss_now, "rss_peak": max_rss_mib(), "traced_peak": traced_peak,
        "cpu": self_cpu_seconds() - cpu_before,
        "children_cpu": {k: children_after.get(k, 0) - v for k, v in children_before.items()},
        "timings": (dict(timings.seconds), dict(timings.calls)), "aws_calls": dict(aws_calls.counts),
    }


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# -- the worker alone, in its own process (peak memory of a first sync) -----------------------

def run_worker_process(stack, sandbox, serial: str) -> dict:
    """The sync worker in a fresh process (as a Lambda's), runs to the end of the company's
    first sync; its peak RSS (VmHWM) is the figure: imports, clients, threads and data."""
    connect_company(stack, serial)
    with tempfile.TemporaryDirectory(prefix="bench-sync-worker-") as tmp:
        result_file = Path(tmp) / "result.json"
        limits = sandbox.per_minute_limit_lifted() if not KEEP_ANAF_LIMITS else _nothing()
        with limits:
            subprocess.run([sys.executable, str(HERE), "--worker-child", str(result_file)],
                           env=dict(os.environ), check=True, timeout=7200)
        return json.loads(result_file.read_text(encoding="utf-8"))


def worker_child(result_file: str) -> None:
    """In the child: what the sync Lambda imports, then its runs until the first sync is done."""
    import functions.sync_company.handler  # noqa: F401  (the Lambda's own imports)

    if not KEEP_ANAF_LIMITS:
        lift_budget()
    rss_imported = current_rss_mib()
    if TRACEMALLOC:
        tracemalloc.start()
    t0 = time.perf_counter()
    invocations, totals = sync_to_the_end(slice_s=MEMORY_SLICE_S)
    seconds = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if TRACEMALLOC else None
    Path(result_file).write_text(json.dumps({
        "seconds": seconds, "invocations": invocations, **totals, "rss_imported": rss_imported,
        "rss_peak": hwm_rss_mib(), "rss_end": current_rss_mib(), "traced_peak": traced_peak,
    }), encoding="utf-8")


def print_worker_process(r: dict) -> None:
    listed = max((inv["listed"] for inv in r["invocations"]), default=0)
    print(f"sync worker in its own process: {r['new']:,} messages archived ({listed:,} listed) in "
          f"{r['seconds']:.1f} s, {len(r['invocations'])} runs of at most {MEMORY_SLICE_S:.0f} s, "
          f"final result {r['invocations'][-1]['result']!r}")
    traced = f"; tracemalloc peak {r['traced_peak']:.1f} MiB" if r["traced_peak"] is not None else ""
    print(f"  peak RSS (VmHWM) {r['rss_peak']:.1f} MiB (after the handler's imports {r['rss_imported']:.1f} MiB, "
          f"at the end {r['rss_end']:.1f} MiB){traced}; goal < 256 MB "
          f"({'met' if r['rss_peak'] * 2**20 < 256e6 else 'NOT met'})")


# -- anaf-sync (in its own process, resumed turn after turn) ----------------------------------

class AnafSync:
    """anaf-sync 0.8.1 on the same sandbox and window, in its own process: each turn runs its
    CLI (`anaf-sync sync`) and stops it with Ctrl-C after `seconds`; its state (SQLite) makes
    the next turn resume. Only the time inside its CLI is counted (not the interpreter's start)."""

    def __init__(self, stack, sandbox, serial: str, home: Path) -> None:
        self.stack, self.sandbox, self.home = stack, sandbox, home
        self.seconds = 0.0
        self.cpu = 0.0
        self.turns = 0
        self.done = False
        self.result: dict = {}
        self.last_turn = (0, 0.0)  # (invoices archived, seconds) of the latest turn
        self.error: str | None = None
        self.children_cpu: dict[str, float] = defaultdict(float)
        tokens = sandbox.tokens_for(serial)
        for folder in ("home", "config", "state", "data", "cache", "archive"):
            (home / folder).mkdir()
        config = home / "config" / "anaf-sync" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            f'cif = "{VOLUME_CIF}"\n'
            'direction = "both"\n'
            'lookback_days = 60\n'
            '[output]\n'
            f'directory = "{home / "archive"}"\n'
            'artifacts = ["zip", "xml"]\n', encoding="utf-8")
        (home / "tokens.json").write_text(json.dumps(tokens), encoding="utf-8")  # the raw answer
        self.env = {
            **os.environ,
            "HOME": str(home / "home"), "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "ANAF_SYNC_CONFIG": str(config), "ANAF_SYNC_LOG": "console",
            "ANAFPY_CLIENT_ID": sandbox.client_id, "ANAFPY_CLIENT_SECRET": sandbox.client_secret,
            "ANAFPY_TOKEN_STORE_BACKEND": "file", "ANAFPY_TOKEN_STORE": str(home / "anafpy-tokens.json"),
            "PYTHONUNBUFFERED": "1",
        }

    def turn(self, seconds: float | None) -> None:
        if self.done or self.error:
            return
        result_file = self.home / "result.json"
        result_file.unlink(missing_ok=True)
        log = self.home / "anaf-sync.log"
        before = child_cpu_seconds(self.stack)
        with self.sandbox.per_minute_limit_lifted(), log.open("ab") as out:
            child = subprocess.Popen(
                [sys.executable, str(HERE), "--anaf-sync-child", self.sandbox.base_url, str(self.home),
                 str(result_file)], env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            stopped = False
            try:
                try:
                    code = child.wait(timeout=seconds or 7200)
                except subprocess.TimeoutExpired:
                    stopped = True
                    child.send_signal(signal.SIGINT)  # Ctrl-C: anaf-sync stops between messages
                    code = child.wait(timeout=60)
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
        for name, spent in child_cpu_seconds(self.stack).items():
            self.children_cpu[name] += spent - before.get(name, 0)
        if not result_file.exists() or (code != 0 and not stopped):
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            self.error = f"anaf-sync child exited with {code}: {tail}"
            return
        archived_before = self.result.get("archived", 0)
        self.result = json.loads(result_file.read_text(encoding="utf-8"))
        self.last_turn = (self.result["archived"] - archived_before, self.result["seconds"])
        self.seconds += self.result["seconds"]
        self.cpu += self.result["cpu"]
        self.turns += 1
        self.done = not stopped

    def report(self) -> dict:
        if self.error:
            return {"error": self.error}
        log = self.home / "anaf-sync.log"
        return {**self.result, "seconds": self.seconds, "cpu": self.cpu, "turns": self.turns,
                "last_turn": self.last_turn,
                "stopped": not self.done, "log_lines": sum(1 for _ in log.open("rb")),
                "children_cpu": dict(self.children_cpu)}


def anaf_sync_child(sandbox_url: str, home: str, result_file: str) -> None:
    """In the child: point anaf-sync at the sandbox, run `anaf-sync sync`, report."""
    import asyncio  # noqa: F401  (anaf-sync's CLI runs its async command itself)
    import sqlite3

    import anaf_sync.engine as engine
    import httpx2
    from anaf_sync import cli
    from anaf_sync.config import default_state_path
    from anafpy.auth import oauth as anafpy_oauth
    from anafpy.auth.models import TokenSet
    from anafpy.auth.provider import AnafAuth
    from anafpy.auth.store import FileTokenStore

    root = Path(home)
    answer = json.loads((root / "tokens.json").read_text(encoding="utf-8"))
    FileTokenStore(os.environ["ANAFPY_TOKEN_STORE"]).save(TokenSet.from_token_response(answer))
    api_base = f"{sandbox_url}/prod/FCTEL/rest/"

    class SandboxEFacturaClient(engine.EFacturaClient):
        """anafpy's client with an injected httpx2 client whose base URL is the sandbox."""

        def __init__(self, provider, **kwargs):
            self._bench_http = httpx2.AsyncClient(base_url=api_base, auth=AnafAuth(provider), timeout=60.0)
            super().__init__(provider, http=self._bench_http, **kwargs)

        async def aclose(self) -> None:
            await self._bench_http.aclose()  # an injected client is the caller's to close

    engine.EFacturaClient = SandboxEFacturaClient
    anafpy_oauth.TOKEN_URL = f"{sandbox_url}/anaf-oauth2/v1/token"  # a refresh stays on this machine

    if TRACEMALLOC:
        tracemalloc.start()
    rss_before = hwm_rss_mib()
    cpu_before = self_cpu_seconds()
    t0 = time.perf_counter()
    try:
        code = cli.main(["sync"])
    except KeyboardInterrupt:
        code = 130
    seconds = time.perf_counter() - t0
    cpu = self_cpu_seconds() - cpu_before
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if TRACEMALLOC else None
    rss_peak = hwm_rss_mib()

    archive = root / "archive"
    zips = list(archive.rglob("*.zip"))
    with sqlite3.connect(default_state_path()) as db:
        archived = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        runs = [dict(zip(("key", "value"), row, strict=True)) for row in db.execute("SELECT key, value FROM meta")]
    Path(result_file).write_text(json.dumps({
        "exit_code": code, "seconds": seconds, "cpu": cpu, "archived": archived, "zips": len(zips),
        "zip_bytes": sum(p.stat().st_size for p in zips),
        "all_bytes": sum(p.stat().st_size for p in archive.rglob("*") if p.is_file()),
        "rss_before": rss_before, "rss_peak": rss_peak, "traced_peak": traced_peak, "meta": runs,
    }), encoding="utf-8")


# -- report -----------------------------------------------------------------------------------

def print_arhivar(r: dict) -> None:
    mps = r["new"] / r["seconds"] if r["seconds"] else 0.0
    print(f"Arhivar: {r['new']:,} messages archived in {r['seconds']:.1f} s = {mps:,.1f} messages/s "
          f"({len(r['invocations'])} runs; final result {r['invocations'][-1]['result']!r}; "
          f"{r['documents']:,} documents indexed, {r['invoices']:,} of them invoices)")
    for i, inv in enumerate(r["invocations"], 1):
        errors = f", errors {inv['errors']}" if inv["errors"] else ""
        print(f"  invocation {i}: {inv['result']}, {inv['seconds']:.1f} s, listed {inv['listed']:,}, "
              f"new {inv['new']:,}, failed {inv['failed']:,}{errors}")
    listed = max((inv["listed"] for inv in r["invocations"]), default=0)
    print(f"  per listed message: {listed / r['seconds'] if r['seconds'] else 0:,.1f} listed messages/s "
          f"({listed:,} listed; every listed message is archived, errors and buyer messages included)")
    print(f"  ANAF calls: {r['anaf_calls']:,} ({r['anaf_calls'] / max(r['new'], 1):.3f} per message); "
          f"ZIP bytes archived: {r['bytes']:,} ({r['bytes'] / 2**20:.1f} MiB, "
          f"{r['bytes'] / max(r['new'], 1) / 1024:.1f} KiB average)")
    traced = f", tracemalloc peak {r['traced_peak']:.1f} MiB" if r["traced_peak"] is not None else ""
    print(f"  worker memory: peak RSS {r['rss_peak']:.1f} MiB; ru_maxrss delta while syncing "
          f"{r['rss_peak'] - r['rss_before']:+.1f} MiB over {r['rss_before']:.1f} MiB (the bench's own set-up "
          f"high-water); over the RSS at the start of the sync ({r['rss_now']:.1f} MiB): "
          f"{r['rss_peak'] - r['rss_now']:+.1f} MiB{traced}; target < 256 MiB "
          f"(importing the sync Lambda's handler alone takes about 60 MiB)")
    children = ", ".join(f"{k} {v:.1f} s" for k, v in r["children_cpu"].items())
    print(f"  CPU: worker {r['cpu']:.1f} s ({r['cpu'] / max(r['new'], 1) * 1000:.1f} ms/message); {children}; "
          f"wall {r['seconds']:.1f} s on {os.cpu_count()} cores")
    print(f"  AWS calls per archived message ({r['new']:,} archived; botocore before-call hooks):")
    for kind, n in sorted(r["aws_calls"].items(), key=lambda kv: -kv[1]):
        print(f"    {kind:<42} {n / max(r['new'], 1):8.3f}  ({n:,} calls)")
    seconds, calls = r["timings"]
    from chalicelib.services.sync import DOWNLOAD_THREADS
    print(f"  where the worker's threads spent their time (thread-seconds, {DOWNLOAD_THREADS} download "
          "threads + main):")
    for label, spent in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"    {label:<42} {spent:8.1f} s  {calls[label]:>7,} calls  {spent / calls[label] * 1000:7.2f} ms/call")


def print_anaf_sync(r: dict) -> None:
    if "error" in r:
        print(f"anaf-sync: could not run: {r['error']}")
        return
    mps = r["archived"] / r["seconds"] if r["seconds"] else 0.0
    boxed = (f"stopped after {ANAF_SYNC_TIME_BOX_S:.0f} s in all, " if r["stopped"] else "ran to the end, ")
    print(f"anaf-sync 0.8.1: {r['archived']:,} invoices archived in {r['seconds']:.1f} s = {mps:,.1f} invoices/s "
          f"({r['turns']} turns, {boxed}last exit code {r['exit_code']}; it archives invoices only: error "
          f"notices and buyer messages are listed and skipped)")
    last_archived, last_seconds = r["last_turn"]
    if last_seconds:
        print(f"  its last turn alone: {last_archived:,} invoices in {last_seconds:.1f} s = "
              f"{last_archived / last_seconds:,.1f} invoices/s")
    print(f"  files: {r['zips']:,} ZIPs, {r['zip_bytes']:,} ZIP bytes ({r['zip_bytes'] / 2**20:.1f} MiB), "
          f"{r['all_bytes'] / 2**20:.1f} MiB with the XMLs; {r['log_lines']:,} log lines")
    traced = f", tracemalloc peak {r['traced_peak']:.1f} MiB" if r["traced_peak"] is not None else ""
    print(f"  its process: peak RSS (VmHWM) {r['rss_peak']:.1f} MiB "
          f"(delta {r['rss_peak'] - r['rss_before']:+.1f} MiB){traced}; "
          f"CPU {r['cpu']:.1f} s ({r['cpu'] / max(r['archived'], 1) * 1000:.1f} ms/message)")
    children = ", ".join(f"{k} {v:.1f} s" for k, v in r["children_cpu"].items())
    print(f"  CPU of the stack meanwhile: {children}")


def main() -> None:
    # The anaf-sync child never imports this (nor the app): its memory is its own.
    from bench._local import (  # sets fake AWS credentials first
        FAST_MOTO_TRANSACTIONS,
        SandboxAdmin,
        local_stack,
    )

    limits = ("ANAF's per-minute limits kept" if KEEP_ANAF_LIMITS
              else "per-minute limits lifted (sandbox counter emptied every 2 s; Arhivar budget 10^6/min)")
    print(f"one company, {MESSAGES:,} messages in its window; {limits}; "
          f"tracemalloc {'on' if TRACEMALLOC else 'off'}", flush=True)
    if FAST_MOTO_TRANSACTIONS:
        print("moto: TransactWriteItems without moto's whole-table copies (see bench/_local.py; "
              "BENCH_REAL_MOTO=1 keeps them, O(documents) per transaction)", flush=True)
    t_start = time.perf_counter()
    with local_stack(("--volume-cif", VOLUME_CIF, "--volume-messages", str(MESSAGES))) as stack:
        sandbox = SandboxAdmin.of(stack.environment)
        world = sandbox.admin("GET", "world")
        serial = next(c["serial"] for c in world["certificates"] if VOLUME_CIF in c["cifs"])
        print(f"stack up in {time.perf_counter() - t_start:.1f} s", flush=True)
        if ANAF_LATENCY_MS:
            sandbox.admin("POST", "faults", json={"kind": "latency", "path": "/prod/FCTEL/rest/",
                                                  "probability": 1.0, "delay_ms": ANAF_LATENCY_MS})
            print(f"ANAF latency: the sandbox answers every e-Factura call after {ANAF_LATENCY_MS} ms",
                  flush=True)

        if MEMORY_RUN:
            print_worker_process(run_worker_process(stack, sandbox, serial))
            return
        if not RUN_ANAF_SYNC:
            print_arhivar(run_arhivar(stack, sandbox, serial))
            return
        with tempfile.TemporaryDirectory(prefix="bench-anaf-sync-") as tmp:
            other = AnafSync(stack, sandbox, serial, Path(tmp))
            # Turns: Arhivar's run, then anaf-sync's, ...; then anaf-sync alone to its end in
            # one last turn (no restarts left to pay for; ANAF_SYNC_TIME_BOX_S of its time in all).
            arhivar = run_arhivar(stack, sandbox, serial, between=lambda: other.turn(SEGMENT_S))
            if ANAF_SYNC_TIME_BOX_S:
                other.turn(max(ANAF_SYNC_TIME_BOX_S - other.seconds, SEGMENT_S))
            else:
                other.turn(None)
            theirs = other.report()
        print_arhivar(arhivar)
        print_anaf_sync(theirs)
        print_comparison(arhivar, theirs)


def print_comparison(ours: dict, theirs: dict) -> None:
    """Per listed message (Arhivar archives every one; anaf-sync lists them all and skips error
    notices and buyer messages) and per archived invoice (the work both do)."""
    if "error" in theirs or not theirs["seconds"] or not ours["seconds"]:
        return
    listed = max((inv["listed"] for inv in ours["invocations"]), default=0)
    invoices = ours["invoices"]
    # anaf-sync's share of the listing done: all of it when it ran to the end
    share = 1.0 if not theirs["stopped"] else theirs["archived"] / max(invoices, 1)
    per_listed = (listed / ours["seconds"], listed * share / theirs["seconds"])
    per_invoice = (invoices / ours["seconds"], theirs["archived"] / theirs["seconds"])
    print(f"same {listed:,} listed messages ({invoices:,} invoices), same sandbox, "
          f"{ANAF_LATENCY_MS} ms ANAF latency, turns of {SEGMENT_S:.0f} s interleaved:")
    print(f"  per listed message:    Arhivar {per_listed[0]:,.1f}/s, anaf-sync {per_listed[1]:,.1f}/s: "
          f"ratio {per_listed[0] / per_listed[1]:.2f}x")
    print(f"  per archived invoice:  Arhivar {per_invoice[0]:,.1f}/s, anaf-sync {per_invoice[1]:,.1f}/s: "
          f"ratio {per_invoice[0] / per_invoice[1]:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--anaf-sync-child":
        anaf_sync_child(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "--worker-child":
        worker_child(sys.argv[2])
    else:
        main()

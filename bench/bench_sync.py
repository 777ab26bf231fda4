"""The archive engine end to end: one company with 10 000 messages in its 60-day window,
archived by Arhivar's sync worker against the ANAF sandbox on the local stack (moto server as
AWS), then the same window archived by anaf-sync (PyPI, built on anafpy) against the same
sandbox, side by side.

Run: .venv/bin/python bench/bench_sync.py      (or: make bench ONLY=sync)

Prints, for Arhivar: messages/s, seconds, Lambda invocations (each with a 300 s budget, as the
worker's time_left_s sees it), ANAF calls, bytes archived, the worker's peak memory (this
process's peak RSS, absolute and as a delta over the start of the sync, plus tracemalloc's
peak) and where the worker's time went; for anaf-sync: the same figures from its own process;
then the ratio. moto and the sandbox run in other processes: their memory is not counted, their
CPU time is printed.

ANAF's 1000 calls/minute (and Arhivar's own 900/minute budget) would make 10 000 downloads take
more than ten minutes whatever the engine does, so by default both tools run with the
per-minute limits lifted (the sandbox's counter is emptied every 2 s; Arhivar's budget counter
gets a limit of 10^6, still written to DynamoDB as usual); the daily limits stay. Set
BENCH_SYNC_ANAF_LIMITS=1 to keep them (Arhivar half only; expect >11 minutes).

anaf-sync downloads one message at a time, so by default it is stopped (SIGINT, as Ctrl-C)
after BENCH_SYNC_ANAF_SYNC_S seconds (240; 0 = run to the end) and its rate is what it archived
by then, the listing of the whole window included. moto's TransactWriteItems deep-copies each
table it touches (O(documents) per transaction, quadratic over the run); the bench's moto skips
that copy (bench/_local.py; BENCH_REAL_MOTO=1 keeps it).

Other knobs: BENCH_SYNC_MESSAGES (10000), BENCH_SYNC_ANAF_SYNC=0 (skip the anaf-sync half),
BENCH_TRACEMALLOC=0 (no tracemalloc: its hooks slow allocation-heavy code, much of this worker's
CPU; the anaf-sync child uses the same setting).

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOLUME_CIF = "14399840"  # a valid CIF; the sandbox adds it as the volume company
MESSAGES = int(os.environ.get("BENCH_SYNC_MESSAGES", "10000"))
LAMBDA_BUDGET_S = 300.0
MAX_INVOCATIONS = 40
KEEP_ANAF_LIMITS = os.environ.get("BENCH_SYNC_ANAF_LIMITS") == "1"
RUN_ANAF_SYNC = os.environ.get("BENCH_SYNC_ANAF_SYNC", "1") != "0"
# anaf-sync downloads one message at a time; with 10 000 messages it needs far more than a few
# minutes, so by default it is stopped (SIGINT, as Ctrl-C) after this many seconds and its rate
# is taken over what it archived by then, the listing of the whole window included. 0: no limit.
ANAF_SYNC_TIME_BOX_S = float(os.environ.get("BENCH_SYNC_ANAF_SYNC_S", "240"))
TRACEMALLOC = os.environ.get("BENCH_TRACEMALLOC", "1") != "0"
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

def run_arhivar(stack, sandbox, serial: str) -> dict:
    from chalicelib import dependencies
    from chalicelib.domain.call_bucket import Bucket
    from chalicelib.services.budget import CallBudget
    from chalicelib.storage.models import CompanyModel
    from tests.api.conftest import authorize, sign_up

    user = sign_up(stack.ports.web_url)
    answer = user.call("POST", "/companies", json={"cif": VOLUME_CIF})
    assert answer.status_code in (200, 201), answer.text
    connected = authorize(user, VOLUME_CIF, serial)
    assert connected.get("anaf") == "connected", connected

    real_budget = dependencies.call_budget
    if not KEEP_ANAF_LIMITS:
        lifted = CallBudget(dependencies.now, bucket=Bucket(limit=1_000_000, burst=100))
        dependencies.call_budget = lambda: lifted  # what company_sync() asks for

    timings = instrument()
    invocations: list[dict] = []
    totals = {"anaf_calls": 0, "bytes": 0, "new": 0, "failed": 0}
    import gc
    gc.collect()
    rss_before, rss_now = max_rss_mib(), current_rss_mib()
    cpu_before = self_cpu_seconds()
    children_before = child_cpu_seconds(stack)
    if TRACEMALLOC:
        tracemalloc.start()
    limits = sandbox.per_minute_limit_lifted() if not KEEP_ANAF_LIMITS else _nothing()
    t0 = time.perf_counter()
    try:
        with limits:
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
                if stats.new == 0 and KEEP_ANAF_LIMITS:
                    time.sleep(5)  # a spent minute budget: the next invocation comes later
    finally:
        seconds = time.perf_counter() - t0
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if TRACEMALLOC else None
        if TRACEMALLOC:
            tracemalloc.stop()
        timings.undo()
        dependencies.call_budget = real_budget
    company = CompanyModel.get(VOLUME_CIF, consistent_read=True)
    children_after = child_cpu_seconds(stack)
    return {
        "seconds": seconds, "invocations": invocations, **totals,
        "documents": int(company.document_count or 0),
        "rss_before": rss_before, "rss_now": rss_now, "rss_peak": max_rss_mib(), "traced_peak": traced_peak,
        "cpu": self_cpu_seconds() - cpu_before,
        "children_cpu": {k: children_after.get(k, 0) - v for k, v in children_before.items()},
        "timings": (dict(timings.seconds), dict(timings.calls)),
    }


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# -- anaf-sync (in its own process) ---------------------------------------------------------

def run_anaf_sync(stack, sandbox, serial: str) -> dict:
    tokens = sandbox.tokens_for(serial)
    with tempfile.TemporaryDirectory(prefix="bench-anaf-sync-") as tmp:
        home = Path(tmp)
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
        env = {
            **os.environ,
            "HOME": str(home / "home"), "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "ANAF_SYNC_CONFIG": str(config), "ANAF_SYNC_LOG": "console",
            "ANAFPY_CLIENT_ID": sandbox.client_id, "ANAFPY_CLIENT_SECRET": sandbox.client_secret,
            "ANAFPY_TOKEN_STORE_BACKEND": "file", "ANAFPY_TOKEN_STORE": str(home / "anafpy-tokens.json"),
            "PYTHONUNBUFFERED": "1",
        }
        result_file = home / "result.json"
        log = home / "anaf-sync.log"
        children_before = child_cpu_seconds(stack)
        with sandbox.per_minute_limit_lifted(), log.open("wb") as out:
            child = subprocess.Popen(
                [sys.executable, str(HERE), "--anaf-sync-child", sandbox.base_url, str(home), str(result_file)],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            stopped = False
            try:
                try:
                    code = child.wait(timeout=ANAF_SYNC_TIME_BOX_S or 7200)
                except subprocess.TimeoutExpired:
                    stopped = True
                    child.send_signal(signal.SIGINT)  # Ctrl-C: anaf-sync stops between messages
                    code = child.wait(timeout=60)
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
        children_after = child_cpu_seconds(stack)
        if not result_file.exists() or (code != 0 and not stopped):
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            return {"error": f"anaf-sync child exited with {code}: {tail}"}
        result = json.loads(result_file.read_text(encoding="utf-8"))
        result["log_lines"] = sum(1 for _ in log.open("rb"))
        result["stopped"] = stopped
        result["children_cpu"] = {k: children_after.get(k, 0) - v for k, v in children_before.items()}
        return result


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
          f"({len(r['invocations'])} invocations of {LAMBDA_BUDGET_S:.0f} s; final result "
          f"{r['invocations'][-1]['result']!r}; {r['documents']:,} documents indexed)")
    for i, inv in enumerate(r["invocations"], 1):
        errors = f", errors {inv['errors']}" if inv["errors"] else ""
        print(f"  invocation {i}: {inv['result']}, {inv['seconds']:.1f} s, listed {inv['listed']:,}, "
              f"new {inv['new']:,}, failed {inv['failed']:,}{errors}")
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
    seconds, calls = r["timings"]
    print("  where the worker's threads spent their time (thread-seconds, 4 download threads + main):")
    for label, spent in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"    {label:<42} {spent:8.1f} s  {calls[label]:>7,} calls  {spent / calls[label] * 1000:7.2f} ms/call")


def print_anaf_sync(r: dict) -> None:
    if "error" in r:
        print(f"anaf-sync: could not run: {r['error']}")
        return
    mps = r["archived"] / r["seconds"] if r["seconds"] else 0.0
    boxed = (f"stopped by the bench after its {ANAF_SYNC_TIME_BOX_S:.0f} s time box, " if r["stopped"]
             else "ran to the end, ")
    print(f"anaf-sync 0.8.1: {r['archived']:,} messages archived in {r['seconds']:.1f} s = {mps:,.1f} messages/s "
          f"({boxed}exit code {r['exit_code']}; it archives invoices only: error notices and buyer messages "
          f"are listed and skipped)")
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

        arhivar = run_arhivar(stack, sandbox, serial)
        print_arhivar(arhivar)
        sys.stdout.flush()
        if not RUN_ANAF_SYNC:
            return
        other = run_anaf_sync(stack, sandbox, serial)
        print_anaf_sync(other)
        if "error" not in other and other["seconds"] and arhivar["seconds"]:
            ours = arhivar["new"] / arhivar["seconds"]
            theirs = other["archived"] / other["seconds"]
            print(f"throughput ratio Arhivar / anaf-sync: {ours / theirs:.2f}x "
                  f"({ours:,.1f} vs {theirs:,.1f} messages/s; per message archived, each tool's own count)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--anaf-sync-child":
        anaf_sync_child(*sys.argv[2:5])
    else:
        main()

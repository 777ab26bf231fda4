"""Saturation: many companies syncing at once against ANAF's real per-minute limit.

Run: .venv/bin/python bench/bench_saturation.py      (or: make bench ONLY=saturation)

Puts BENCH_SAT_COMPANIES companies in the ANAF sandbox (BENCH_SAT_LARGE of them with
BENCH_SAT_LARGE_MESSAGES messages for their first sync, the others with BENCH_SAT_SMALL_MESSAGES),
registers and authorizes them in Arhivar through the API, makes them all due, then runs the
product's dispatcher (its real schedule, once a minute) and BENCH_SAT_WORKERS sync workers in
parallel through the local runtime's queue poller (each worker has its own call budget, as
separate Lambdas do) for at most BENCH_SAT_SECONDS, stopping earlier when every company is
complete. The sandbox keeps ANAF's limit of 1000 calls in any sliding 60 s and answers 429 past it.

Prints: ANAF calls per sliding minute as the sandbox counts them (sampled every second; the
mean and lowest while work was waiting, after the first minute), against ANAF's 1000; 429s
received; calls wasted (429s, downloads of messages already archived, lists that found nothing
new); the time until every company was complete; fairness: the longest a small company waited
for its first complete sync, against the dispatch interval.

Then a budget-only phase (BENCH_SAT_BUDGET_SECONDS, 0 to skip): threads with a budget each make
list calls as fast as their budgets allow, without archiving, so the bucket's own use of ANAF's
window shows even where this machine's CPU bounds the archive.

First it prints how many companies of a realistic mix one ANAF application can serve with the
product's adaptive polling and with fixed polling (a model: bench/polling_capacity.py;
BENCH_SAT_CAPACITY_ONLY=1 prints only that).

Smoke run: BENCH_SAT_COMPANIES=30 BENCH_SAT_LARGE=2 BENCH_SAT_LARGE_MESSAGES=1500
BENCH_SAT_SECONDS=120 BENCH_SAT_BUDGET_SECONDS=70.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the figures, not every run's log line

COMPANIES = int(os.environ.get("BENCH_SAT_COMPANIES", "200"))
LARGE = int(os.environ.get("BENCH_SAT_LARGE", "3"))
LARGE_MESSAGES = int(os.environ.get("BENCH_SAT_LARGE_MESSAGES", "2000"))
SMALL_MESSAGES = int(os.environ.get("BENCH_SAT_SMALL_MESSAGES", "3"))
WORKERS = int(os.environ.get("BENCH_SAT_WORKERS", "5"))
SECONDS = float(os.environ.get("BENCH_SAT_SECONDS", "420"))
BUDGET_ONLY_SECONDS = float(os.environ.get("BENCH_SAT_BUDGET_SECONDS", "90"))
BUDGET_ONLY_THREADS = 8
ANAF_LIMIT = 1000


def setup(stack, sandbox) -> tuple[list[str], list[str]]:
    """Sandbox companies with their messages; the same companies registered and authorized in
    Arhivar (one user, one certificate with SPV rights on all of them). (large, small) CIFs."""
    from tests.api.conftest import authorize, issue_certificate, sign_up

    world = sandbox.admin("GET", "world")
    partner = world["partners"][0]["cif"]
    cifs = [sandbox.admin("POST", "companies", json={})["cif"] for _ in range(COMPANIES)]
    large, small = cifs[:LARGE], cifs[LARGE:]
    serial = issue_certificate(stack.ports.sandbox_url, cifs)  # enrolls them in SPV: they get messages
    # Messages created two minutes ago (a sync lists up to 30 s ago); the clock is put back.
    offset = sandbox.admin("GET", "clock")["offset_s"]
    sandbox.admin("POST", "clock", json={"advance_s": -120})
    for cif in large:
        for done in range(0, LARGE_MESSAGES, 500):
            sandbox.admin("POST", "invoices", json={"seller_cif": partner, "buyer_cif": cif,
                                                    "count": min(500, LARGE_MESSAGES - done)})
    for cif in small:
        sandbox.admin("POST", "invoices", json={"seller_cif": partner, "buyer_cif": cif, "count": SMALL_MESSAGES})
    current = sandbox.admin("GET", "clock")["offset_s"]
    sandbox.admin("POST", "clock", json={"advance_s": offset - current})
    user = sign_up(stack.ports.web_url)
    for cif in cifs:
        answer = user.call("POST", "/companies", json={"cif": cif})
        assert answer.status_code in (200, 201), answer.text
        assert authorize(user, cif, serial)["anaf"] in ("connected", "proven")
    return large, small


def make_all_due(cifs: list[str], now: datetime) -> None:
    from chalicelib import dependencies
    from chalicelib.storage import companies

    sqs = dependencies.work_queues()._sqs
    sqs.purge_queue(QueueUrl=dependencies.work_queues().url("sync"))  # connecting queued first syncs
    for cif in cifs:
        company = companies.get(cif, consistent=True)
        assert company is not None and company.next_sync_at is not None, f"{cif} is not scheduled"
        companies.schedule_next(cif, now, planned=company.next_sync_at)


class Recorder:
    """What the workers did: every run's outcome, the 429s, the sandbox's sliding-minute count."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[tuple[float, str, str, int, int, int, int]] = []  # t, cif, result, listed, new, already, calls
        self.status: Counter[int] = Counter()
        self.downloads: Counter[str] = Counter()
        self.window: list[tuple[float, int]] = []

    def install(self, t0: float) -> None:
        from chalicelib.anaf.efactura import EFacturaClient
        from chalicelib.anaf.http import AnafHttp
        from chalicelib.services.sync import CompanySync

        real_log, real_run, real_download = AnafHttp._log, CompanySync.run, EFacturaClient.download
        recorder = self

        def log(self, method, host, path, status, started, attempt, error_code):
            if status is not None and "FCTEL" in path:
                with recorder.lock:
                    recorder.status[status] += 1
            return real_log(self, method, host, path, status, started, attempt, error_code)

        def run(self, cif, reason):
            outcome = real_run(self, cif, reason)
            s = outcome.stats
            with recorder.lock:
                recorder.runs.append((time.monotonic() - t0, cif, outcome.result, s.listed, s.new, s.already,
                                      s.anaf_calls))
            return outcome

        def download(self, message_id):
            with recorder.lock:
                recorder.downloads[message_id] += 1
            return real_download(self, message_id)

        AnafHttp._log, CompanySync.run, EFacturaClient.download = log, run, download


def workers_with_own_budgets() -> None:
    """Each worker thread gets its own CallBudget, as each Lambda instance has its own."""
    from chalicelib import dependencies
    from chalicelib.services.budget import CallBudget

    local = threading.local()

    def budget() -> CallBudget:
        if not hasattr(local, "budget"):
            local.budget = CallBudget(dependencies.now)
        return local.budget

    dependencies.call_budget = budget


def sync_handler(event: dict, context) -> dict:
    """The sync Lambda's work per record (the real handler's BatchProcessor is module-global,
    so several of them cannot share one process)."""
    import json

    from chalicelib import dependencies

    for record in event["Records"]:
        message = json.loads(record["body"])
        dependencies.company_sync(lambda: context.get_remaining_time_in_millis() / 1000).run(
            message["cif"], message.get("reason", "schedule"))
    return {"batchItemFailures": []}


def main() -> None:
    from bench._local import SandboxAdmin, local_stack
    from bench.polling_capacity import print_capacity
    from chalicelib import dependencies
    from chalicelib.topology import DISPATCH_SCHEDULE, QUEUES
    from local.runtime import QueuePoller, ScheduleTimer, load_handler

    print_capacity()  # adaptive polling: how many companies one application can serve (a model)
    if os.environ.get("BENCH_SAT_CAPACITY_ONLY") == "1":
        return
    print(f"companies {COMPANIES} ({LARGE} with {LARGE_MESSAGES} messages, the others {SMALL_MESSAGES}), "
          f"{WORKERS} sync workers, dispatcher every minute, at most {SECONDS:.0f} s", flush=True)
    with local_stack() as stack:
        sandbox = SandboxAdmin.of(stack.environment)
        t_setup = time.monotonic()
        large, small = setup(stack, sandbox)
        print(f"setup {time.monotonic() - t_setup:.0f} s", flush=True)
        settings = dependencies.settings()
        workers_with_own_budgets()
        recorder = Recorder()
        sandbox.admin("POST", "limits", json={"kind": "minute", "key": sandbox.client_id, "used": 0})
        make_all_due(large + small, datetime.now(UTC))
        t0 = time.monotonic()
        recorder.install(t0)
        sync_spec = next(spec for spec in QUEUES if spec.key == "sync")
        stop = threading.Event()
        jobs = [QueuePoller(settings, sync_spec, sync_handler).run for _ in range(WORKERS)]
        jobs.append(ScheduleTimer(settings, DISPATCH_SCHEDULE, load_handler(DISPATCH_SCHEDULE.target)).run)
        threads = [threading.Thread(target=job, args=(stop,), daemon=True) for job in jobs]
        for thread in threads:
            thread.start()
        complete_at: float | None = None
        first_complete: dict[str, float] = {}
        while time.monotonic() - t0 < SECONDS:
            time.sleep(1.0)
            used = sandbox.admin("GET", "limits")["per_minute"].get(sandbox.client_id, 0)
            now = time.monotonic() - t0
            recorder.window.append((now, used))
            with recorder.lock:
                for t, cif, result, *_ in recorder.runs:
                    if result == "complete":
                        first_complete.setdefault(cif, t)
            if len(first_complete) == COMPANIES and _backlog_done(large):
                complete_at = now
                break
            if int(now) % 30 == 0:
                print(f"  {now:4.0f} s: {len(first_complete)}/{COMPANIES} complete, sliding minute {used}",
                      flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=1)  # a large run may go on for its whole Lambda time: not waited for
        report(recorder, large, small, first_complete, complete_at, t0)
        if BUDGET_ONLY_SECONDS > 0:
            budget_only(sandbox, small[:BUDGET_ONLY_THREADS], recorder)


def budget_only(sandbox, cifs: list[str], recorder: Recorder) -> None:
    """The bucket alone: threads with a budget each make ANAF list calls as fast as their
    budget lets them (no archiving: on this shared 2-core machine the archive, not the budget,
    bounds the phase above), and the sandbox counts its sliding minute."""
    from datetime import timedelta

    from chalicelib import dependencies
    from chalicelib.anaf.efactura import EFacturaClient
    from chalicelib.services.budget import CallBudget
    from chalicelib.storage import companies

    print(f"budget only: {len(cifs)} threads, one budget each, list calls for {BUDGET_ONLY_SECONDS:.0f} s",
          flush=True)
    stop = threading.Event()
    with recorder.lock:
        recorder.status.clear()
    sandbox.admin("POST", "limits", json={"kind": "minute", "key": sandbox.client_id, "used": 0})

    def caller(cif: str) -> None:
        budget = CallBudget(dependencies.now)
        credential_id = companies.get(cif).credential_id
        client = EFacturaClient.from_settings(dependencies.settings(), dependencies.worker_anaf_http(),
                                              lambda: dependencies.credential_vault().access_token(credential_id))
        while not stop.is_set():
            budget.spend_call()
            now = datetime.now(UTC)
            client.list_messages_page(cif, now - timedelta(days=1), now - timedelta(seconds=30), 1)

    threads = [threading.Thread(target=caller, args=(cif,), daemon=True) for cif in cifs]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    samples: list[int] = []
    while time.monotonic() - t0 < BUDGET_ONLY_SECONDS:
        time.sleep(1.0)
        if time.monotonic() - t0 >= 61:
            samples.append(sandbox.admin("GET", "limits")["per_minute"].get(sandbox.client_id, 0))
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    with recorder.lock:
        status = dict(recorder.status)
    if samples:
        print(f"budget only: sliding minute after the first minute mean {statistics.mean(samples):.0f}, "
              f"lowest {min(samples)}, highest {max(samples)} of {ANAF_LIMIT}; HTTP statuses {status}")


def _backlog_done(large: list[str]) -> bool:
    from chalicelib.storage.models import CompanyModel
    return all(CompanyModel.get(cif, consistent_read=True).last_sync_result == "complete" for cif in large)


def report(recorder: Recorder, large: list[str], small: list[str], first_complete: dict[str, float],
           complete_at: float | None, t0: float) -> None:
    with recorder.lock:
        runs = list(recorder.runs)
        status = Counter(recorder.status)
        downloads = Counter(recorder.downloads)
    last_busy = complete_at if complete_at is not None else (recorder.window[-1][0] if recorder.window else 0)
    # Work waits as long as a company is not complete; the first minute is the ramp-up.
    busy = [used for t, used in recorder.window if 60 <= t <= last_busy]
    calls = sum(status.values())
    repeated = sum(n - 1 for n in downloads.values() if n > 1)
    empty_lists = sum(1 for _, _, result, listed, new, already, _ in runs if new == 0 and result == "complete")
    small_waits = [first_complete.get(cif) for cif in small]
    print(f"ANAF calls made {calls} in {last_busy:.0f} s; HTTP statuses {dict(sorted(status.items()))}; "
          f"{len(runs)} runs listed {sum(r[3] for r in runs)} messages, archived {sum(r[4] for r in runs)} new")
    if busy:
        print(f"sliding minute while work waited (after the first minute): mean {statistics.mean(busy):.0f}, "
              f"lowest {min(busy)}, highest {max(busy)} of ANAF's {ANAF_LIMIT} "
              f"({statistics.mean(busy) / ANAF_LIMIT:.1%} used)")
    else:
        print("sliding minute: the run ended within its first minute (no steady state to report)")
    print(f"429s received {status.get(429, 0)}")
    print(f"calls wasted: {status.get(429, 0)} refused, {repeated} repeated downloads, "
          f"{empty_lists} runs whose list found nothing new ({len(runs)} runs in all)")
    print(f"every company complete after {complete_at:.0f} s" if complete_at is not None
          else f"not every company complete after {last_busy:.0f} s "
               f"({len(first_complete)}/{len(large) + len(small)} had a complete sync)")
    waits = [w for w in small_waits if w is not None]
    if waits:
        print(f"fairness: small companies' first complete sync after median {statistics.median(waits):.0f} s, "
              f"longest {max(waits):.0f} s (dispatch interval 60 s); "
              f"{sum(w is None for w in small_waits)} small ones never completed")
    for cif in large:
        done = [t for t, c, result, *_ in runs if c == cif and result == "complete"]
        print(f"large company {cif}: complete after {done[0]:.0f} s" if done else f"large company {cif}: not complete")


if __name__ == "__main__":
    main()

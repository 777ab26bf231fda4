"""The archive engine against the sandbox: a company's whole 60-day window archived exactly,
originals byte for byte, faults and limits handled, killed workers losing nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from chalicelib import dependencies
from chalicelib.services.archiver import Archiver
from chalicelib.services.budget import ANAF_BUCKET, CallBudget
from chalicelib.storage.aws import aws_client
from chalicelib.storage.models import CompanyModel, DocumentModel, SyncRunModel
from functions.sync_company import handler as sync_handler
from local.runtime import LocalLambdaContext
from tests.api.conftest import authorize, connect_company, issue_certificate
from tests.api.importing import import_zip
from tests.api.sandbox_admin import Sandbox

SOAK_RUNS = int(os.environ.get("ARHIVAR_SOAK_RUNS", "40"))


@pytest.fixture(scope="module")
def spv_company(new_user_module, world):
    """Prove and authorize every company of the world with the all-seeing certificate, once;
    hand out a different company to each test that asks."""
    rad = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))
    user = new_user_module()
    for cif in rad["cifs"]:
        user.call("POST", "/companies", json={"cif": cif})
        assert authorize(user, cif, rad["serial"])["anaf"] in ("connected", "proven")
    remaining = list(rad["cifs"])
    return remaining.pop


@pytest.fixture(scope="module")
def new_user_module(base_url):
    from tests.api.conftest import sign_up
    return lambda email=None: sign_up(base_url, email)


def run_sync(cif: str, reason: str = "test"):
    return dependencies.company_sync(lambda: 900.0).run(cif, reason)


def assert_archive_matches(sandbox: Sandbox, cif: str) -> int:
    """The archive of `cif` is exactly ANAF's messages of the covered window, nothing twice,
    every original byte-identical (SHA-256) to what ANAF served."""
    company = CompanyModel.get(cif, consistent_read=True)
    expected = sandbox.listable(cif, company.covered_until)
    documents = list(DocumentModel.query(cif, consistent_read=True))
    archived = {d.message_id: d.original_sha256 for d in documents}
    assert len(archived) == len(documents), "a message archived twice"
    missing = set(expected) - set(archived)
    assert not missing, f"{len(missing)} messages not archived"
    assert {mid: archived[mid] for mid in expected} == expected
    assert int(company.document_count) == len(documents)
    s3 = aws_client(dependencies.settings(), "s3")
    for document in random.Random(cif).sample(documents, min(5, len(documents))):
        body = s3.get_object(Bucket=dependencies.settings().archive_bucket, Key=document.original_key)["Body"].read()
        import hashlib
        assert hashlib.sha256(body).hexdigest() == document.original_sha256
    return len(expected)


def test_a_first_sync_archives_the_whole_window_exactly(sandbox, spv_company, settings):
    cif = spv_company()
    outcome = run_sync(cif)
    assert outcome.result == "complete", outcome
    count = assert_archive_matches(sandbox, cif)
    assert count > 5 and outcome.stats.new == count and outcome.stats.listed >= count

    company = CompanyModel.get(cif)
    assert company.covered_until > datetime.now(UTC) - timedelta(minutes=2)
    assert company.last_sync_result == "complete" and company.lease_owner is None
    assert company.next_sync_at > datetime.now(UTC)  # the licence's interval later

    documents = list(DocumentModel.query(cif))
    invoices = [d for d in documents if d.kind in ("received", "sent")]
    assert invoices and all(d.signature_status == "valid" for d in documents)
    assert all(d.number and d.partner_name and d.issue_date and d.total for d in invoices)
    sent = [d for d in invoices if d.kind == "sent"]
    received = [d for d in invoices if d.kind == "received"]
    assert sent and received
    assert all(d.partner_cif != cif for d in invoices)  # the partner is the other side
    run = next(SyncRunModel.query(cif, scan_index_forward=False))
    assert run.result == "complete" and run.new == count and run.anaf_calls >= count + 1


def test_a_second_sync_downloads_only_what_is_new(sandbox, spv_company, world):
    cif = spv_company()
    run_sync(cif)
    partner = world["partners"][0]["cif"]
    sandbox.arrive(kind="invoice", seller_cif=partner, buyer_cif=cif, count=3)
    outcome = run_sync(cif)
    assert outcome.result == "complete"
    assert outcome.stats.new == 3 and outcome.stats.anaf_calls <= 3 + 2
    assert_archive_matches(sandbox, cif)


def test_corrupt_zips_are_never_stored_and_are_fetched_again(sandbox, spv_company):
    cif = spv_company()
    sandbox.fault(kind="corrupt_zip", path="/prod/FCTEL/rest/descarcare", count=2)
    sandbox.fault(kind="truncate_zip", path="/prod/FCTEL/rest/descarcare", count=1)
    try:
        first = run_sync(cif)
    finally:
        sandbox.clear_faults()
    # Both rules may hit the same download: two or three downloads fail, none is stored
    assert first.result == "partial" and first.stats.failed in (2, 3)
    assert sum(v for k, v in first.stats.errors.items() if "zip" in k) == first.stats.failed
    second = run_sync(cif)
    assert second.result == "complete" and second.stats.new == first.stats.failed
    assert_archive_matches(sandbox, cif)


def test_anaf_down_moves_the_next_attempt_later_and_archives_nothing_wrong(sandbox, spv_company):
    cif = spv_company()
    sandbox.fault(kind="status", path="/prod/FCTEL/rest/listaMesajePaginatieFactura", status=503, count=20)
    try:
        outcome = run_sync(cif)
    finally:
        sandbox.clear_faults()
    assert outcome.result == "anaf_unavailable"
    company = CompanyModel.get(cif)
    assert company.covered_until is None and company.consecutive_failures == 1
    assert timedelta(minutes=4) < company.next_sync_at - datetime.now(UTC) <= timedelta(minutes=5)
    assert DocumentModel.count(cif) == 0
    sandbox.fault(kind="waf", path="/prod/FCTEL/rest/listaMesajePaginatieFactura", count=5)
    try:
        assert run_sync(cif).result == "anaf_unavailable"
    finally:
        sandbox.clear_faults()
    assert CompanyModel.get(cif).consecutive_failures == 2


def test_a_spent_daily_limit_pauses_the_company_until_tomorrow(sandbox, spv_company):
    cif = spv_company()
    sandbox.admin("POST", "limits", json={"kind": "paginatie", "key": cif, "exhaust": True})
    outcome = run_sync(cif)
    assert outcome.result == "daily_limit"
    next_at = CompanyModel.get(cif).next_sync_at
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert next_at.date() in (tomorrow, datetime.now(UTC).date()) and next_at > datetime.now(UTC)
    sandbox.admin("POST", "limits", json={"kind": "paginatie", "key": cif, "used": 0})


def test_a_worker_killed_mid_message_loses_and_duplicates_nothing(sandbox, spv_company, monkeypatch):
    cif = spv_company()
    real = Archiver._record
    calls = {"n": 0}

    def crash_on_fifth(self, *args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise SystemExit("worker killed")  # after the claim and S3, before the document item
        return real(self, *args)

    monkeypatch.setattr(Archiver, "_record", crash_on_fifth)
    with pytest.raises(SystemExit):
        run_sync(cif)
    monkeypatch.setattr(Archiver, "_record", real)
    # The lease of the killed run blocks others until it expires; the retry comes later.
    company = CompanyModel.get(cif)
    company.update(actions=[CompanyModel.lease_until.set(datetime.now(UTC) - timedelta(seconds=1))])
    assert run_sync(cif).result == "complete"
    assert_archive_matches(sandbox, cif)
    # The retry found the killed worker's objects in place: under Object Lock a second write
    # would have left a second version kept for ten years.
    s3 = aws_client(dependencies.settings(), "s3")
    bucket = dependencies.settings().archive_bucket
    for document in DocumentModel.query(cif, consistent_read=True):
        for key in (document.original_key, document.xml_key):
            versions = s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
            assert [v["Key"] for v in versions] == [key], (document.message_id, key, len(versions))


def test_two_workers_never_sync_one_company_at_once(spv_company):
    cif = spv_company()
    results = []
    threads = [threading.Thread(target=lambda: results.append(run_sync(cif).result)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["complete", "skipped_locked"]


def test_the_lambda_handler_reports_partial_batch_failures(spv_company):
    cif = spv_company()
    event = {"Records": [
        _sqs_record({"cif": cif, "reason": "schedule"}),
        _sqs_record({"not": "a sync message"}),
    ]}
    answer = sync_handler.lambda_handler(event, LocalLambdaContext("arhivar-sync", 300))
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert CompanyModel.get(cif).last_sync_result == "complete"


def test_a_revoked_authorization_stops_syncing_and_says_so(sandbox, new_user_module, fresh_cif):
    user = new_user_module()
    cif = fresh_cif()
    serial = issue_certificate(sandbox.url, [cif])
    user.call("POST", "/companies", json={"cif": cif})
    assert authorize(user, cif, serial)["anaf"] == "connected"
    sandbox.admin("POST", "tokens/revoke", json={"serial": serial})
    outcome = run_sync(cif)
    assert outcome.result == "expired"
    company = CompanyModel.get(cif)
    assert company.authorization_state == "expired" and company.next_sync_at is None
    assert user.call("GET", f"/companies/{cif}").json()["company"]["authorization"]["label"] == "expirat"


def test_sync_now_and_the_sync_history_through_the_api(spv_company, new_user_module, world):
    rad = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))
    cif = spv_company()
    user = new_user_module()
    user.call("POST", "/companies", json={"cif": cif})  # pending: proven by their certificate
    assert authorize(user, cif, rad["serial"])["anaf"] in ("connected", "proven")
    assert user.call("POST", f"/companies/{cif}/sync").status_code == 202
    assert user.call("POST", f"/companies/{cif}/sync").json()["error"]["code"] == "sync_too_soon"
    run_sync(cif, "manual")
    runs = user.call("GET", f"/companies/{cif}/sync-runs").json()["runs"]
    assert runs[0]["reason"] == "manual" and runs[0]["result"] == "complete"
    company = user.call("GET", f"/companies/{cif}").json()["company"]
    assert company["archive"]["complete_until"] and company["archive"]["at_risk"] is False
    assert company["document_count"] == DocumentModel.count(cif)


def test_randomized_soak_ends_with_the_exact_archive(sandbox, spv_company, world, monkeypatch):
    """Many runs mixing 5xx, time-outs, WAF pages, corrupt and truncated ZIPs, spent budgets,
    new arrivals and killed workers; a final clean run; the archive is exact."""
    cif = spv_company()
    rng = random.Random(20261130)
    real_record = Archiver._record
    kinds = ["status", "corrupt_zip", "truncate_zip", "waf", "timeout", "maintenance"]
    paths = ["/prod/FCTEL/rest/descarcare", "/prod/FCTEL/rest/listaMesajePaginatieFactura"]
    for _run in range(SOAK_RUNS):
        sandbox.clear_faults()
        for _ in range(rng.randint(0, 2)):
            kind = rng.choice(kinds)
            rule = {"kind": kind, "path": rng.choice(paths), "probability": rng.choice([0.1, 0.3]),
                    "seed": rng.randint(0, 10**6)}
            if kind == "timeout":
                rule["seconds"] = 0.2
            sandbox.fault(**rule)
        if rng.random() < 0.3:
            sandbox.arrive(kind=rng.choice(["invoice", "credit_note"]), seller_cif=world["partners"][1]["cif"],
                           buyer_cif=cif, count=rng.randint(1, 3))
        killed = rng.random() < 0.15
        if killed:
            countdown = {"n": rng.randint(1, 4)}

            def dying(self, *args, countdown=countdown):
                countdown["n"] -= 1
                if countdown["n"] == 0:
                    raise SystemExit("killed")
                return real_record(self, *args)
            monkeypatch.setattr(Archiver, "_record", dying)
        try:
            run_sync(cif)
        except SystemExit:
            company = CompanyModel.get(cif)
            company.update(actions=[CompanyModel.lease_until.set(datetime.now(UTC) - timedelta(seconds=1))])
        finally:
            monkeypatch.setattr(Archiver, "_record", real_record)
    sandbox.clear_faults()
    final = run_sync(cif)
    assert final.result == "complete", final
    assert_archive_matches(sandbox, cif)


def _sqs_record(body: dict) -> dict:
    return {"messageId": str(uuid.uuid4()), "receiptHandle": "r", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-central-1:000000000000:sync",
            "awsRegion": "eu-central-1"}




# -- "Importă arhive SPV" ---------------------------------------------------------------------

def _anaf_zip(sandbox_url: str, cif: str, message_id: str) -> bytes:
    credential_id = CompanyModel.get(cif).credential_id
    token = dependencies.credential_vault().access_token(credential_id)
    answer = requests.get(f"{sandbox_url}/prod/FCTEL/rest/descarcare", params={"id": message_id},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.headers["Content-Type"].startswith("application/zip")
    return answer.content


def _zip_of(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_spv_zips_downloaded_by_hand_are_imported_once(sandbox, new_user_module, world):
    from pathlib import Path
    # Every SPV company has been handed out by now: take one another test synced, and give it
    # three new messages that no sync has seen (the ones a person would download by hand).
    rad = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))
    cif = rad["cifs"][0]
    user = new_user_module()
    user.call("POST", "/companies", json={"cif": cif})
    authorize(user, cif, rad["serial"])
    before = {m["id"] for m in sandbox.admin("GET", "messages", params={"cif": cif, "sha256": 0})["messages"]}
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][2]["cif"], buyer_cif=cif, count=3)
    messages = [m for m in sandbox.admin("GET", "messages", params={"cif": cif, "sha256": 0})["messages"]
                if m["id"] not in before]
    assert len(messages) == 3
    files = {f"{m['id']}.zip": _anaf_zip(sandbox.url, cif, m["id"]) for m in messages}
    real_error = (Path(__file__).resolve().parents[1] / "fixtures" / "anaf"
                  / "prod-error-5935607155.zip").read_bytes()
    upload = _zip_of({**files, "altă firmă/5935607155.zip": real_error})

    result = import_zip(user, cif, upload, "arhive-spv.zip")
    assert result["state"] == "done" and result["counts"] == {"archived": 3, "duplicate": 0, "rejected": 1}
    assert result["progress"] == {"done": 4, "total": 4}
    # Each file is reported under its real name in the upload, in the upload's order
    assert [f["name"] for f in result["files"]] == [*files, "altă firmă/5935607155.zip"]
    rejected = next(f for f in result["files"] if f["status"] == "rejected")
    assert "nu privește această companie" in rejected["reason"] and rejected["reason_code"] == "not_this_company"
    # Each is keyed by the upload index its signed content names, never by the file's name
    imported = {d.upload_index: d for d in DocumentModel.query(cif) if d.source == "import"}
    assert set(imported) == {m["id_solicitare"] for m in messages}
    import hashlib
    for message in messages:
        document = imported[message["id_solicitare"]]
        assert document.message_id == f"import-{message['id_solicitare']}"
        assert document.original_sha256 == hashlib.sha256(files[f"{message['id']}.zip"]).hexdigest()
        assert document.signature_status == "valid"

    again = import_zip(user, cif, upload)
    assert again["counts"] == {"archived": 0, "duplicate": 3, "rejected": 1}
    single_name = next(iter(files))
    single = import_zip(user, cif, files[single_name], single_name)
    assert single["counts"]["duplicate"] == 1 and single["files"][0]["name"] == single_name
    not_zip = import_zip(user, cif, b"nu e zip", "nu-e-zip.zip")
    assert not_zip["state"] == "failed" and not_zip["error"]["code"] == "import_not_a_zip"
    assert "nu este o arhivă ZIP" in not_zip["error"]["message"]


def test_a_sync_refreshes_company_data_older_than_a_week(spv_company, world):
    # spv_company authorized every SPV company for this module's user
    cif = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))["cifs"][0]
    company = CompanyModel.get(cif)
    company.update(actions=[CompanyModel.public_data_refreshed_at.set(datetime.now(UTC) - timedelta(days=8)),
                            CompanyModel.name.set("NUME VECHI SRL")])
    run_sync(cif)
    refreshed = CompanyModel.get(cif)
    assert refreshed.public_data_refreshed_at > datetime.now(UTC) - timedelta(minutes=5)
    assert refreshed.name != "NUME VECHI SRL"
    run_sync(cif)  # fresh now: not looked up again
    assert CompanyModel.get(cif).public_data_refreshed_at == refreshed.public_data_refreshed_at


def test_a_run_stopped_by_the_call_budget_is_due_at_the_next_dispatch_tick(sandbox, new_user_module, fresh_cif,
                                                                          world, monkeypatch):
    # GIVEN a connected company with more messages than the bucket's burst
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif, count=20)
    # AND a call budget whose clock stands still: the bucket's burst, then nothing
    standing = datetime.now(UTC)
    budget = CallBudget(lambda: standing, max_wait_s=0, key=f"bucket#test-{uuid.uuid4().hex}")
    monkeypatch.setattr(dependencies, "call_budget", lambda: budget)
    # WHEN a first sync with more messages than that runs
    outcome = run_sync(cif)
    stopped = datetime.now(UTC)
    # THEN it archived what the budget allowed and is due at once (the next dispatch tick takes
    # it), not a minute after its start, which always fell just after that tick
    assert outcome.result == "partial" and outcome.stats.errors.get("calls_per_minute")
    assert outcome.stats.anaf_calls <= ANAF_BUCKET.burst
    assert CompanyModel.get(cif, consistent_read=True).next_sync_at <= stopped
    # WHEN the budget has tokens again, the next run carries on and completes the archive
    monkeypatch.undo()
    assert run_sync(cif).result == "complete"
    assert_archive_matches(sandbox, cif)


def test_a_long_run_yields_its_worker_after_its_slice_and_is_due_at_the_next_tick(sandbox, new_user_module,
                                                                                  fresh_cif, world, monkeypatch):
    from chalicelib.services import sync
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    batch = sync.DOWNLOAD_THREADS * 4
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif, count=batch + 4)
    monkeypatch.setattr(sync, "RUN_SLICE", timedelta(0))  # every slice ends after one batch
    first = run_sync(cif)
    assert first.result == "partial" and first.stats.new == batch
    assert CompanyModel.get(cif, consistent_read=True).next_sync_at <= datetime.now(UTC)
    monkeypatch.undo()
    assert run_sync(cif).result == "complete"
    assert_archive_matches(sandbox, cif)


def test_a_running_sync_publishes_its_counts_in_the_company_view(sandbox, fresh_cif, new_user_module, world,
                                                                  monkeypatch):
    """"Sincronizează acum" shows the sync queued, the worker's counts grow in GET /companies
    while it runs (bounded writes: here every message), and they go away when it ends."""
    from chalicelib.services import sync
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    # more new messages than one batch of downloads, so the counts grow between batches
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif,
                   count=sync.DOWNLOAD_THREADS * 4 + 4)

    def live() -> dict | None:
        answer = user.call("GET", f"/companies/{cif}")
        assert answer.status_code == 200, answer.text
        return answer.json()["company"]["sync_in_progress"]

    assert live() is None
    assert user.call("POST", f"/companies/{cif}/sync").status_code == 202
    assert live() == {"state": "queued", "started_at": None, "listed": None, "new": 0,
                      "already_archived": 0, "failed": 0}

    monkeypatch.setattr(sync, "PROGRESS_EVERY_MESSAGES", 1)
    seen: list[dict] = []

    def time_left_watching_the_api() -> float:  # the worker asks before each batch of downloads
        seen.append(live())
        return 900.0

    outcome = dependencies.company_sync(time_left_watching_the_api).run(cif, "manual")
    assert outcome.result == "complete" and outcome.stats.new >= sync.DOWNLOAD_THREADS * 4 + 4
    running = [s for s in seen if s is not None]
    assert running and all(s["state"] == "running" and s["started_at"] for s in running)
    assert running[0]["listed"] == outcome.stats.listed and running[0]["new"] == 0
    news = [s["new"] for s in running]
    assert news == sorted(news) and news[-1] > 0  # grew mid-run, batch after batch
    assert live() is None
    listed = user.call("GET", "/companies").json()["companies"]
    assert next(c for c in listed if c["cif"] == cif)["sync_in_progress"] is None



def test_a_run_decrypts_the_token_once_and_asks_for_pdfs_ten_to_a_send(sandbox, new_user_module, fresh_cif, world):
    """Per run, not per ANAF call: one KMS Decrypt (and one credential read). Render requests
    leave after each batch of downloads, ten to a SendMessageBatch, not one call per invoice.
    Counted on the worker's clients, over moto's server."""
    from chalicelib.services import sync
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif, count=sync.BATCH)
    calls: list[str] = []

    def count(event_name: str, **_kwargs) -> None:
        calls.append(event_name.split(".", 1)[1])  # "kms.Decrypt", "sqs.SendMessageBatch", ...

    clients = [aws_client(dependencies.settings(), "kms"), aws_client(dependencies.settings(), "sqs")]
    for client in clients:
        client.meta.events.register("before-call", count)
    try:
        outcome = run_sync(cif)
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", count)
    assert outcome.result == "complete" and outcome.stats.new == sync.BATCH  # one batch of invoices
    assert outcome.stats.anaf_calls > outcome.stats.new  # a list and a download per message
    assert calls.count("kms.Decrypt") == 1
    assert calls.count("sqs.SendMessageBatch") == -(-sync.BATCH // 10)
    assert "sqs.SendMessage" not in calls


KILLED_BETWEEN_ARCHIVING_AND_ASKING = """
import os, signal, sys
from chalicelib import dependencies
from chalicelib.storage.queues import WorkQueues
real = WorkQueues.send_many
def send_many(self, key, bodies):
    if key == "render":  # the batch is archived; the process dies before its PDFs are asked for
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, key, bodies)
WorkQueues.send_many = send_many
dependencies.company_sync(lambda: 900.0).run(sys.argv[1], "test")
"""


def _render_requests(settings, cif: str) -> set[str]:
    """The render queue's requests for this company (taken off the queue)."""
    sqs = aws_client(settings, "sqs")
    url = dependencies.work_queues().url("render")
    sks: set[str] = set()
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        sks |= {json.loads(m["Body"])["sk"] for m in batch if json.loads(m["Body"])["cif"] == cif}
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return sks


def test_a_worker_killed_between_archiving_and_asking_for_pdfs_leaves_no_invoice_without_one(
        sandbox, new_user_module, fresh_cif, world, settings):
    """Render requests go out per batch: a worker process killed (SIGKILL) after archiving a
    batch and before sending its requests leaves invoices "pending" with nobody asked; the next
    run sees the dead run's progress on the company and asks for every one of them."""
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif, count=5)
    _render_requests(settings, cif)
    killed = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_ARCHIVING_AND_ASKING, cif], check=False,
                            cwd=Path(__file__).resolve().parents[2], env=dict(os.environ), timeout=300)
    assert killed.returncode == -signal.SIGKILL
    archived = {d.sk for d in DocumentModel.query(cif, consistent_read=True)}
    assert len(archived) == 5
    assert all(d.pdf_status == "pending" for d in DocumentModel.query(cif, consistent_read=True))
    assert _render_requests(settings, cif) == set()  # nobody asked for them

    # The dead run's lease expires; the next run archives nothing new and asks for the PDFs.
    CompanyModel(cif=cif).update(actions=[CompanyModel.lease_until.set(datetime.now(UTC) - timedelta(seconds=1))])
    outcome = run_sync(cif)
    assert outcome.result == "complete" and outcome.stats.new == 0 and outcome.stats.already == 5
    assert _render_requests(settings, cif) == archived
    # A run after a clean one asks for nothing again.
    assert run_sync(cif).result == "complete"
    assert _render_requests(settings, cif) == set()


def test_a_download_that_raises_still_asks_for_the_pdfs_its_batch_recorded(
        sandbox, new_user_module, fresh_cif, world, settings, monkeypatch):
    """A raise in one download ends the run (and releases its lease, so no later run knows to
    ask again), while the batch's other downloads finish and record their invoices: the run asks
    for their PDFs all the same, also for those recorded after the failing one in batch order."""
    from chalicelib.services.sync import CompanySync
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif, count=5)
    _render_requests(settings, cif)
    # GIVEN the batch's first download fails unexpectedly once the four others have recorded theirs
    real_download_all, real_one = CompanySync._download_all, CompanySync._one
    batch_first: dict[str, str] = {}
    others = {"done": 0}
    lock, all_others_done = threading.Lock(), threading.Event()

    def download_all(self, client, cif, pending, stats, progress):
        batch_first["id"] = pending[0].id  # the batch's first: its result is the first one read
        return real_download_all(self, client, cif, pending, stats, progress)

    def one(self, client, cif, message, **kwargs):
        if message.id == batch_first["id"]:
            assert all_others_done.wait(60)
            raise RuntimeError("a download that failed unexpectedly")
        try:
            return real_one(self, client, cif, message, **kwargs)
        finally:
            with lock:
                others["done"] += 1
                if others["done"] == 4:
                    all_others_done.set()

    monkeypatch.setattr(CompanySync, "_download_all", download_all)
    monkeypatch.setattr(CompanySync, "_one", one)
    # WHEN the run meets it
    with pytest.raises(RuntimeError):
        dependencies.company_sync(lambda: 900.0).run(cif, "test")
    # THEN the four recorded invoices have their PDFs asked for
    recorded = {d.sk for d in DocumentModel.query(cif, consistent_read=True)}
    assert len(recorded) == 4
    assert _render_requests(settings, cif) == recorded


def _downloads_at_anaf(sandbox: Sandbox, message_id: str) -> int:
    """How many times ANAF (the sandbox) served this message today."""
    daily = sandbox.admin("GET", "limits")["daily"]
    return sum(c["used"] for c in daily if c["kind"] == "descarcare" and c["key"] == message_id)


def _download_counters(message_ids: list[str]) -> dict[str, int]:
    """Our per-message daily download counters (Limits table) of these messages."""
    from chalicelib.storage.models import LimitCounterModel
    counters: dict[str, int] = {}
    for item in LimitCounterModel.scan(LimitCounterModel.counter_key.startswith("download#")):
        message_id = item.counter_key.split("#")[1]
        if message_id in message_ids:
            counters[message_id] = int(item.tally)
    return counters


def test_first_downloads_write_no_per_message_counter_and_a_failing_one_stops_at_anafs_ten(
        sandbox, new_user_module, fresh_cif, world):
    """ANAF serves a message at most 10 times a day. A message created after the company's
    download mark was never downloaded: its first download writes no counter (one mark per
    batch instead of one counter per message). A message that keeps failing is counted from
    its second download and stops at ANAF's ten, refused by our budget, never by ANAF."""
    user, cif = new_user_module(), fresh_cif()
    connect_company(user, cif, sandbox.url)
    sandbox.arrive(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif, count=3)
    first = run_sync(cif)
    assert first.result == "complete" and first.stats.new == 3
    ids = [d.message_id for d in DocumentModel.query(cif)]
    assert _download_counters(ids) == {}  # three first downloads, no counter
    assert CompanyModel.get(cif, consistent_read=True).downloads_attempted_until is not None

    # ANAF's creation times are whole minutes: a message of the mark's own minute is counted
    # (it may have been downloaded); this one comes a minute later.
    offset = sandbox.admin("GET", "clock")["offset_s"]
    sandbox.admin("POST", "clock", json={"advance_s": -60})
    try:
        sandbox.admin("POST", "invoices", json={"kind": "invoice", "seller_cif": world["partners"][0]["cif"],
                                                "buyer_cif": cif, "count": 1})
    finally:
        sandbox.admin("POST", "clock", json={"advance_s": offset - sandbox.admin("GET", "clock")["offset_s"]})
    sandbox.fault(kind="corrupt_zip", path="/prod/FCTEL/rest/descarcare", count=20)
    try:
        outcomes = [run_sync(cif) for _ in range(12)]
    finally:
        sandbox.clear_faults()
    assert all(o.result == "partial" for o in outcomes)
    failing = next(m["id"] for m in sandbox.admin("GET", "messages", params={"cif": cif, "limit": 100})["messages"]
                   if m["id"] not in ids)
    assert _downloads_at_anaf(sandbox, failing) == 10  # ANAF's daily number, never passed
    assert _download_counters([failing]) == {failing: 9}  # the first one was not counted
    assert [o.stats.errors.get("downloads_per_message", 0) for o in outcomes[10:]] == [1, 1]
    assert all(o.stats.anaf_calls == 1 for o in outcomes[10:])  # the list only: no 11th download

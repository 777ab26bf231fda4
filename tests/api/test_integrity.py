"""The integrity check ("Integritatea arhivei") over the local stack: a company's archive synced
from the ANAF sandbox, checked by the real worker from its queue, its reports downloaded through
the API's presigned links (moto) and its PDF rendered by the render worker."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests
from pypdf import PdfReader

from chalicelib import dependencies
from chalicelib.invoices.pdf.integrity_report import ROMANIA
from chalicelib.invoices.trust import TrustedSigners
from chalicelib.services import integrity
from chalicelib.services.archiver import retain_until
from chalicelib.storage import integrity as runs
from chalicelib.storage.aws import aws_client
from chalicelib.storage.models import CompanyModel, DocumentModel, SyncRunModel
from chalicelib.topology import INTEGRITY_SCHEDULE, queue
from local.runtime import LocalLambdaContext, QueuePoller, load_handler
from tests.api.conftest import User, sign_up
from tests.api.importing import import_zip
from tests.api.proven import invite_and_accept

INVOICES = 4


def _drain(settings, key: str) -> int:
    """Play a queue's event source mapping until the queue is empty; records handled."""
    spec = queue(key)
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0)
    handled = 0
    while (received := poller.poll_once().received):
        handled += received
    return handled


@dataclass
class Archive:
    owner: User
    cif: str
    name: str

    def documents(self) -> list[DocumentModel]:
        return list(DocumentModel.query(self.cif, consistent_read=True))


@pytest.fixture(scope="module")
def archive(local_stack, base_url, settings) -> Archive:
    """A proven company with INVOICES invoices archived through the API (the SPV ZIPs a person
    downloaded, imported), and a complete sync run that listed its window at ANAF."""
    from tests.api.conftest import add_proven_company, new_company

    sandbox = local_stack.ports.sandbox_url
    cif = new_company(sandbox)
    owner = sign_up(base_url)
    company = add_proven_company(owner, cif, sandbox)
    world = requests.get(f"{sandbox}/__sandbox/world", timeout=10).json()
    seller = next(p["cif"] for p in world["partners"] if p["cif"] != cif)
    created = requests.post(f"{sandbox}/__sandbox/invoices", json={"kind": "invoice", "seller_cif": seller,
                                                                    "buyer_cif": cif, "count": INVOICES},
                            timeout=10).json()["created"]
    token = dependencies.credential_vault().access_token(CompanyModel.get(cif).credential_id)
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as bundle:
        for message in (m for c in created for m in c["messages"] if m["cif"] == cif):
            zipped = requests.get(f"{sandbox}/prod/FCTEL/rest/descarcare", params={"id": message["id"]},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=30)
            bundle.writestr(f"{message['id']}.zip", zipped.content)
    imported = import_zip(owner, cif, upload.getvalue())
    assert imported["counts"] == {"archived": INVOICES, "duplicate": 0, "rejected": 0}, imported
    outcome = dependencies.company_sync(lambda: 900.0).run(cif, "test")
    assert outcome.result == "complete", outcome
    _drain(settings, "render")  # the invoices' own PDFs, so the render queue is ours later
    archive = Archive(owner, cif, company["name"])
    assert len(archive.documents()) == INVOICES
    return archive


def _last_run(archive: Archive) -> dict:
    answer = archive.owner.call("GET", f"/companies/{archive.cif}/integrity")
    assert answer.status_code == 200, answer.text
    return answer.json()["run"]


def _download(user: User, cif: str, fmt: str) -> bytes:
    answer = user.call("GET", f"/companies/{cif}/integrity/report", params={"format": fmt})
    assert answer.status_code == 200, answer.text
    link = answer.json()
    assert link["filename"].endswith(f".{fmt}")
    content = requests.get(link["url"], timeout=30)
    assert content.status_code == 200
    return content.content


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _squeezed(text: str) -> str:
    """Text without whitespace: the PDF's line breaks fall anywhere in a long sentence."""
    return "".join(text.split())


def test_a_clean_archive_is_all_good_and_its_reports_render(archive, settings):
    # GIVEN no run yet
    assert _last_run(archive) is None
    assert archive.owner.call("GET", f"/companies/{archive.cif}/integrity/report").status_code == 404

    # WHEN the owner starts a run and the worker drains the integrity queue
    started = archive.owner.call("POST", f"/companies/{archive.cif}/integrity")
    assert started.status_code == 202, started.text
    assert started.json()["run"]["state"] == "queued"
    # (a second start while it is queued is refused)
    again = archive.owner.call("POST", f"/companies/{archive.cif}/integrity")
    assert again.status_code == 409 and again.json()["error"]["code"] == "integrity_running"
    assert _drain(settings, "integrity") >= 1

    # THEN the run is done and all good: every document checked, counters equal to the documents
    run = _last_run(archive)
    assert run["state"] == "done", run
    assert run["all_good"] is True, run["problems"]
    assert run["documents_checked"] == INVOICES
    assert run["problems"] == [] and run["gaps"] == []
    assert run["counted"] == {"received": INVOICES}
    assert run["counters"]["total"] == INVOICES and run["counters"]["received"] == INVOICES
    assert run["period"]["from"] is not None and run["period"]["to"] is not None
    assert run["reports"] == {"json": True, "pdf": False} and run["pdf_status"] == "pending"

    # AND the JSON report lists every original's SHA-256 (the recorded one, re-measured)
    report_bytes = _download(archive.owner, archive.cif, "json")
    report = json.loads(report_bytes)
    recorded = {d.message_id: d.original_sha256 for d in archive.documents()}
    assert report["company"] == {"cif": archive.cif, "name": archive.name}
    assert report["all_good"] is True and report["documents_checked"] == INVOICES
    assert {d["message_id"]: d["sha256"] for d in report["documents"]} == recorded
    assert {d["signature"] for d in report["documents"]} == {"valid"}
    assert all(d["retain_until"] and d["lock_mode"] == "GOVERNANCE" for d in report["documents"])
    assert report["trust_bundle"]["sha256"] == run["trust_bundle_sha256"]

    # AND once the render worker ran, the PDF holds the company and the SHA-256 list
    assert _drain(settings, "render") >= 1
    assert _last_run(archive)["reports"]["pdf"] is True
    pdf = _download(archive.owner, archive.cif, "pdf")
    text = pdf_text(pdf).replace("\n", "")
    assert archive.cif in text and archive.name in text and "Raport de integritate" in text
    # (and the JSON report's own SHA-256, which ties the complete list to the PDF)
    assert hashlib.sha256(report_bytes).hexdigest() in text
    for sha256 in recorded.values():
        assert sha256 in text, sha256
    # AND the period covered, the counts by type and each signature's verdict
    words = _squeezed(text)
    period = {edge: datetime.fromisoformat(run["period"][edge]).astimezone(ROMANIA).strftime("%d.%m.%Y")
              for edge in ("from", "to")}
    assert _squeezed(f"Perioada acoperită: {period['from']} – {period['to']}") in words
    assert _squeezed(f"Facturi primite {INVOICES} {INVOICES}") in words
    assert words.count("validă") >= INVOICES
    assert _squeezed("Niciun interval lipsă") in words


def test_outsiders_get_404_and_viewers_cannot_start_a_run(archive, base_url):
    # GIVEN a stranger and a viewer of the company
    stranger, viewer = sign_up(base_url), sign_up(base_url)
    invite_and_accept(archive.owner, viewer, archive.cif, "viewer")

    # THEN the stranger sees nothing of it
    for method, path in (("GET", "/integrity"), ("POST", "/integrity"), ("GET", "/integrity/report")):
        answer = stranger.call(method, f"/companies/{archive.cif}{path}")
        assert answer.status_code == 404, (method, path, answer.text)
    # AND the viewer reads the last run and its reports but cannot start one
    assert viewer.call("GET", f"/companies/{archive.cif}/integrity").json()["run"]["state"] == "done"
    assert viewer.call("GET", f"/companies/{archive.cif}/integrity/report",
                       params={"format": "json"}).status_code == 200
    refused = viewer.call("POST", f"/companies/{archive.cif}/integrity")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    # AND a format other than json or pdf is a 400 with a stable code
    odd = viewer.call("GET", f"/companies/{archive.cif}/integrity/report", params={"format": "exe"})
    assert odd.status_code == 400 and odd.json()["error"]["code"] == "invalid_format"


def test_a_corrupted_original_a_missing_xml_and_a_counter_drift_are_found(archive, settings):
    # GIVEN an original overwritten in S3 (a new version: the local lock is GOVERNANCE), another
    # document's XML deleted, and the company's counter of received invoices changed by hand
    corrupted, stripped = sorted(archive.documents(), key=lambda d: d.sk)[:2]
    s3 = aws_client(settings, "s3")
    s3.put_object(Bucket=settings.archive_bucket, Key=corrupted.original_key, Body=b"PK\x03\x04 not the original")
    s3.delete_object(Bucket=settings.archive_bucket, Key=stripped.xml_key)
    CompanyModel(cif=archive.cif).update(actions=[CompanyModel.count_received.add(1)])

    # WHEN a run is started (the last finished run's report stays downloadable meanwhile) and checked
    assert archive.owner.call("POST", f"/companies/{archive.cif}/integrity").status_code == 202
    assert json.loads(_download(archive.owner, archive.cif, "json"))["all_good"] is True
    _drain(settings, "integrity")

    # THEN each problem is reported with its document, and the drift with both figures
    run = _last_run(archive)
    assert run["state"] == "done" and run["all_good"] is False
    found = {(p["code"], p["message_id"]) for p in run["problems"]}
    assert ("original_altered", corrupted.message_id) in found
    assert ("original_size", corrupted.message_id) in found
    assert ("xml_missing", stripped.message_id) in found
    drift = [p for p in run["problems"] if p["code"] == "counter_drift"]
    assert [p["kind"] for p in drift] == ["received"]
    assert drift[0]["detail"] == f"afișat {INVOICES + 1}, în arhivă {INVOICES}"
    assert all(p["explanation"] for p in run["problems"])
    altered = next(p for p in run["problems"] if p["code"] == "original_altered")
    assert altered["sk"] == corrupted.sk and "modificat" in altered["explanation"]
    # AND no other document is blamed
    blamed = {p["message_id"] for p in run["problems"] if p["message_id"]}
    assert blamed == {corrupted.message_id, stripped.message_id}


def test_an_interrupted_run_resumes_from_its_cursor(archive, settings, monkeypatch):
    # GIVEN a run whose first invocation has time for two documents only (one report part each)
    monkeypatch.setattr(integrity, "SAVE_EVERY", 1)
    run = runs.create(archive.cif, "schedule", None, datetime.now(UTC))
    budget = iter([1000.0, 1000.0])
    check = integrity.IntegrityCheck(settings, dependencies.archive(), dependencies.trusted_signers(),
                                     dependencies.work_queues(), dependencies.now,
                                     lambda: next(budget, 0.0))

    # WHEN it runs THEN it saves its cursor after the second document and re-queues itself
    assert check.run(archive.cif, run.run_id) == "requeued"
    saved = runs.get(archive.cif, run.run_id)
    documents = sorted(archive.documents(), key=lambda d: d.sk)
    assert saved is not None and saved.state == "running"
    assert saved.cursor == documents[1].sk and saved.checked == 2 and saved.part == 2
    # (a duplicate delivery while the lease is free goes on from the cursor, too)

    # WHEN the worker takes the re-queued message
    assert _drain(settings, "integrity") >= 1

    # THEN the run finishes with every document checked exactly once
    done = runs.get(archive.cif, run.run_id)
    assert done is not None and done.state == "done" and done.checked == INVOICES
    assert done.invocations == 2 and done.started_at == saved.started_at  # the first invocation's
    report = json.loads(dependencies.archive().get(done.report_json_key))
    assert sorted(d["sk"] for d in report["documents"]) == [d.sk for d in documents]


def test_days_never_listed_and_messages_lost_are_listed_as_gaps(archive, settings):
    # GIVEN, after the company's complete sync, a later run that lost 3 messages past ANAF's 60
    # days and left a day unlisted before it (as sync records them)
    listed = max(SyncRunModel.query(archive.cif), key=lambda r: r.window_end)
    start = listed.window_end + timedelta(days=1)
    SyncRunModel(cif=archive.cif, started_at=f"{start.isoformat()}#gap00001", window_start=start,
                 window_end=start + timedelta(hours=2), result="complete", lost=3, listed=3).save()

    # WHEN a run checks the archive
    run = runs.create(archive.cif, "schedule", None, datetime.now(UTC))
    integrity.IntegrityCheck(settings, dependencies.archive(), dependencies.trusted_signers(),
                             dependencies.work_queues(), dependencies.now, lambda: 900.0).run(archive.cif, run.run_id)

    # THEN both gaps are in the API's view, explained, and the period reaches the last window
    view = _last_run(archive)
    assert view["all_good"] is False
    holes = {gap["kind"]: gap for gap in view["gaps"]}
    assert holes["not_listed"]["from"] == listed.window_end.isoformat()
    assert holes["not_listed"]["to"] == start.isoformat()
    lost = holes["lost"]
    assert lost["count"] == 3 and isinstance(lost["count"], int)
    assert "60 de zile" in lost["explanation"] and "(3 mesaje" in lost["explanation"]
    assert view["period"]["to"] >= (start + timedelta(hours=2)).isoformat()

    # AND the report's PDF lists both gaps with their explanations
    _drain(settings, "render")
    words = _squeezed(pdf_text(_download(archive.owner, archive.cif, "pdf")))
    for gap in view["gaps"]:
        assert _squeezed(gap["explanation"]) in words, gap


def _check_with(archive: Archive, settings, trusted) -> dict:
    """One run of the real check over the company's archive in moto, then its view in the API."""
    run = runs.create(archive.cif, "schedule", None, datetime.now(UTC))
    check = integrity.IntegrityCheck(settings, dependencies.archive(), trusted, dependencies.work_queues(),
                                     dependencies.now, lambda: 900.0)
    assert check.run(archive.cif, run.run_id) == "done"
    return _last_run(archive)


def _problems_of(view: dict, document: DocumentModel) -> dict[str, str]:
    return {p["code"]: p["detail"] for p in view["problems"] if p["message_id"] == document.message_id}


def test_an_original_locked_short_of_the_legal_retention_is_found(archive, settings):
    # GIVEN originals locked as the local stage locks them (GOVERNANCE, for a day), and a
    # document nobody tampered with (earlier tests altered the first two)
    untouched = sorted(archive.documents(), key=lambda d: d.sk)[2]
    head = aws_client(settings, "s3").head_object(Bucket=settings.archive_bucket, Key=untouched.original_key)
    assert head["ObjectLockMode"] == "GOVERNANCE"

    # WHEN the check runs with a stage's settings that promise the legal retention in GOVERNANCE
    legal = dataclasses.replace(settings, archive_lock_days=None)
    view = _check_with(archive, legal, dependencies.trusted_signers())

    # THEN the original is reported: its lock ends before the legal retention, with both dates
    found = _problems_of(view, untouched)
    assert set(found) == {"retention_short"}, view["problems"]
    assert found["retention_short"] == (f"până la {head['ObjectLockRetainUntilDate']:%Y-%m-%d}, "
                                        f"cel puțin {retain_until(untouched.created_at):%Y-%m-%d}")

    # AND with a stage that promises COMPLIANCE the mode itself is the problem
    compliance = dataclasses.replace(settings, archive_lock_mode="COMPLIANCE", archive_lock_days=None)
    assert set(_problems_of(_check_with(archive, compliance, dependencies.trusted_signers()), untouched)) == {
        "retention_mode"}


def test_signatures_are_re_verified_against_the_current_trust_bundle(archive, settings):
    # GIVEN a document whose MF signature was valid when archived
    untouched = sorted(archive.documents(), key=lambda d: d.sk)[2]
    assert untouched.signature_status == "valid"

    # WHEN the trust bundle no longer holds the certificate that signed it (a revoked MF key)
    # and the check runs
    view = _check_with(archive, settings, TrustedSigners(()))

    # THEN the changed verdict is reported for the document, with both verdicts
    found = _problems_of(view, untouched)
    assert set(found) == {"signature_changed"}, view["problems"]
    assert found["signature_changed"] == "înregistrat valid, acum unknown (untrusted_signer)"
    # AND the JSON report records the stored and the re-verified verdict of every document
    report = json.loads(_download(archive.owner, archive.cif, "json"))
    row = next(d for d in report["documents"] if d["message_id"] == untouched.message_id)
    assert (row["signature_recorded"], row["signature"]) == ("valid", "unknown")

    # AND with the current bundle the same document is clean again
    assert _problems_of(_check_with(archive, settings, dependencies.trusted_signers()), untouched) == {}


def test_the_monthly_schedule_queues_a_run_per_company_with_documents(archive, settings):
    # WHEN the schedule fires
    handler = load_handler(INTEGRITY_SCHEDULE.target)
    result = handler({"source": "aws.events", "time": datetime.now(UTC).isoformat()},
                     LocalLambdaContext("arhivar-integrity", 60))

    # THEN the company (which has documents) has a queued scheduled run
    assert result["queued"] >= 1
    run = runs.latest(archive.cif)
    assert run is not None and run.state == "queued" and run.reason == "schedule"
    # AND firing again while it is queued does not queue a second one for it
    handler({"source": "aws.events"}, LocalLambdaContext("arhivar-integrity", 60))
    assert runs.latest(archive.cif).run_id == run.run_id


def test_a_fan_out_that_runs_out_of_time_continues_where_it_stopped(archive, settings):
    # GIVEN two companies with documents, none with a run going on
    other = "9" + uuid.uuid4().hex[:7]
    CompanyModel(cif=other, name=f"Test {other} SRL", created_at=datetime.now(UTC), document_count=1).save()
    _drain(settings, "integrity")
    started = datetime.now(UTC)

    # WHEN the monthly fan-out has time for one company only
    time_left = iter([900.0])
    queued = integrity.fan_out(dependencies.work_queues(), started, lambda: next(time_left, 0.0))
    assert queued == 1

    # AND the integrity worker then takes its queue
    _drain(settings, "integrity")

    # THEN the company it had no time for got its scheduled run all the same
    for cif in (archive.cif, other):
        run = runs.latest(cif)
        assert run is not None and run.reason == "schedule" and run.created_at >= started, cif

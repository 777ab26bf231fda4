"""One live document per (CIF, upload index, kind), whatever the door (issue "12 ·", findings 1
and 2): an import and a sync of the same invoice archive it once; a tampered ZIP imported first
never squats the upload (the verified original wins, the tampered one stays in S3, superseded
and hidden); two verified originals of one upload keep the first.

Each scenario uses a fresh company whose certificate the sandbox issues for it alone.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import dependencies
from chalicelib.domain.document_filters import DocumentFilter
from chalicelib.services.archiver import Archiver
from chalicelib.services.renders import queue_renders
from chalicelib.storage.aws import aws_client
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.documents import upload_key
from chalicelib.storage.models import CompanyModel, DocumentModel, LimitCounterModel
from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.conftest import connect_company
from tests.api.importing import anaf_zip, with_invoice_changed
from tests.api.importing import import_done as imported
from tests.api.sandbox_admin import Sandbox
from tests.api.test_sync import _zip_of


@pytest.fixture
def company(new_user, fresh_cif, sandbox):
    """A fresh company X, proven and connected by its admin, with nothing archived yet."""
    admin, cif = new_user(), fresh_cif()
    connect_company(admin, cif, sandbox.url, "Titular X")
    return admin, cif


def arrived_invoice(sandbox: Sandbox, cif: str) -> dict:
    """One new invoice received by `cif` at ANAF; its message (id, id_solicitare, …)."""
    before = {m["id"] for m in sandbox.admin("GET", "messages", params={"cif": cif, "sha256": 0})["messages"]}
    sandbox.invoices_to(cif, 1)
    (message,) = [m for m in sandbox.admin("GET", "messages", params={"cif": cif, "sha256": 0})["messages"]
                  if m["id"] not in before]
    return message


def tampered(original: bytes) -> bytes:
    """The same ANAF ZIP with one byte of the invoice's text changed: it still parses, its MF
    signature no longer verifies."""
    return with_invoice_changed(original, lambda content: content.replace(b"</cbc:ID>", b"9</cbc:ID>", 1))


def repacked(original: bytes) -> bytes:
    """The same signed members in another ZIP container (stored, not deflated): other bytes,
    and a signature that still verifies."""
    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info))
    assert buffer.getvalue() != original
    return buffer.getvalue()


def sync(cif: str) -> None:
    assert dependencies.company_sync(lambda: 900.0).run(cif, "test").result == "complete"


def stored(key: str) -> bytes:
    settings = dependencies.settings()
    return aws_client(settings, "s3").get_object(Bucket=settings.archive_bucket, Key=key)["Body"].read()


def of_upload(cif: str, upload_index: str) -> list[DocumentModel]:
    return [d for d in DocumentModel.query(cif, consistent_read=True) if d.upload_index == upload_index]


def assert_counted_once(cif: str) -> None:
    company = CompanyModel.get(cif, consistent_read=True)
    assert int(company.document_count) == 1 and int(company.count_received) == 1


def test_an_imported_zip_then_a_sync_of_the_same_message_archive_it_once(company, sandbox):
    # GIVEN an invoice an admin downloaded by hand from SPV and imported
    admin, cif = company
    message = arrived_invoice(sandbox, cif)
    assert imported(admin, cif, anaf_zip(sandbox.url, cif, message["id"]))["counts"]["archived"] == 1

    # WHEN the next sync lists the same message
    sync(cif)

    # THEN there is one document for the upload, counted once, listed once
    (document,) = of_upload(cif, message["id_solicitare"])
    assert document.source == "import" and document.signature_status == "valid"
    assert_counted_once(cif)
    listed = admin.call("GET", f"/companies/{cif}/documents").json()
    assert [d["upload_index"] for d in listed["documents"]] == [message["id_solicitare"]]
    assert listed["total"] == {"value": 1, "exact": True}


@pytest.mark.parametrize("door", ["sync", "import"])
def test_a_tampered_import_never_squats_the_upload_the_verified_original_wins(company, sandbox, door):
    # GIVEN a tampered copy of an invoice, imported before anything else archived it
    admin, cif = company
    message = arrived_invoice(sandbox, cif)
    genuine = anaf_zip(sandbox.url, cif, message["id"])
    forged = tampered(genuine)
    first = imported(admin, cif, forged)
    assert first["counts"]["archived"] == 1
    (squatter,) = of_upload(cif, message["id_solicitare"])
    assert squatter.signature_status == "invalid"

    # WHEN the verified original comes through another door
    if door == "sync":
        sync(cif)
    else:
        second = imported(admin, cif, genuine)
        assert second["counts"] == {"archived": 1, "duplicate": 0, "rejected": 0}

    # THEN the verified original is the live document; the tampered one stays in S3 (Object
    # Lock), marked superseded by it; the counters count the upload once
    documents = {d.sk: d for d in of_upload(cif, message["id_solicitare"])}
    assert len(documents) == 2
    (live,) = [d for d in documents.values() if not d.superseded_by]
    old = documents[squatter.sk]
    assert live.signature_status == "valid" and old.superseded_by == live.sk
    assert live.original_sha256 == hashlib.sha256(genuine).hexdigest()
    assert hashlib.sha256(stored(old.original_key)).hexdigest() == hashlib.sha256(forged).hexdigest()
    assert_counted_once(cif)

    # AND the Documents list, its count and its search show only the live one by default
    listed = admin.call("GET", f"/companies/{cif}/documents").json()
    assert [d["message_id"] for d in listed["documents"]] == [live.message_id]
    assert listed["total"]["value"] == 1
    searched = admin.call("GET", f"/companies/{cif}/documents", params={"q": live.number}).json()
    assert [d["message_id"] for d in searched["documents"]] == [live.message_id]
    # AND an explicit filter shows the superseded one, whose detail says why in Romanian
    hidden = admin.call("GET", f"/companies/{cif}/documents", params={"superseded": "1"}).json()
    assert [d["message_id"] for d in hidden["documents"]] == [old.message_id]
    assert hidden["documents"][0]["superseded_by"] == live.message_id
    bad = admin.call("GET", f"/companies/{cif}/documents", params={"superseded": "poate"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_filter"
    # AND what an export reads (its total and its documents) leaves the superseded one out
    index = DocumentIndex(dependencies.settings())
    assert [d.sk for d in index.each(cif, DocumentFilter())] == [live.sk]
    assert index.count_all(cif, DocumentFilter()) == 1
    assert [d.sk for d in index.each(cif, DocumentFilter(superseded=True))] == [old.sk]
    detail = admin.call("GET", f"/companies/{cif}/documents/{old.message_id}").json()["document"]
    assert detail["superseded_by"] == live.message_id
    assert "înlocuit" in detail["superseded_note"] and "semnătur" in detail["superseded_note"]
    assert admin.call("GET", f"/companies/{cif}/documents/{live.message_id}").json()["document"][
        "superseded_note"] is None

    # AND a later sync or import of the original changes nothing
    sync(cif)
    assert imported(admin, cif, genuine)["counts"]["duplicate"] == 1
    assert len(of_upload(cif, message["id_solicitare"])) == 2
    assert_counted_once(cif)


def test_a_second_verified_original_with_other_bytes_is_a_reported_duplicate(company, sandbox):
    # GIVEN an invoice archived by a sync
    admin, cif = company
    message = arrived_invoice(sandbox, cif)
    sync(cif)
    (first,) = of_upload(cif, message["id_solicitare"])

    # WHEN a verified copy of it in other bytes (the same signed members, repacked) is imported
    other = repacked(anaf_zip(sandbox.url, cif, message["id"]))
    result = imported(admin, cif, other)

    # THEN the first stays the only document; the import reports the second as a duplicate
    # whose bytes differ from the archived original
    assert result["counts"] == {"archived": 0, "duplicate": 1, "rejected": 0}
    assert "alt original" in result["files"][0]["reason"]
    assert [d.sk for d in of_upload(cif, message["id_solicitare"])] == [first.sk]
    assert_counted_once(cif)


def test_a_document_archived_before_upload_claims_existed_still_keeps_its_upload(company, sandbox):
    # GIVEN a tampered copy imported, then its upload claim gone (as for documents archived
    # before upload claims existed)
    admin, cif = company
    message = arrived_invoice(sandbox, cif)
    genuine = anaf_zip(sandbox.url, cif, message["id"])
    imported(admin, cif, tampered(genuine))
    LimitCounterModel.get(upload_key(cif, message["id_solicitare"], "received")).delete()

    # WHEN the verified original is synced
    sync(cif)

    # THEN it replaces the tampered document, found through the by_upload index, and the
    # upload's claim now names it
    documents = of_upload(cif, message["id_solicitare"])
    (live,) = [d for d in documents if not d.superseded_by]
    assert live.signature_status == "valid" and len(documents) == 2
    claim = LimitCounterModel.get(upload_key(cif, message["id_solicitare"], "received"), consistent_read=True)
    assert claim.document_sk == live.sk and claim.claim_state == "verified"
    assert_counted_once(cif)


# -- every door at once ----------------------------------------------------------------------

EXACTLY_ONCE_STEPS = int(os.environ.get("ARHIVAR_EXACTLY_ONCE_STEPS", "30"))


def drain_renders(settings) -> None:
    """Play the render queue's event source mapping until the queue is empty."""
    spec = queue("render")
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0)
    while poller.poll_once().received:
        pass


def test_every_door_interleaved_keeps_one_live_document_per_upload(company, sandbox, settings, monkeypatch):
    """Imports (valid, tampered, repeated, a ZIP of several), syncs, retried and killed workers
    and re-renders, in a seeded random order; then the invariants of the archive."""
    seed = int(os.environ.get("ARHIVAR_EXACTLY_ONCE_SEED", random.SystemRandom().randrange(10**6)))
    print(f"exactly-once seed: {seed} (ARHIVAR_EXACTLY_ONCE_SEED={seed} replays it)")
    rng = random.Random(seed)
    admin, cif = company
    genuine: dict[str, bytes] = {}  # upload index → the ZIP ANAF serves
    forged: dict[str, bytes] = {}

    def arrive() -> None:
        """A new invoice at ANAF, downloaded by hand too (so any door may archive it first)."""
        message = arrived_invoice(sandbox, cif)
        genuine[message["id_solicitare"]] = anaf_zip(sandbox.url, cif, message["id"])
        forged[message["id_solicitare"]] = tampered(genuine[message["id_solicitare"]])

    arrive()
    archiver = dependencies.archiver()
    real_record = Archiver._record
    announced: list[str] = []  # the sort keys each sync run would e-mail about, all runs
    imported_before: list[bytes] = []

    def killed_at(call: int) -> None:
        """The next archiving worker dies at its `call`-th record, after the claim and S3."""
        countdown = {"n": call}

        def dying(self, *args, **kwargs):
            countdown["n"] -= 1
            if countdown["n"] == 0:
                raise SystemExit("worker killed")
            return real_record(self, *args, **kwargs)
        monkeypatch.setattr(Archiver, "_record", dying)

    def import_worker(content: bytes) -> None:
        """What an import worker does with one ZIP: archive it, then ask for its PDF."""
        queue_renders(dependencies.work_queues(), cif, [archiver.archive_import(cif, content, datetime.now(UTC))])

    def one_file() -> bytes:
        index = rng.choice(sorted(genuine))
        return forged[index] if rng.random() < 0.5 else genuine[index]

    for _step in range(EXACTLY_ONCE_STEPS):
        door = rng.choice(["arrive", "import", "import", "several", "again", "sync", "killed_import",
                           "killed_sync", "render"])
        print("step", _step, door)
        if door == "arrive" and len(genuine) < 6:
            arrive()
        elif door == "import":
            content = one_file()
            imported_before.append(content)
            assert imported(admin, cif, content)["counts"]["rejected"] == 0
        elif door == "several":
            files = {f"{n}.zip": one_file() for n in range(rng.randint(2, 4))}
            imported_before.extend(files.values())
            assert imported(admin, cif, _zip_of(files))["counts"]["rejected"] == 0
        elif door == "again" and imported_before:  # a retried import worker: the same bytes again
            import_worker(rng.choice(imported_before))
        elif door == "killed_import":
            content = one_file()
            killed_at(1)  # (a duplicate of a live upload is turned away before recording)
            try:
                import_worker(content)
            except SystemExit:
                pass
            finally:
                monkeypatch.setattr(Archiver, "_record", real_record)
            if rng.random() < 0.5:  # the queue redelivers it
                import_worker(content)
        elif door in ("sync", "killed_sync"):
            if door == "killed_sync":
                killed_at(rng.randint(1, 3))
            try:
                announced.extend(dependencies.company_sync(lambda: 900.0).run(cif, "test").stats.new_sks)
            except SystemExit:  # the lease of the killed run expires; the next run retries
                CompanyModel(cif=cif).update(actions=[
                    CompanyModel.lease_until.set(datetime.now(UTC) - timedelta(seconds=1))])
            finally:
                monkeypatch.setattr(Archiver, "_record", real_record)
        elif door == "render":
            listed = admin.call("GET", f"/companies/{cif}/documents").json()["documents"]
            if listed:
                target = rng.choice(listed)["message_id"]
                assert admin.call("POST", f"/companies/{cif}/documents/{target}/render").status_code == 202
            if rng.random() < 0.5:
                drain_renders(settings)

    # A last clean sync and the render queue drained: everything ANAF has is archived.
    announced.extend(dependencies.company_sync(lambda: 900.0).run(cif, "test").stats.new_sks)
    drain_renders(settings)

    documents = list(DocumentModel.query(cif, consistent_read=True))
    live = [d for d in documents if not d.superseded_by]
    print(f"{len(genuine)} uploads, {len(documents) - len(live)} superseded documents")
    # One live document per upload, and it is the verified original ANAF serves
    assert sorted((d.upload_index, d.kind) for d in live) == sorted((i, "received") for i in genuine)
    for document in live:
        assert document.signature_status == "valid", document.message_id
        assert document.original_sha256 == hashlib.sha256(genuine[document.upload_index]).hexdigest()
    # Every superseded document names the live one of its upload
    by_sk = {d.sk: d for d in live}
    for document in documents:
        if document.superseded_by:
            assert by_sk[document.superseded_by].upload_index == document.upload_index
    # Every live document's original (with its recorded SHA-256), XML and PDF are in S3
    for document in live:
        assert hashlib.sha256(stored(document.original_key)).hexdigest() == document.original_sha256
        assert stored(document.xml_key).lstrip().startswith(b"<")
        assert document.pdf_status == "ready", (document.message_id, document.pdf_status)
        assert stored(document.pdf_key).startswith(b"%PDF-")
    # The counters are a count of the live documents
    counted = CompanyModel.get(cif, consistent_read=True)
    assert int(counted.document_count) == len(live) == int(counted.count_received)
    # The list API agrees
    assert admin.call("GET", f"/companies/{cif}/documents").json()["total"]["value"] == len(live)
    # No upload announced twice
    uploads = [by_sk[sk].upload_index if sk in by_sk else DocumentModel.get(cif, sk).upload_index
               for sk in announced]
    assert len(uploads) == len(set(uploads)), uploads


def test_the_verified_original_takes_over_the_review_of_the_copy_it_replaces(company, sandbox):
    # GIVEN a tampered copy of an invoice, imported and approved before the original came
    admin, cif = company
    message = arrived_invoice(sandbox, cif)
    assert imported(admin, cif, tampered(anaf_zip(sandbox.url, cif, message["id"])))["counts"]["archived"] == 1
    (copy,) = of_upload(cif, message["id_solicitare"])
    approved = admin.call("POST", f"/companies/{cif}/documents/{copy.message_id}/review/state",
                          json={"state": "approved"})
    assert approved.status_code == 200, approved.text
    # WHEN the sync archives the verified original, which replaces the copy
    sync(cif)
    (live,) = [d for d in of_upload(cif, message["id_solicitare"]) if not d.superseded_by]
    assert live.message_id != copy.message_id
    # THEN the live document is approved, listed as such, and the counts add up
    review = admin.call("GET", f"/companies/{cif}/documents/{live.message_id}/review").json()["review"]
    assert review["state"] == "approved"
    listed = admin.call("GET", f"/companies/{cif}/documents", params={"review": "approved"}).json()["documents"]
    assert [d["message_id"] for d in listed] == [live.message_id]
    counts = admin.call("GET", f"/companies/{cif}/reviews/counts").json()["counts"]
    assert counts == {"to_review": 0, "approved": 1, "rejected": 0, "booked": 0}

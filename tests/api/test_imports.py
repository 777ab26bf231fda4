""""Importă arhive SPV" through a presigned S3 upload and the import queue (issue 12, finding 10),
over HTTP: the API, moto's S3 and SQS, the import worker and the ANAF sandbox's real ZIPs."""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chalicelib import dependencies
from chalicelib.services import imports
from chalicelib.storage import imports as import_jobs
from tests.api.importing import (
    create_job,
    downloaded_by_hand,
    drain_imports,
    get_job,
    import_zip,
    start_job,
    upload,
)
from tests.invoices.builders import Member, make_zip


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def company(local_stack, new_user, fresh_cif, proven_company):
    """An owner of a proven company, and three of its invoices as a person downloads them
    from SPV (message id → ANAF's ZIP)."""
    user = new_user()
    cif = fresh_cif()
    proven_company(user, cif)
    return user, cif, downloaded_by_hand(local_stack.ports.sandbox_url, cif, 3)


def document_total(user, cif: str) -> int:
    return user.call("GET", f"/companies/{cif}/documents").json()["total"]["value"]


def test_an_upload_bigger_than_the_old_5_mb_limit_is_imported(company):
    # GIVEN a ZIP of SPV ZIPs of 6 MB (a scanned attachment next to them, stored uncompressed)
    user, cif, zips = company
    content = zip_of({**{f"{i}.zip": z for i, z in zips.items()}, "scan.pdf": os.urandom(6 * 1024 * 1024)},
                     zipfile.ZIP_STORED)
    assert len(content) > 5 * 1024 * 1024
    # WHEN it is imported through the presigned upload
    job = import_zip(user, cif, content, "arhive-vechi.zip")
    # THEN the three invoices are archived and the job says so
    assert job["state"] == "done" and job["counts"] == {"archived": 3, "duplicate": 0, "rejected": 0}, job
    assert job["size"] == len(content) and job["file_name"] == "arhive-vechi.zip"
    assert job["progress"] == {"done": 3, "total": 3}
    assert document_total(user, cif) == 3


def test_the_server_chooses_the_key_and_signs_the_size(company):
    user, cif, _ = company
    # WHEN the browser names a file like a path into the archive
    created = create_job(user, cif, "../../originals/\u202efdp.zip\r\n", 1234)
    assert created.status_code == 201, created.text
    job, form = created.json()["import"], created.json()["upload"]
    # THEN the key is the job's, whatever the name; the name is only shown, cleaned
    assert form["fields"]["key"] == f"imports/{cif}/{job['import_id']}.zip"
    assert job["file_name"] == "../../originals/fdp.zip" and job["state"] == "awaiting_upload"
    # AND the signed policy allows this key only, at most the announced size, for 15 minutes
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert {"key": form["fields"]["key"]} in policy["conditions"]
    assert ["content-length-range", 1, 1234] in policy["conditions"]
    assert form["expires_in"] == 900
    # AND a body naming its own key is refused at the edge
    chosen = user.call("POST", f"/companies/{cif}/imports",
                       json={"file_name": "a.zip", "size": 10, "key": f"originals/{cif}/x.zip"})
    assert chosen.status_code == 400 and chosen.json()["error"]["code"] == "invalid_request"
    for size in (0, -1, "10", 1.5):
        empty = user.call("POST", f"/companies/{cif}/imports", json={"file_name": "a.zip", "size": size})
        assert empty.status_code == 400 and empty.json()["error"]["code"] == "invalid_request", empty.text


def test_an_upload_to_a_key_outside_the_job_is_never_read(company):
    # GIVEN a job whose ZIP was POSTed to another key than the job's (a changed form field:
    # S3 refuses it in AWS, the signature covering the key; moto does not check policies)
    user, cif, zips = company
    content = next(iter(zips.values()))
    created = create_job(user, cif, "factura.zip", len(content)).json()
    other = {**created, "upload": {**created["upload"],
                                   "fields": {**created["upload"]["fields"], "key": f"imports/{cif}/altceva.zip"}}}
    assert upload(other, content).status_code in (200, 201, 204)
    # WHEN the job is started THEN there is nothing to import: 409, the job waits for its upload
    started = start_job(user, cif, created["import"]["import_id"])
    assert started.status_code == 409 and started.json()["error"]["code"] == "import_upload_missing"
    assert "nu a fost încărcată" in started.json()["error"]["message"]
    assert drain_imports() == 0
    assert get_job(user, cif, created["import"]["import_id"]).json()["import"]["state"] == "awaiting_upload"
    assert document_total(user, cif) == 0
    # AND an id that is not a job of this company is 404
    for import_id in ("altceva", "2" * 14 + "F" * 16, "2" * 14 + "0" * 16):
        answer = start_job(user, cif, import_id)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "import_not_found"


def test_starting_twice_queues_once_and_an_upload_too_large_is_refused(company):
    user, cif, zips = company
    content = next(iter(zips.values()))
    created = create_job(user, cif, "factura.zip", len(content)).json()
    upload(created, content)
    import_id = created["import"]["import_id"]
    first, second = start_job(user, cif, import_id), start_job(user, cif, import_id)
    assert first.status_code == second.status_code == 202
    assert first.json()["import"]["state"] == second.json()["import"]["state"] == "queued"
    assert drain_imports() == 1
    # A size over the limit is refused before anything is signed
    big = create_job(user, cif, "mare.zip", imports.MAX_UPLOAD_BYTES + 1)
    assert big.status_code == 413 and big.json()["error"]["code"] == "import_too_large"
    assert "200 MB" in big.json()["error"]["message"]


def test_a_non_member_cannot_read_start_or_list_a_job(company, new_user, fresh_cif, proven_company):
    user, cif, zips = company
    job = import_zip(user, cif, next(iter(zips.values())))
    stranger = new_user()
    # WHEN someone without a membership asks for the job, the list or to start it THEN 404, no details
    for method, path in (("GET", f"/companies/{cif}/imports/{job['import_id']}"),
                         ("GET", f"/companies/{cif}/imports"),
                         ("POST", f"/companies/{cif}/imports/{job['import_id']}/start")):
        answer = stranger.call(method, path)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "company_not_found", answer.text
    # AND the owner of another company cannot reach it through their own company
    other_cif = fresh_cif()
    proven_company(stranger, other_cif)
    answer = get_job(stranger, other_cif, job["import_id"])
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "import_not_found"
    # AND the owner lists their jobs, newest first, without the per-file results
    listed = user.call("GET", f"/companies/{cif}/imports").json()["imports"]
    assert [j["import_id"] for j in listed] == [job["import_id"]] and "files" not in listed[0]
    assert listed[0]["counts"] == job["counts"]


def _traversal_anaf_zip() -> bytes:
    return make_zip([Member("../5100000009.xml", b"<a/>"), Member("semnatura_5100000009.xml", b"<s/>")])


@pytest.mark.parametrize(("content", "code", "message"), [
    (b"nu e zip", "import_not_a_zip", "nu este o arhivă ZIP"),
    # a member that inflates to 30 MB of zeros: over the 20 MB an e-Factura ZIP may have
    (zip_of({"bomba.zip": b"\0" * (30 * 1024 * 1024)}), "import_files_too_large", "prea mari"),
    # a member that lies about its size (declares 1 KB, inflates to 1 MB)
    (make_zip([Member("minciuna.zip", b"\0" * (1024 * 1024), declared_size=1024)]), "import_invalid_zip",
     "deteriorată"),
    (zip_of({f"{i}.zip": b"x" for i in range(imports.MAX_MEMBERS + 1)}), "import_too_many_files", "peste 1000"),
])
def test_a_hostile_upload_fails_the_job_with_a_romanian_reason(company, content, code, message):
    user, cif, _ = company
    job = import_zip(user, cif, content)
    assert job["state"] == "failed" and job["error"]["code"] == code, job
    assert message in job["error"]["message"]
    assert job["finished_at"] and document_total(user, cif) == 0


def test_hostile_members_are_rejected_one_by_one_and_names_are_only_shown(company):
    # GIVEN a real SPV ZIP under a traversal name, an ANAF-shaped ZIP whose member climbs out of
    # its folder, and a ZIP of a photo
    user, cif, zips = company
    real = next(iter(zips.values()))
    content = zip_of({"../../originals/x.zip": real, "sus.zip": _traversal_anaf_zip(),
                      "poza.zip": zip_of({"poza.jpg": b"\xff\xd8"})})
    job = import_zip(user, cif, content)
    # THEN the real invoice is archived under the upload index its signed content names,
    # and the other two are rejected with Romanian reasons
    assert job["state"] == "done" and job["counts"] == {"archived": 1, "duplicate": 0, "rejected": 2}, job
    by_name = {f["name"]: f for f in job["files"]}
    assert by_name["../../originals/x.zip"]["status"] == "archived"
    assert by_name["../../originals/x.zip"]["message_id"].startswith("import-")
    for name in ("sus.zip", "poza.zip"):
        assert by_name[name]["status"] == "rejected"
        assert by_name[name]["reason"] == "Arhiva descărcată de la ANAF nu este validă."
    assert by_name["sus.zip"]["reason_code"] == "invalid_anaf_zip"
    keys = [o["Key"] for o in dependencies.archive()._s3.list_objects_v2(
        Bucket=dependencies.settings().archive_bucket, Prefix="originals/").get("Contents", [])]
    assert not any("x.zip" in key or ".." in key for key in keys)


def test_damaged_real_uploads_end_done_or_failed_never_stuck(company):
    """Real SPV uploads (one ANAF ZIP, a ZIP of them) with up to eight bytes changed or cut
    short: the bytes that reach the ZIP parsers of the worker and of the archiver."""
    user, cif, zips = company
    real = next(iter(zips.values()))
    bases = [real, zip_of({"5100000001.zip": real, "nota.txt": b"x"})]

    def damage(base: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
        body = bytearray(base)
        for position, value in flips:
            body[position % len(body)] = value
        return bytes(body[:cut] if cut else body)

    outcomes = []

    @given(st.builds(damage, st.sampled_from(bases),
                     st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8),
                     st.none() | st.integers(1, 4096)))
    @settings(max_examples=8, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def import_damaged(content: bytes) -> None:
        job = import_zip(user, cif, content)  # asserts the job ended done or failed
        if job["state"] == "failed":
            assert job["error"]["code"].startswith("import_") and job["error"]["message"], job
        outcomes.append(job["state"])

    import_damaged()
    assert len(outcomes) == 8


def test_a_job_near_the_time_limit_continues_where_it_stopped_and_counts_once(company, monkeypatch):
    # GIVEN a worker that always believes its time is nearly up: it saves and re-queues after
    # every ZIP
    user, cif, zips = company
    monkeypatch.setattr(imports, "TIME_MARGIN_MS", 10**9)
    content = zip_of({f"{i}.zip": z for i, z in zips.items()})
    created = create_job(user, cif, "arhiva.zip", len(content)).json()
    import_id = created["import"]["import_id"]
    upload(created, content)
    start_job(user, cif, import_id)
    # AND the start message is delivered twice (SQS is at-least-once)
    dependencies.work_queues().send("import", {"cif": cif, "import_id": import_id})
    # WHEN the workers drain the queue
    handled = drain_imports()
    # THEN the job took several invocations, and every ZIP was counted exactly once
    job = get_job(user, cif, import_id).json()["import"]
    assert handled >= 4, handled
    assert job["state"] == "done" and job["counts"] == {"archived": 3, "duplicate": 0, "rejected": 0}, job
    assert [f["name"] for f in job["files"]] == [f"{i}.zip" for i in zips]
    assert document_total(user, cif) == 3
    # AND a message delivered again after the end changes nothing
    dependencies.work_queues().send("import", {"cif": cif, "import_id": import_id})
    drain_imports()
    assert get_job(user, cif, import_id).json()["import"] == job


def test_two_workers_on_one_job_never_count_the_same_zips_twice(company):
    # GIVEN a running job (a started upload whose worker has begun)
    user, cif, zips = company
    content = zip_of({f"{i}.zip": z for i, z in zips.items()})
    created = create_job(user, cif, "arhiva.zip", len(content)).json()
    import_id = created["import"]["import_id"]
    upload(created, content)
    start_job(user, cif, import_id)
    job = import_jobs.find(cif, import_id)
    assert import_jobs.mark_running(job, 3, job.created_at)
    result = import_jobs.FileResult("1.zip", "archived", message_id="import-1", kind="received")
    # WHEN two workers that both read position 0 record their first ZIP
    first = import_jobs.save_progress(job, 0, [result])
    second = import_jobs.save_progress(job, 0, [result])
    # THEN only the first write lands: the second worker learns it was overtaken
    assert (first, second) == (True, False)
    saved = import_jobs.find(cif, import_id)
    assert saved.position == 1 and saved.counts["archived"] == 1 and len(saved.files) == 1


def test_the_bucket_answers_the_browsers_preflight_for_the_web_origin_only(settings, base_url):
    url = f"{settings.aws_endpoint_url}/{settings.archive_bucket}"
    allowed = requests.options(url, headers={"Origin": base_url, "Access-Control-Request-Method": "POST"},
                               timeout=10)
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == base_url
    other = requests.options(url, headers={"Origin": "https://rau.example", "Access-Control-Request-Method": "POST"},
                             timeout=10)
    assert other.status_code == 403  # (moto still echoes the origin in a header; the browser obeys the 403)


def test_creating_jobs_is_rate_limited(company):
    user, cif, _ = company
    answers = [create_job(user, cif, "a.zip", 100) for _ in range(imports.IMPORTS_PER_USER_PER_HOUR + 1)]
    assert [a.status_code for a in answers[:-1]] == [201] * imports.IMPORTS_PER_USER_PER_HOUR
    assert answers[-1].status_code == 429 and answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0

""""Importă arhive SPV" as the web app does it, over HTTP: create the job, POST the ZIP to the
presigned S3 form (moto's server), start the job, play the import queue's event source mapping
until it is empty, read the job back."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import requests

from chalicelib import dependencies
from chalicelib.storage.models import CompanyModel
from chalicelib.topology import queue
from functions.import_archive import handler as import_handler
from local.runtime import QueuePoller
from tests.api.sandbox_admin import Sandbox


def create_job(user, cif: str, file_name: str, size: int) -> requests.Response:
    return user.call("POST", f"/companies/{cif}/imports", json={"file_name": file_name, "size": size})


def upload(created: dict, content: bytes, file_name: str = "arhiva.zip") -> requests.Response:
    """The browser's multipart POST to S3: the signed fields, then the file."""
    form = created["upload"]
    return requests.post(form["url"], data=form["fields"], files={"file": (file_name, content, "application/zip")},
                         timeout=60)


def start_job(user, cif: str, import_id: str) -> requests.Response:
    return user.call("POST", f"/companies/{cif}/imports/{import_id}/start")


def get_job(user, cif: str, import_id: str) -> requests.Response:
    return user.call("GET", f"/companies/{cif}/imports/{import_id}")


def drain_imports() -> int:
    """Run the import worker over every queued message (its re-queued ones too); how many."""
    poller = QueuePoller(dependencies.settings(), queue("import"), import_handler.lambda_handler, wait_time_s=0)
    handled = 0
    while (received := poller.poll_once().received):
        handled += received
    return handled


def import_zip(user, cif: str, content: bytes, file_name: str = "arhiva.zip") -> dict:
    """The whole import, through to its end; the finished job (state done or failed)."""
    created = create_job(user, cif, file_name, len(content))
    assert created.status_code == 201, created.text
    job = created.json()
    assert upload(job, content, file_name).status_code in (200, 201, 204)
    started = start_job(user, cif, job["import"]["import_id"])
    assert started.status_code == 202, started.text
    drain_imports()
    answer = get_job(user, cif, job["import"]["import_id"])
    assert answer.status_code == 200, answer.text
    finished = answer.json()["import"]
    assert finished["state"] in ("done", "failed"), finished
    return finished


def import_done(user, cif: str, content: bytes, file_name: str = "arhiva.zip") -> dict:
    """import_zip for an upload that must be read through: the job ended `done`."""
    job = import_zip(user, cif, content, file_name)
    assert job["state"] == "done", job
    return job


def anaf_zip(sandbox_url: str, cif: str, message_id: str) -> bytes:
    """The ZIP ANAF serves for one of a connected company's messages, downloaded with the
    company's own token, as a person downloads it from SPV."""
    token = dependencies.credential_vault().access_token(CompanyModel.get(cif).credential_id)
    answer = requests.get(f"{sandbox_url}/prod/FCTEL/rest/descarcare", params={"id": message_id},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/zip"), answer.text
    return answer.content


def with_invoice_changed(original: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """The same ANAF ZIP (same member names, same MF signature) with `change` applied to every
    member but the signature: a forgery whose signature no longer verifies."""
    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as forged:
        for info in source.infolist():
            content = source.read(info)
            if not info.filename.startswith("semnatura_"):
                content = change(content)
            forged.writestr(info.filename, content)
    return buffer.getvalue()


def downloaded_by_hand(sandbox_url: str, cif: str, count: int) -> dict[str, bytes]:
    """`count` new invoices at ANAF for a connected company, as a person downloads them from SPV
    (with the company's own token): message id → ANAF's ZIP."""
    sandbox = Sandbox(sandbox_url).admin
    seller = next(p["cif"] for p in sandbox("GET", "world")["partners"] if p["cif"] != cif)
    created = sandbox("POST", "invoices", json={"kind": "invoice", "seller_cif": seller, "buyer_cif": cif,
                                                "count": count})["created"]
    zips = {message_id: anaf_zip(sandbox_url, cif, message_id)
            for message_id in (m["id"] for c in created for m in c["messages"] if m["cif"] == cif)}
    assert len(zips) == count
    return zips

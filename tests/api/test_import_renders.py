"""Every door that archives an invoice queues its PDF: a ZIP imported through the API gets its
PDF from the render worker exactly like a synced one."""

from __future__ import annotations

import io
import zipfile

import requests

from chalicelib import dependencies
from chalicelib.storage.models import CompanyModel, DocumentModel
from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.importing import import_zip


def _sandbox(local_stack, method: str, path: str, **kwargs) -> dict:
    answer = requests.request(method, f"{local_stack.ports.sandbox_url}/__sandbox/{path}", timeout=30, **kwargs)
    answer.raise_for_status()
    return answer.json()


def _downloaded_by_hand(local_stack, cif: str, message_id: str) -> bytes:
    """The ZIP a person downloads from SPV for this message (with the company's own token)."""
    token = dependencies.credential_vault().access_token(CompanyModel.get(cif).credential_id)
    answer = requests.get(f"{local_stack.ports.sandbox_url}/prod/FCTEL/rest/descarcare", params={"id": message_id},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.headers["Content-Type"].startswith("application/zip")
    return answer.content


def _drain_renders(settings) -> None:
    """Play the render queue's event source mapping until the queue is empty."""
    spec = queue("render")
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0)
    while poller.poll_once().received:
        pass


def test_imported_invoices_get_their_pdf(local_stack, settings, new_user, fresh_cif, proven_company):
    # GIVEN a proven company with two invoices at ANAF that a person downloaded by hand
    user = new_user()
    cif = fresh_cif()
    proven_company(user, cif)
    world = _sandbox(local_stack, "GET", "world")
    seller = next(p["cif"] for p in world["partners"] if p["cif"] != cif)
    created = _sandbox(local_stack, "POST", "invoices", json={"kind": "invoice", "seller_cif": seller,
                                                             "buyer_cif": cif, "count": 2})["created"]
    ids = [m["id"] for c in created for m in c["messages"] if m["cif"] == cif]
    assert len(ids) == 2
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as upload:
        for message_id in ids:
            upload.writestr(f"{message_id}.zip", _downloaded_by_hand(local_stack, cif, message_id))

    # WHEN they import them (presigned upload, import worker) and the render worker drains its queue
    job = import_zip(user, cif, buffer.getvalue())
    assert job["state"] == "done" and job["counts"] == {"archived": 2, "duplicate": 0, "rejected": 0}
    _drain_renders(settings)

    # THEN each imported invoice has its PDF, readable through the documents API
    imported = [d for d in DocumentModel.query(cif, consistent_read=True) if d.source == "import"]
    assert len(imported) == 2
    for document in imported:
        assert document.pdf_status == "ready", (document.message_id, document.pdf_status)
        assert dependencies.archive().get(document.pdf_key).startswith(b"%PDF-")

    # AND importing the same files again queues nothing new (they are duplicates)
    again = import_zip(user, cif, buffer.getvalue())
    assert again["counts"]["duplicate"] == 2
    spec = queue("render")
    assert QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0).poll_once().received == 0

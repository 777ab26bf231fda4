"""Every door that archives an invoice queues its PDF: a ZIP imported through the API gets its
PDF from the render worker exactly like a synced one."""

from __future__ import annotations

import io
import zipfile

from chalicelib import dependencies
from chalicelib.storage.models import DocumentModel
from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.importing import downloaded_by_hand, import_zip


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
    zips = downloaded_by_hand(local_stack.ports.sandbox_url, cif, 2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as upload:
        for message_id, content in zips.items():
            upload.writestr(f"{message_id}.zip", content)

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

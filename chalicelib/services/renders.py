"""Queueing invoice PDFs: the one place that turns archived results into render requests.

Every door that archives (the sync engine, the SPV import) hands its results here; the
archiver decides which results need a PDF (`Archived.renders_pdf`: a new invoice). Documents
still waiting for their PDF (`pdf_status` "pending") can be asked for again: a sync run after
one that died between archiving and asking does (services/sync.py); a render is idempotent."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.services.archiver import Archived
from chalicelib.storage.documents import Document
from chalicelib.storage.queues import WorkQueues


def render_request(cif: str, archived: Archived) -> dict[str, str]:
    """The render queue's message for one archived document (functions/render_pdf)."""
    return {"cif": cif, "sk": archived.sk, "message_id": archived.sk.rsplit("#", 1)[-1]}


def queue_renders(queues: WorkQueues, cif: str, results: Iterable[Archived | None]) -> int:
    """Send a render request for each result that needs a PDF; return how many were sent."""
    return queues.send_many("render", [render_request(cif, archived) for archived in results
                                       if archived is not None and archived.renders_pdf])


def queue_pending_renders(queues: WorkQueues, cif: str, documents: Iterable[Document]) -> int:
    """Send a render request for each of these documents still waiting for its PDF; return how
    many were sent."""
    return queues.send_many("render", [{"cif": cif, "sk": d.sk, "message_id": d.message_id}
                                       for d in documents if d.pdf_status == "pending"])

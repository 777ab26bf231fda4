"""Queueing invoice PDFs: the one place that turns archived results into render requests.

Every door that archives (the sync engine, the SPV import) hands its results here; the
archiver decides which results need a PDF (`Archived.renders_pdf`: a new invoice)."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.services.archiver import Archived
from chalicelib.storage.queues import WorkQueues


def render_request(cif: str, archived: Archived) -> dict[str, str]:
    """The render queue's message for one archived document (functions/render_pdf)."""
    return {"cif": cif, "sk": archived.sk, "message_id": archived.sk.rsplit("#", 1)[-1]}


def queue_renders(queues: WorkQueues, cif: str, results: Iterable[Archived | None]) -> int:
    """Send a render request for each result that needs a PDF; return how many were sent."""
    return queues.send_many("render", [render_request(cif, archived) for archived in results
                                       if archived is not None and archived.renders_pdf])

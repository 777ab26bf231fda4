"""The buyer message repository: BuyerMessageModel items, one per message a company sent a
supplier through ANAF, with where ANAF is with it. The only writer of these records."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from pynamodb.expressions.update import Action

from chalicelib.domain.buyer_messages import State
from chalicelib.storage.models import BuyerMessageModel

BuyerMessage = BuyerMessageModel  # the record type services and views read (attributes only)


def create(cif: str, *, document_id: str, invoice_upload_index: str, invoice_number: str | None,
           partner_name: str | None, partner_cif: str | None, text: str, sent_by: str, now: datetime,
           state: State, upload_index: str | None, anaf_error: str | None = None) -> BuyerMessage:
    """The message as ANAF's upload answered it: `sent` with ANAF's index, or `refused` with
    ANAF's words (and the index, when ANAF gave one to a file it did not take in)."""
    message_id = uuid.uuid4().hex
    item = BuyerMessageModel(
        cif=cif, sk=f"{now.astimezone(UTC).isoformat()}#{message_id}", message_id=message_id,
        document_id=document_id, invoice_upload_index=invoice_upload_index, invoice_number=invoice_number,
        partner_name=partner_name, partner_cif=partner_cif, text=text, sent_by=sent_by, created_at=now,
        state=state.value, upload_index=upload_index, anaf_error=anaf_error,
        answered_at=None if state.pending else now)
    item.save()
    return item


def record_check(item: BuyerMessage, state: State, now: datetime, *, download_id: str | None = None,
                 anaf_error: str | None = None) -> None:
    """One stareMesaj answer; a final state also stamps `answered_at`."""
    actions: list[Action] = [BuyerMessageModel.state.set(state.value), BuyerMessageModel.checks.add(1),
               BuyerMessageModel.checked_at.set(now)]
    if download_id:
        actions.append(BuyerMessageModel.download_id.set(download_id))
    if anaf_error:
        actions.append(BuyerMessageModel.anaf_error.set(anaf_error))
    if not state.pending:
        actions.append(BuyerMessageModel.answered_at.set(now))
    item.update(actions=actions)


def get(cif: str, message_id: str) -> BuyerMessage | None:
    return next((m for m in newest_first(cif) if m.message_id == message_id), None)


def newest_first(cif: str, document_id: str | None = None) -> Iterator[BuyerMessage]:
    """A company's messages (those about one received invoice, when given), newest first."""
    condition = BuyerMessageModel.document_id == document_id if document_id else None
    yield from BuyerMessageModel.query(cif, filter_condition=condition, scan_index_forward=False)


def pending(cif: str) -> list[BuyerMessage]:
    """Uploaded messages ANAF has not answered yet, oldest first."""
    condition = BuyerMessageModel.state.is_in(State.SENT.value, State.PROCESSING.value) \
        & BuyerMessageModel.upload_index.exists()
    return list(BuyerMessageModel.query(cif, filter_condition=condition, scan_index_forward=True))

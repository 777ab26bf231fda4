"""The document repository: the only writer of document items and of the archive's claims.

The rule it keeps: **one live document per (CIF, upload index, kind)**, whatever the door (sync,
import, a retried or killed worker, a re-render). Two kinds of claim items (Limits table):

- `archived#<cif>#<message id>`: claimed with the SHA-256 of the bytes before any object is
  written, "archived" once recorded. A sync reads these to skip archived messages without
  downloading them; other bytes under a claimed id are turned away unwritten.
- `upload#<cif>#<upload index>#<kind>`: the upload's live document (`document_sk`) and whether
  its original's signature verified (`claim_state`: verified | unverified).

A document is recorded in one transaction with its message claim, its upload claim (written
on the condition that nobody else took the upload meanwhile) and the company's counters. A
verified original beats an unverified one: it becomes the live document, the unverified one is
marked `superseded_by` (its objects stay under Object Lock) and the counters net out in the
same transaction. Otherwise the first stays and the later one is a duplicate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.reviews import REVIEWED_KIND, ReviewState, StateChanged, review_key
from chalicelib.settings import Settings
from chalicelib.storage import companies, reviews
from chalicelib.storage.dynamodb_errors import saved_if, updated_if
from chalicelib.storage.models import DocumentModel, LimitCounterModel, shared_connection

# What services and views see of a document item: they read its attributes, and only this
# repository writes it.
Document = DocumentModel

VERIFIED = "verified"
UNVERIFIED = "unverified"
RECORD_ATTEMPTS = 4  # another door taking the upload between our read and our write: read again
MARK_BATCH = 25  # documents marked per transaction by an accounting export
MARK_ATTEMPTS = 4  # a batch that met a concurrent write (a PDF render) is tried again


def message_key(cif: str, message_id: str) -> str:
    """The idempotency key of an archived message (an item of the Limits table, no TTL)."""
    return f"archived#{cif}#{message_id}"


def upload_key(cif: str, upload_index: str, kind: str) -> str:
    """The key of an upload's claim: which document is its live one."""
    return f"upload#{cif}#{upload_index}#{kind}"


@dataclass(frozen=True)
class UploadHolder:
    """The live document of an upload."""

    sk: str
    message_id: str
    sha256: str | None
    verified: bool
    claimed: bool  # False: a document recorded before upload claims existed (no claim item yet)


@dataclass(frozen=True)
class Recorded:
    sk: str  # the upload's live document after the call
    outcome: str  # new | replaced | already | duplicate
    replaced: str | None = None  # the sort key of the document this one superseded


class _Refused(Exception):
    """A condition of the record transaction failed: `step` names which."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


class _Unread:
    """No holder was read by the caller."""


UNREAD = _Unread()


def wins(holder: UploadHolder | None, message_id: str, verified: bool) -> bool:
    """Whether a document of this message may become the upload's live one: nobody holds the
    upload, or an unverified original holds it and this one verified."""
    return holder is None or (holder.message_id != message_id and verified and not holder.verified)


class DocumentRepository:
    def __init__(self, settings: Settings) -> None:
        # One transaction at a time per process: DynamoDB's are atomic, but moto's are not
        # under concurrency (the count would drift locally); the cost is a few ms per message.
        self._record_lock = threading.Lock()
        # The models' one connection (one botocore client for the whole process).
        self._connection = shared_connection()

    # -- message claims -------------------------------------------------------------------------

    @staticmethod
    def claim_message(cif: str, message_id: str, sha256: str) -> bool:
        """Claim a message id for these bytes; False when it is archived already or other
        bytes claimed it. A claim of the same bytes is a retry: it goes on."""
        claim = LimitCounterModel(counter_key=message_key(cif, message_id), claim_state="claimed",
                                  content_sha256=sha256)
        if saved_if(claim, LimitCounterModel.counter_key.does_not_exist()):
            return True
        held = LimitCounterModel.get(claim.counter_key, consistent_read=True)
        return held.claim_state == "claimed" and held.content_sha256 == sha256

    @staticmethod
    def message_claim_sha256(cif: str, message_id: str) -> str | None:
        """The SHA-256 of the bytes that claimed this message id ("" for a claim without one);
        None when nobody did."""
        try:
            return LimitCounterModel.get(message_key(cif, message_id), consistent_read=True).content_sha256 or ""
        except LimitCounterModel.DoesNotExist:
            return None

    @staticmethod
    def mark_message_archived(cif: str, message_id: str) -> None:
        """The message needs no download again (its upload has its live document)."""
        LimitCounterModel(counter_key=message_key(cif, message_id)).update(
            actions=[LimitCounterModel.claim_state.set("archived")])

    @staticmethod
    def archived_messages(cif: str, message_ids: list[str]) -> set[str]:
        """The ids among these whose message is recorded (not only claimed), 100 per read."""
        done: set[str] = set()
        for offset in range(0, len(message_ids), 100):
            keys = [message_key(cif, m) for m in message_ids[offset:offset + 100]]
            done.update(c.counter_key for c in LimitCounterModel.batch_get(keys) if c.claim_state != "claimed")
        prefix = len(message_key(cif, ""))
        return {key[prefix:] for key in done}

    # -- upload claims --------------------------------------------------------------------------

    def upload_holder(self, cif: str, upload_index: str | None, kind: str) -> UploadHolder | None:
        if not upload_index:
            return None
        try:
            claim = LimitCounterModel.get(upload_key(cif, upload_index, kind), consistent_read=True)
        except LimitCounterModel.DoesNotExist:
            return self._legacy_holder(cif, upload_index, kind)
        sk = str(claim.document_sk)
        return UploadHolder(sk, sk.rsplit("#", 1)[-1], claim.content_sha256,
                            claim.claim_state == VERIFIED, claimed=True)

    @staticmethod
    def _legacy_holder(cif: str, upload_index: str, kind: str) -> UploadHolder | None:
        """A live document archived before upload claims existed (found by the by_upload index;
        the claim is written with the next document of the upload)."""
        for key in DocumentModel.by_upload.query(f"{cif}#{upload_index}#{kind}"):
            try:
                document = DocumentModel.get(cif, key.sk, consistent_read=True)
            except DocumentModel.DoesNotExist:
                continue
            if not document.superseded_by:
                return UploadHolder(document.sk, document.message_id, document.original_sha256,
                                    document.signature_status == "valid", claimed=False)
        return None

    # -- recording ------------------------------------------------------------------------------

    def record(self, fields: Mapping[str, Any], sha256: str,
               holder: UploadHolder | _Unread | None = UNREAD) -> Recorded:
        """Record a document whose objects are in S3 (its message claimed for `sha256`):
        new, replacing an unverified holder of its upload, or not at all (already recorded by
        an earlier attempt, or a duplicate of the upload's live document). `holder`: the
        upload's holder as the caller read it (saves reading it again; the transaction's
        condition on the upload claim turns away a holder that changed since)."""
        document = DocumentModel(**{**_review_defaults(fields), **fields})
        verified = document.signature_status == "valid"
        cif, kind, message_id = document.cif, document.kind, document.message_id
        skip_missing_old = False
        for attempt in range(RECORD_ATTEMPTS):
            if attempt or isinstance(holder, _Unread):
                holder = self.upload_holder(cif, document.upload_index, kind)
            assert not isinstance(holder, _Unread)
            if holder is not None and holder.message_id == message_id:
                self.mark_message_archived(cif, message_id)
                return Recorded(holder.sk, "already")
            if not wins(holder, message_id, verified):
                assert holder is not None
                self.mark_message_archived(cif, message_id)
                return Recorded(holder.sk, "duplicate")
            replaced = holder.sk if holder is not None and not skip_missing_old else None
            if replaced is not None:
                _carry_review(document, replaced)
            try:
                self._write(document, sha256, holder, replaced)
            except _Refused as refused:
                if refused.step in ("message", "document"):  # recorded by an earlier attempt
                    self.mark_message_archived(cif, message_id)
                    live = self.upload_holder(cif, document.upload_index, kind)
                    return Recorded(live.sk if live else document.sk, "already")
                if refused.step == "replaced":  # its item is gone (a partial restore): replace nothing
                    skip_missing_old = True
                continue  # another door took the upload meanwhile: decide again
            return Recorded(document.sk, "replaced" if replaced else "new", replaced)
        raise RuntimeError(f"the upload of {cif}/{message_id} kept changing while recording")

    def _write(self, document: DocumentModel, sha256: str, holder: UploadHolder | None,
               replaced: str | None) -> None:
        """One transaction: the message claim, the upload claim, the document, the replaced
        document, the counters. Raises _Refused naming the first condition that failed."""
        cif = document.cif
        steps: list[str] = []
        claim = LimitCounterModel(counter_key=message_key(cif, document.message_id))
        try:
            with self._record_lock, TransactWrite(connection=self._connection) as transaction:
                # The message claim is ours until this commits: whatever else a retry sees (even
                # a different creation time in a listing, so another sort key), it records once.
                transaction.update(claim, actions=[LimitCounterModel.claim_state.set("archived")],
                                   condition=(LimitCounterModel.claim_state == "claimed")
                                   & (LimitCounterModel.content_sha256 == sha256))
                steps.append("message")
                if document.upload_index:
                    upload = LimitCounterModel(
                        counter_key=upload_key(cif, document.upload_index, document.kind),
                        document_sk=document.sk, content_sha256=sha256,
                        claim_state=VERIFIED if document.signature_status == "valid" else UNVERIFIED)
                    taken = (LimitCounterModel.document_sk == holder.sk if holder is not None and holder.claimed
                             else LimitCounterModel.counter_key.does_not_exist())
                    transaction.save(upload, condition=taken)
                    steps.append("upload")
                transaction.save(document, condition=DocumentModel.sk.does_not_exist())
                steps.append("document")
                if replaced is not None:
                    transaction.update(DocumentModel(cif=cif, sk=replaced), actions=[
                        DocumentModel.superseded_by.set(document.sk),
                        DocumentModel.superseded_at.set(document.archived_at)],
                        condition=DocumentModel.sk.exists() & DocumentModel.superseded_by.does_not_exist())
                    steps.append("replaced")
                else:
                    # The replaced document was of the same upload, so of the same kind: its
                    # count passes to the new one and the counters stay as they are.
                    companies.count_documents(transaction, cif, {document.kind: 1})
                    steps.append("counters")
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            failed = [steps[i] for i, code in enumerate(reasons) if code == "ConditionalCheckFailed" and i < len(steps)]
            if not failed or failed[0] == "counters":
                raise
            raise _Refused(failed[0]) from error

    # -- reads ----------------------------------------------------------------------------------

    @staticmethod
    def get(cif: str, sk: str) -> DocumentModel | None:
        try:
            return DocumentModel.get(cif, sk)
        except DocumentModel.DoesNotExist:
            return None

    @staticmethod
    def many(cif: str, sks: Iterable[str]) -> list[DocumentModel]:
        """These documents of the company, in the order asked (the missing left out)."""
        wanted = list(sks)
        found = {d.sk: d for d in DocumentModel.batch_get([(cif, sk) for sk in wanted])}
        return [found[sk] for sk in wanted if sk in found]

    @staticmethod
    def every(cif: str, after_sk: str | None = None) -> Iterator[DocumentModel]:
        """Every document of the company in sort-key order after `after_sk` (exclusive),
        superseded ones too (their originals are archived all the same): the integrity check."""
        condition = DocumentModel.sk > after_sk if after_sk else None
        yield from DocumentModel.query(cif, condition, consistent_read=True, page_size=200)

    # -- accounting exports ------------------------------------------------------------------------

    def mark_exported(self, cif: str, sks: Iterable[str], export_id: str, at: datetime) -> int:
        """Record that these documents went into accounting export `export_id` at `at`, in
        transactions of MARK_BATCH updates (the item's other attributes untouched; a document
        gone meanwhile is skipped by its condition failing the batch, then marked one by one).
        Idempotent: a retried build writes the same marks. Returns how many were marked."""
        batch: list[str] = []
        marked = 0
        for sk in sks:
            batch.append(sk)
            if len(batch) == MARK_BATCH:
                marked += self._mark_batch(cif, batch, export_id, at)
                batch = []
        if batch:
            marked += self._mark_batch(cif, batch, export_id, at)
        return marked

    def _mark_batch(self, cif: str, sks: list[str], export_id: str, at: datetime) -> int:
        actions: list[Action] = [DocumentModel.accounting_export_id.set(export_id),
                                 DocumentModel.accounting_exported_at.set(at)]
        for attempt in range(MARK_ATTEMPTS):
            try:
                with TransactWrite(connection=self._connection) as transaction:
                    for sk in sks:
                        transaction.update(DocumentModel(cif=cif, sk=sk), actions=actions,
                                           condition=DocumentModel.sk.exists())
                return len(sks)
            except TransactWriteError as error:
                reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
                if "ConditionalCheckFailed" in reasons:
                    return sum(self._mark_one(cif, sk, actions) for sk in sks)
                if attempt == MARK_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2 ** attempt)  # a concurrent write to one of them: again
        return 0

    @staticmethod
    def _mark_one(cif: str, sk: str, actions: list[Action]) -> bool:
        return updated_if(DocumentModel(cif=cif, sk=sk), actions, DocumentModel.sk.exists())

    # -- the PDF ----------------------------------------------------------------------------------

    @staticmethod
    def record_pdf(cif: str, sk: str, key: str, at: datetime) -> None:
        DocumentModel(cif=cif, sk=sk).update(actions=[
            DocumentModel.pdf_key.set(key), DocumentModel.pdf_status.set("ready"),
            DocumentModel.pdf_error.remove(), DocumentModel.pdf_rendered_at.set(at),
        ], condition=DocumentModel.sk.exists())

    @staticmethod
    def record_pdf_failure(cif: str, sk: str, error: str, at: datetime) -> None:
        DocumentModel(cif=cif, sk=sk).update(actions=[
            DocumentModel.pdf_status.set("failed"), DocumentModel.pdf_error.set(error[:500]),
            DocumentModel.pdf_rendered_at.set(at),
        ], condition=DocumentModel.sk.exists())

    # -- the review of received invoices ----------------------------------------------------------

    def change_review(self, document: DocumentModel, target: ReviewState, *, reason: str | None,
                      actor_user_id: str, actor_email: str | None, at: datetime) -> None:
        """One transaction: the document's new state (on the condition that it still is the
        state the caller saw), the company's review counters, and the history event.
        StateChanged when someone else changed it meanwhile."""
        current = ReviewState(document.review_state) if document.review_state else ReviewState.TO_REVIEW
        seen = (DocumentModel.review_state == current.value if document.review_state
                else DocumentModel.review_state.does_not_exist())
        actions: list[Action] = [DocumentModel.review_state.set(target.value),
                   DocumentModel.cif_review.set(review_key(document.cif, target)),
                   DocumentModel.reviewed_at.set(at), DocumentModel.reviewed_by.set(actor_user_id),
                   DocumentModel.review_reason.set(reason) if reason else DocumentModel.review_reason.remove()]
        try:
            with self._record_lock, TransactWrite(connection=self._connection) as transaction:
                transaction.update(DocumentModel(cif=document.cif, sk=document.sk), actions=actions,
                                   condition=DocumentModel.sk.exists() & seen)
                companies.count_reviews(transaction, document.cif, current.value, target.value)
                reviews.add_change(transaction, document.cif, document.message_id, actor_user_id=actor_user_id,
                                   actor_email=actor_email, at=at, from_state=current.value,
                                   to_state=target.value, reason=reason)
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise StateChanged(details={"message_id": document.message_id}) from error
            raise


    @staticmethod
    def backfill_reviews(cif: str) -> int:
        """Give "de verificat" (and the by_review key) to the company's received documents
        archived before reviews existed; the ones already reviewed are left alone. Returns how
        many were changed (a second run changes none)."""
        changed = 0
        for document in DocumentModel.query(cif, filter_condition=(DocumentModel.kind == REVIEWED_KIND)
                                            & DocumentModel.review_state.does_not_exist(), page_size=200):
            if updated_if(DocumentModel(cif=cif, sk=document.sk),
                          [DocumentModel.review_state.set(ReviewState.TO_REVIEW.value),
                           DocumentModel.cif_review.set(review_key(cif, ReviewState.TO_REVIEW))],
                          DocumentModel.sk.exists() & DocumentModel.review_state.does_not_exist()):
                changed += 1  # else reviewed meanwhile
        return changed


def _carry_review(document: DocumentModel, replaced_sk: str) -> None:
    """A verified original replacing an unverified copy of its upload takes over the copy's
    review (state, reason, who and when): the review is of the invoice, and the company's review
    counters, which counted the copy, stay right. The history stays under the copy's message."""
    try:
        old = DocumentModel.get(document.cif, replaced_sk, consistent_read=True)
    except DocumentModel.DoesNotExist:
        return
    if not old.review_state or document.kind != REVIEWED_KIND:
        return
    document.review_state = old.review_state
    document.cif_review = review_key(document.cif, ReviewState(old.review_state))
    document.review_reason = old.review_reason
    document.reviewed_at = old.reviewed_at
    document.reviewed_by = old.reviewed_by


def _review_defaults(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A received document starts "de verificat" (and in the by_review index)."""
    if fields.get("kind") != REVIEWED_KIND:
        return {}
    return {"review_state": ReviewState.TO_REVIEW.value,
            "cif_review": review_key(str(fields["cif"]), ReviewState.TO_REVIEW)}

"""The review of received invoices: change a state (one document or a selection), comment, and
read a document's history and the company's counts by state.

Who: the route proves the caller's active membership (404 otherwise); here owners, admins and
accountants ("contabil") may change states and comment (domain/memberships.py `can_review`);
viewers read. The document's state is written by storage/documents.py (with the company's
counters and the history event, in one transaction); comments by storage/reviews.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import reviews as rules
from chalicelib.domain.errors import ArhivarError, NotAllowed, ValidationFailed
from chalicelib.domain.memberships import Role, can_review
from chalicelib.domain.reviews import ReviewState
from chalicelib.services import documents
from chalicelib.storage import accounts, companies
from chalicelib.storage import reviews as journal
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.documents import Document, DocumentRepository
from chalicelib.storage.memberships import Membership
from chalicelib.storage.reviews import ReviewEvent


class TooManyDocuments(ValidationFailed):
    code = "review_too_many_documents"
    message_ro = f"Selectați cel mult {rules.MAX_BULK} de documente odată."


@dataclass(frozen=True)
class Outcome:
    """What a change did to one document of a selection."""

    message_id: str
    state: str | None  # the state after the call (None: no such document)
    error: ArhivarError | None = None


@dataclass(frozen=True)
class Review:
    """A document's review: its state and its events (changes and comments), oldest first."""

    document: Document
    state: ReviewState
    events: list[ReviewEvent]
    can_review: bool


def _reviewer(membership: Membership) -> None:
    if not can_review(Role(membership.role)):
        raise NotAllowed("Doar proprietarii, administratorii și contabilii pot verifica facturile.")


def _email(user_id: str) -> str | None:
    account = accounts.get(user_id)
    return account.email if account is not None else None


def change(index: DocumentIndex, repository: DocumentRepository, membership: Membership, message_id: str,
           state: str, reason: object, now: datetime) -> Document:
    """Change one document's state; its errors are the API's (400/404/409)."""
    _reviewer(membership)
    target = rules.parse_state(state)
    why = rules.clean_text(reason, rules.MAX_REASON, "reason")
    document = documents.find(index, membership.cif, message_id)
    _apply(repository, membership, document, target, why, _email(membership.user_id), now)
    return documents.find(index, membership.cif, message_id)


def change_many(index: DocumentIndex, repository: DocumentRepository, membership: Membership,
                message_ids: list[str], state: str, reason: object, now: datetime) -> list[Outcome]:
    """Change each selected document; one that cannot change is reported, the others change."""
    _reviewer(membership)
    target = rules.parse_state(state)
    why = rules.clean_text(reason, rules.MAX_REASON, "reason")
    if target is ReviewState.REJECTED and not why:
        raise rules.ReviewReasonRequired(details={"field": "reason"})
    wanted = list(dict.fromkeys(message_ids))
    if len(wanted) > rules.MAX_BULK:
        raise TooManyDocuments(details={"field": "message_ids"})
    email = _email(membership.user_id)
    outcomes = []
    for message_id in wanted:
        document = index.find(membership.cif, message_id)
        if document is None:
            outcomes.append(Outcome(message_id, None, documents.DocumentNotFound()))
            continue
        try:
            _apply(repository, membership, document, target, why, email, now)
        except (rules.InvalidTransition, rules.NotReviewable, rules.StateChanged) as refused:
            outcomes.append(Outcome(message_id, document.review_state, refused))
            continue
        outcomes.append(Outcome(message_id, target.value))
    return outcomes


def _apply(repository: DocumentRepository, membership: Membership, document: Document, target: ReviewState,
           reason: str | None, email: str | None, now: datetime) -> None:
    current = rules.current_state(document.review_state)
    rules.check_change(document.kind, current, target, reason)
    repository.change_review(document, target, reason=reason if target is ReviewState.REJECTED else None,
                             actor_user_id=membership.user_id, actor_email=email, at=now)


def comment(index: DocumentIndex, membership: Membership, message_id: str, text: object,
            now: datetime) -> ReviewEvent:
    _reviewer(membership)
    cleaned = rules.clean_text(text, rules.MAX_COMMENT, "text")
    if not cleaned:
        raise rules.CommentRequired(details={"field": "text"})
    document = documents.find(index, membership.cif, message_id)
    if document.kind != rules.REVIEWED_KIND:
        raise rules.NotReviewable()
    return journal.add_comment(membership.cif, document.message_id, actor_user_id=membership.user_id,
                               actor_email=_email(membership.user_id), at=now, text=cleaned)


def review(index: DocumentIndex, membership: Membership, message_id: str) -> Review:
    document = documents.find(index, membership.cif, message_id)
    if document.kind != rules.REVIEWED_KIND:
        raise rules.NotReviewable()
    return Review(document, rules.current_state(document.review_state),
                  journal.history(membership.cif, document.message_id), can_review(Role(membership.role)))


def counts(cif: str) -> dict[str, int]:
    """The company's received invoices by review state (exact: the company's counters)."""
    return companies.review_counters(cif)


def backfill(repository: DocumentRepository) -> int:
    """Every company's received documents archived before reviews existed: "de verificat"
    (scripts/backfill_reviews.py, once after deploying reviews; safe to repeat)."""
    return sum(repository.backfill_reviews(cif) for cif in companies.with_documents())

"""The review of received invoices, pure: the four states, which changes are allowed, and the
checks on a reason or a comment (stable codes, Romanian messages).

Only received documents (kind "received": invoices and credit notes a supplier sent) have a
review state; every new one starts "de verificat". A rejection needs a reason. A rejected
invoice is not booked without being approved first; any other change between different states
is allowed (an accountant may take a decision back).
"""

from __future__ import annotations

from enum import Enum

from chalicelib.domain.errors import Conflict, ValidationFailed

REVIEWED_KIND = "received"
MAX_REASON = 500
MAX_COMMENT = 2000
MAX_BULK = 100  # documents in one bulk change (the Documents page's largest page)


class ReviewState(Enum):
    TO_REVIEW = "to_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    BOOKED = "booked"

    @property
    def label_ro(self) -> str:
        return _LABELS[self]


_LABELS = {
    ReviewState.TO_REVIEW: "de verificat",
    ReviewState.APPROVED: "aprobată",
    ReviewState.REJECTED: "respinsă",
    ReviewState.BOOKED: "înregistrată în contabilitate",
}

# The company counters of the decided states (storage/companies.py); "de verificat" is the
# received documents' count minus these.
COUNTED = (ReviewState.APPROVED, ReviewState.REJECTED, ReviewState.BOOKED)

_FORBIDDEN = {(ReviewState.REJECTED, ReviewState.BOOKED)}


class InvalidReviewState(ValidationFailed):
    code = "invalid_review_state"
    message_ro = "Starea poate fi: de verificat, aprobată, respinsă sau înregistrată în contabilitate."


class ReviewReasonRequired(ValidationFailed):
    code = "review_reason_required"
    message_ro = "Pentru a respinge o factură scrieți motivul."


class ReviewTextTooLong(ValidationFailed):
    code = "review_text_too_long"
    message_ro = "Textul este prea lung."


class CommentRequired(ValidationFailed):
    code = "comment_required"
    message_ro = "Scrieți comentariul."


class NotReviewable(Conflict):
    code = "review_not_applicable"
    message_ro = "Doar facturile primite au stare de verificare."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message_ro = "Schimbarea de stare nu este permisă."


class StateChanged(Conflict):
    """Someone else changed the state between our read and our write: read it again."""

    code = "review_state_changed"
    message_ro = "Starea facturii a fost schimbată între timp. Reîncărcați pagina."


def parse_state(value: object) -> ReviewState:
    try:
        return ReviewState(value)
    except ValueError:
        raise InvalidReviewState(details={"field": "state"}) from None


def current_state(stored: str | None) -> ReviewState:
    """A received document without a stored state (archived before reviews existed) awaits review."""
    return ReviewState(stored) if stored else ReviewState.TO_REVIEW


def clean_text(value: object, limit: int, field: str) -> str | None:
    """A reason or a comment with its whitespace tidied; None when empty."""
    if value is None:
        return None
    text = "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines()).strip()
    if len(text) > limit:
        raise ReviewTextTooLong(f"Textul are cel mult {limit} de caractere.", details={"field": field})
    return text or None


def check_change(kind: str, current: ReviewState, target: ReviewState, reason: str | None) -> None:
    """Refuse a change that is not allowed (raises); a rejection needs its reason."""
    if kind != REVIEWED_KIND:
        raise NotReviewable()
    if target is ReviewState.REJECTED and not reason:
        raise ReviewReasonRequired(details={"field": "reason"})
    if current is target:
        raise InvalidTransition(f"Factura este deja {target.label_ro}.",
                                details={"from": current.value, "to": target.value})
    if (current, target) in _FORBIDDEN:
        raise InvalidTransition("O factură respinsă se aprobă înainte de a fi înregistrată în contabilitate.",
                                details={"from": current.value, "to": target.value})


def review_key(cif: str, state: ReviewState) -> str:
    """The by_review index's partition of a company's documents in one state."""
    return f"{cif}#{state.value}"

"""Reviews → the JSON shapes openapi.json declares (Review, ReviewEvent, ReviewOutcome)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.views import iso
from chalicelib.domain.reviews import ReviewState
from chalicelib.services.reviews import Outcome, Review
from chalicelib.storage.reviews import ReviewEvent


def _label(state: str | None) -> str | None:
    return ReviewState(state).label_ro if state else None


def review(item: Review) -> dict[str, Any]:
    return {
        "message_id": item.document.message_id,
        "state": item.state.value,
        "state_label": item.state.label_ro,
        "reason": item.document.review_reason if item.state is ReviewState.REJECTED else None,
        "reviewed_at": iso(item.document.reviewed_at) if item.document.reviewed_at else None,
        "can_review": item.can_review,
        "events": [event(e) for e in item.events],
    }


def event(item: ReviewEvent) -> dict[str, Any]:
    return {
        "type": item.event,
        "at": iso(item.at),
        "by": item.actor_email,
        "from": item.from_state,
        "from_label": _label(item.from_state),
        "to": item.to_state,
        "to_label": _label(item.to_state),
        "reason": item.reason,
        "text": item.text,
    }


def outcome(item: Outcome) -> dict[str, Any]:
    result: dict[str, Any] = {"message_id": item.message_id, "state": item.state,
                              "status": "changed" if item.error is None else "refused"}
    if item.error is not None:
        result["error"] = {"code": item.error.code, "message": item.error.message_ro}
    return result

"""The review of received invoices (a Chalice Blueprint; app.py registers it): a document's
state, history and comments, changes of one document or of a selection, and the counts by
state. Routes only: the caller's active membership first (404 for anyone else), then a service.

A Blueprint cannot hold two methods of one path (app.py explains), so every route here has a
path of its own.
"""

from __future__ import annotations

import functools
from typing import Any

from chalice import Blueprint, Response

from chalicelib import dependencies
from chalicelib.api import caller as callers
from chalicelib.api import review_views as views
from chalicelib.api import routing
from chalicelib.api.documents_routes import index
from chalicelib.api.requests import parse_body
from chalicelib.domain.memberships import Role, can_review
from chalicelib.services import reviews
from chalicelib.storage.documents import DocumentRepository
from chalicelib.storage.memberships import Membership

review_routes = Blueprint(__name__)

route = functools.partial(routing.route, review_routes)


def member(cif: str) -> Membership:
    return callers.member(routing.current_request(review_routes), cif)


def body(schema: str) -> dict[str, Any]:
    return parse_body(routing.body_bytes(routing.current_request(review_routes)), schema)


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


@functools.cache
def repository() -> DocumentRepository:
    return DocumentRepository(dependencies.settings())


@route("/api/companies/{cif}/documents/{message_id}/review", "GET")
def get_review(cif: str, message_id: str) -> Response:
    """The document's review state, its history and comments (any active member)."""
    return ok({"review": views.review(reviews.review(index(), member(cif), message_id))})


@route("/api/companies/{cif}/documents/{message_id}/review/state", "POST")
def change_state(cif: str, message_id: str) -> Response:
    membership = member(cif)
    data = body("ReviewStateRequest")
    reviews.change(index(), repository(), membership, message_id, data["state"], data.get("reason"),
                   dependencies.now())
    return ok({"review": views.review(reviews.review(index(), membership, message_id))})


@route("/api/companies/{cif}/documents/{message_id}/review/comments", "POST")
def add_comment(cif: str, message_id: str) -> Response:
    membership = member(cif)
    event = reviews.comment(index(), membership, message_id, body("ReviewCommentRequest")["text"],
                            dependencies.now())
    return ok({"event": views.event(event)}, status=201)


@route("/api/companies/{cif}/reviews/state", "POST")
def change_states(cif: str) -> Response:
    """"Aprobă selecția" and the like: each selected document changes, or says why not."""
    membership = member(cif)
    data = body("ReviewBulkRequest")
    outcomes = reviews.change_many(index(), repository(), membership, data["message_ids"], data["state"],
                                   data.get("reason"), dependencies.now())
    return ok({"results": [views.outcome(o) for o in outcomes],
               "changed": sum(1 for o in outcomes if o.error is None),
               "counts": reviews.counts(cif)})


@route("/api/companies/{cif}/reviews/counts", "GET")
def review_counts(cif: str) -> Response:
    membership = member(cif)
    return ok({"counts": reviews.counts(cif), "can_review": can_review(Role(membership.role))})

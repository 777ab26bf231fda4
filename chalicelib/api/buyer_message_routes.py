"""Messages to suppliers through ANAF (a Chalice Blueprint; app.py registers it): send one about
a received invoice, list them (the company's, or a document's), ask ANAF for a state now.

Every route starts with the caller's token and their ACTIVE membership on the company (404 for
anyone else), before looking at the body.
"""

from __future__ import annotations

import functools
from typing import Any

from chalice import Blueprint, Response

from chalicelib import dependencies
from chalicelib.api import caller as callers
from chalicelib.api import routing
from chalicelib.api.documents_routes import index
from chalicelib.api.requests import parse_body
from chalicelib.domain.buyer_messages import State, label
from chalicelib.services import buyer_messages
from chalicelib.storage.buyer_messages import BuyerMessage
from chalicelib.storage.memberships import Membership

buyer_message_routes = Blueprint(__name__)
route = functools.partial(routing.route, buyer_message_routes)


def member(cif: str) -> Membership:
    return callers.member(routing.current_request(buyer_message_routes), cif)


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


def view(item: BuyerMessage) -> dict[str, Any]:
    state = State(item.state)
    return {
        "id": item.message_id,
        "document_id": item.document_id,
        "invoice_number": item.invoice_number,
        "partner_name": item.partner_name,
        "partner_cif": item.partner_cif,
        "text": item.text,
        "state": state.value,
        "state_label": label(state, item.anaf_error),
        "anaf_error": item.anaf_error,
        "upload_index": item.upload_index,
        # ANAF's own message once it answered ok: the sync archives it under this id (Documents)
        "answer_document_id": item.download_id if state is State.ACCEPTED else None,
        "created_at": item.created_at.isoformat(),
        "checked_at": item.checked_at.isoformat() if item.checked_at else None,
        "answered_at": item.answered_at.isoformat() if item.answered_at else None,
    }


@route("/api/companies/{cif}/documents/{message_id}/buyer-messages", "POST")
def send(cif: str, message_id: str) -> Response:
    membership = member(cif)
    data = parse_body(routing.body_bytes(routing.current_request(buyer_message_routes)), "BuyerMessageRequest")
    sent = dependencies.buyer_messages().send(membership, message_id, data["text"])
    return ok({"message": view(sent)}, status=201)


@route("/api/companies/{cif}/buyer-messages", "GET")
def listing(cif: str) -> Response:
    """The company's messages, newest first; `document_id`: those about one received invoice.
    (One method per path: a Blueprint cannot hold two methods of one path, see app.py.)"""
    member(cif)
    params: dict[str, str] = dict(routing.current_request(buyer_message_routes).query_params or {})
    return ok({"messages": [view(m) for m in buyer_messages.listing(index(), cif, params.get("document_id"))]})


@route("/api/companies/{cif}/buyer-messages/{buyer_message_id}/check", "POST")
def check(cif: str, buyer_message_id: str) -> Response:
    membership = member(cif)
    return ok({"message": view(dependencies.buyer_messages().check_now(membership, buyer_message_id))})

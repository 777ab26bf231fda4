"""The review journal's repository: every ReviewEventModel item is written here.

A received invoice's review history (state changes: who, when, from, to, reason) and its
comments, keyed by company and "{message_id}#{time}#{random}" so one Query reads a document's
events in order. Append-only: a change is added to the same transaction as the document's new
state (storage/documents.py `change_review`), a comment is saved on its own; nothing updates or
deletes an event.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from pynamodb.transactions import TransactWrite

from chalicelib.storage.models import ReviewEventModel

ReviewEvent = ReviewEventModel  # the record type services read (attributes only)
HISTORY_LIMIT = 200  # events shown for one document


def event_key(message_id: str, at: datetime) -> str:
    return f"{message_id}#{at.isoformat(timespec='microseconds')}#{secrets.token_hex(4)}"


def add_change(transaction: TransactWrite, cif: str, message_id: str, *, actor_user_id: str,
               actor_email: str | None, at: datetime, from_state: str, to_state: str,
               reason: str | None) -> None:
    """Add a state change to the transaction that writes the document's new state."""
    event = ReviewEventModel(cif=cif, event_key=event_key(message_id, at), message_id=message_id,
                             event="change", actor_user_id=actor_user_id, actor_email=actor_email, at=at,
                             from_state=from_state, to_state=to_state, reason=reason)
    transaction.save(event, condition=ReviewEventModel.event_key.does_not_exist())


def add_comment(cif: str, message_id: str, *, actor_user_id: str, actor_email: str | None, at: datetime,
                text: str) -> ReviewEventModel:
    event = ReviewEventModel(cif=cif, event_key=event_key(message_id, at), message_id=message_id,
                             event="comment", actor_user_id=actor_user_id, actor_email=actor_email, at=at,
                             text=text)
    event.save(condition=ReviewEventModel.event_key.does_not_exist())
    return event


def history(cif: str, message_id: str) -> list[ReviewEventModel]:
    """The document's events, oldest first (at most HISTORY_LIMIT, the newest ones)."""
    found = list(ReviewEventModel.query(cif, ReviewEventModel.event_key.startswith(f"{message_id}#"),
                                        scan_index_forward=False, limit=HISTORY_LIMIT, consistent_read=True))
    found.reverse()
    return found

"""JSON views of the security journal."""

from __future__ import annotations

from typing import Any

from chalicelib.services.audit import JournalEntry, JournalPage


def entry(item: JournalEntry) -> dict[str, Any]:
    return {
        "at": item.at.isoformat(),
        "event": item.event,
        "label": item.label,
        "actor": {"user_id": item.actor_user_id, "email": item.actor_email},
        "details": item.details,
        "summary": item.summary,
        "ip": item.ip,
    }


def page(result: JournalPage) -> dict[str, Any]:
    return {"events": [entry(item) for item in result.entries], "next_cursor": result.next_cursor}

"""Per-company licences: how often a company is synced and which e-mails it gets.

Defined once here; the dispatcher, the dashboard and the notifier read these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum


class NewDocumentEmails(Enum):
    NONE = "none"
    DAILY_DIGEST = "daily_digest"
    AFTER_EACH_SYNC = "after_each_sync"


@dataclass(frozen=True)
class Licence:
    code: str
    name_ro: str
    sync_interval: timedelta  # while the company has recent activity
    new_document_emails: NewDocumentEmails
    # The longest a quiet company waits between syncs (the licence's promise; domain/polling.py)
    quiet_sync_interval: timedelta


FREE = Licence("free", "Gratuit", timedelta(days=1), NewDocumentEmails.NONE, timedelta(days=1))
STANDARD = Licence("standard", "Standard", timedelta(hours=1), NewDocumentEmails.DAILY_DIGEST, timedelta(hours=4))
PRO = Licence("pro", "Pro", timedelta(minutes=15), NewDocumentEmails.AFTER_EACH_SYNC, timedelta(hours=1))

LICENCES: dict[str, Licence] = {licence.code: licence for licence in (FREE, STANDARD, PRO)}


def licence_for(code: str | None) -> Licence:
    """The licence with this code; unknown or missing codes fall back to the free tier."""
    return LICENCES.get(code or "", FREE)

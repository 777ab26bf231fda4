"""Warnings before ANAF's 60-day cliff: a company whose archive has not advanced for 45 days
(its authorization lapsed, was revoked, or its syncs keep failing) will start losing invoices
that exist only in SPV. Owners and admins hear at 45 and again at 55 days, once each per
stretch (the stretch is named by the end of the covered window).

Found without scanning the Companies table: the `stale` index (authorization state, end of
the covered window) is range-queried per state for windows that ended 45 to 75 days ago;
healthy companies, whose window ended minutes ago, are never read.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from chalicelib.domain.authorization import AuthorizationState
from chalicelib.domain.notifications import Category
from chalicelib.domain.romanian import counted
from chalicelib.services.notifications import ADMINS, Message, Notifications
from chalicelib.services.webhook_events import WebhookEvents
from chalicelib.storage import companies
from chalicelib.storage.companies import Company

HISTORY = timedelta(days=60)  # ANAF keeps messages this long
THRESHOLDS = (timedelta(days=45), timedelta(days=55))
LOOK_BACK = timedelta(days=75)  # older stretches were warned about already


def send_coverage_warnings(now: datetime, notifications: Notifications, events: WebhookEvents) -> int:
    sent = 0
    for state in AuthorizationState:
        for company in companies.stale(state.value, now - LOOK_BACK, now - THRESHOLDS[0]):
            sent += _warn(company, now, notifications, events)
    return sent


def _warn(company: Company, now: datetime, notifications: Notifications, events: WebhookEvents) -> int:
    age = now - company.covered_until
    threshold = max(t for t in THRESHOLDS if age >= t)
    cliff = company.covered_until + HISTORY
    days_left = max(0, math.ceil((cliff - now) / timedelta(days=1)))
    message = _message(notifications.public_url, company, cliff, days_left)
    once = f"coverage:{company.cif}:{company.covered_until.isoformat()}:{threshold.days}"
    events.gap_warning(company.cif, company.covered_until, cliff, days_left, once)  # same id on a rerun
    return sum(notifications.send(r, Category.COVERAGE_WARNINGS, [company.cif], message, once=once)
               for r in notifications.recipients(company.cif, Category.COVERAGE_WARNINGS, ADMINS))


def _message(public_url: str, company: Company, cliff: datetime, days_left: int) -> Message:
    since = company.covered_until.strftime("%d.%m.%Y")
    when = ("de azi" if days_left == 0
            else "de mâine" if days_left == 1 else f"peste {counted(days_left, 'zi', 'zile')}")
    return Message(
        subject=f"Atenție: facturile companiei {company.name} se pot pierde {when}",
        text=(f"Bună ziua,\n\nArhiva e-Factura a companiei {company.name} (CIF {company.cif}) "
              "este completă "
              f"doar până la {since}: de atunci Arhivar nu a mai putut descărca facturile din SPV.\n\n"
              f"SPV păstrează fiecare factură doar 60 de zile. Începând cu {cliff.strftime('%d.%m.%Y')} "
              "facturile de după această dată încep să dispară din SPV și nu mai pot fi arhivate.\n\n"
              "Verificați autorizarea ANAF și starea sincronizării: "
              f"{public_url}/companii/{company.cif}\n"))

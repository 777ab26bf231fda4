"""Re-authorization reminders: the company's owners and admins hear 14, 7 and 1 day before the
ANAF browser step is needed again, and once when it has lapsed. Each reminder is recorded on
the credential before it is sent, so a retried run never sends it twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chalicelib.domain.notifications import Category
from chalicelib.domain.romanian import counted
from chalicelib.services.credentials import companies_using
from chalicelib.services.notifications import ADMINS, Message, Notifications, Recipient
from chalicelib.services.webhook_events import WebhookEvents
from chalicelib.storage import credentials

DAYS_BEFORE = (14, 7, 1)
EXPIRED = "expired"
EXPIRED_LOOKBACK_DAYS = 3  # a missed daily run still sends the "expired" e-mail


def send_reminders(today: date, notifications: Notifications, events: WebhookEvents) -> int:
    sent = 0
    for days in DAYS_BEFORE:
        for credential_id in credentials.expiring_on(today + timedelta(days=days)):
            sent += _remind(credential_id, str(days), notifications, events)
    for back in range(1, EXPIRED_LOOKBACK_DAYS + 1):
        for credential_id in credentials.expiring_on(today - timedelta(days=back)):
            sent += _remind(credential_id, EXPIRED, notifications, events)
    return sent


def _remind(credential_id: str, which: str, notifications: Notifications, events: WebhookEvents) -> int:
    credential = credentials.get(credential_id)
    if credential is None:
        return 0  # disconnected since the query
    if which in (credential.reminders_sent or set()):
        return 0
    companies = companies_using(credential_id, credential.cifs or ())
    for company in companies:  # before the reminder is noted: a retried run reports it again (same id)
        events.authorization(company.cif, credential_id, which, credential.refresh_expires_at)
    recipients = _admins((c.cif for c in companies), notifications)
    if not recipients:
        return 0
    if not credentials.note_reminder(credential, which):
        return 0  # another run got there first
    names = {c.cif: c.name for c in companies}
    sent = 0
    for recipient, cifs in recipients.values():
        subject, text = _message(which, [(cif, names[cif]) for cif in sorted(cifs)], notifications.public_url,
                                 credential.refresh_expires_at.strftime("%d.%m.%Y"))
        sent += notifications.send(recipient, Category.AUTHORIZATION, sorted(cifs), Message(subject, text))
    return sent


def _admins(cifs: Iterable[str], notifications: Notifications) -> dict[str, tuple[Recipient, set[str]]]:
    """Owners and admins who want authorization e-mails, with the companies they hear about."""
    by_user: dict[str, tuple[Recipient, set[str]]] = {}
    for cif in cifs:
        for recipient in notifications.recipients(cif, Category.AUTHORIZATION, ADMINS):
            by_user.setdefault(recipient.user_id, (recipient, set()))[1].add(cif)
    return by_user


def _message(which: str, companies: list[tuple[str, str]], public_url: str, until: str) -> tuple[str, str]:
    lines = "\n".join(f"- {name} (CIF {cif}): {public_url}/companii?autorizeaza={cif}"
                      for cif, name in companies)
    if which == EXPIRED:
        return ("Autorizarea ANAF a expirat: facturile nu se mai arhivează",
                ("Bună ziua,\n\nAutorizarea ANAF a expirat, iar Arhivar nu mai poate descărca facturile "
                 f"din SPV pentru:\n{lines}\n\nATENȚIE: SPV păstrează facturile doar 60 de zile. "
                 "Autorizați din nou cu certificatul digital cât mai curând, din linkurile de mai sus.\n"))
    days = "o zi" if which == "1" else counted(int(which), "zi", "zile")
    return (f"Autorizarea ANAF expiră în {days}",
            (f"Bună ziua,\n\nAutorizarea ANAF folosită de Arhivar expiră pe {until} (peste {days}) pentru:\n"
             f"{lines}\n\nPentru ca arhivarea să continue, autorizați din nou cu certificatul digital "
             "(token-ul USB), din linkurile de mai sus.\n"))

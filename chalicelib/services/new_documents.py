"""E-mails about new documents: one per sync run (Pro), one daily digest per company (Standard),
none (Free); never one per invoice. The licence is read when the notify message is handled.

The digest never reads the Documents table beyond the keys it was told about: the notify
consumer adds a Standard run's document keys to a pending-digest item of the company and day
("digest#<day>#<cif>", a string set: adding the same keys twice changes nothing) and the CIF to
the day's list ("digest#<day>"). The daily job reads those two kinds of items, fetches the
documents by key, sends, and deletes what it sent. Days are Romanian calendar days, taken from
the moment the sync enqueued the message (SQS SentTimestamp), so a retry after midnight files
the run under the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger

from chalicelib.domain.licences import NewDocumentEmails, licence_for
from chalicelib.domain.notifications import Category
from chalicelib.domain.romanian import counted, format_amount
from chalicelib.services import notification_rules
from chalicelib.services.mail_html import esc, link
from chalicelib.services.notifications import Message, Notifications
from chalicelib.storage import companies, digests
from chalicelib.storage.companies import Company
from chalicelib.storage.documents import Document, DocumentRepository

logger = Logger(service="arhivar-notifications", child=True)

ROMANIA = ZoneInfo("Europe/Bucharest")
LISTED = 50  # documents listed in one e-mail; the rest are counted
ROUTED_LISTED = 500  # documents a routing rule looks through in one occasion
DIGEST_TTL = timedelta(days=10)
DIGEST_LOOKBACK_DAYS = 3  # a missed daily run still sends the digests of the days before
KINDS = {"received": "primită", "sent": "emisă", "error": "eroare ANAF",
         "buyer_message": "mesaj cumpărător"}
TYPES = {"invoice": "Factură", "credit_note": "Notă de credit"}


@dataclass(frozen=True)
class NewDocuments:
    """A notify message: documents a sync run archived."""

    cif: str
    run_id: str
    sks: tuple[str, ...]
    count: int
    sent_at: datetime


def romanian_day(moment: datetime) -> date:
    return moment.astimezone(ROMANIA).date()


def handle(event: NewDocuments, notifications: Notifications) -> int:
    """What the notify consumer does with one message; returns the e-mails sent."""
    company = companies.get(event.cif)
    if company is None:
        return 0
    emails = licence_for(company.licence).new_document_emails
    if emails is NewDocumentEmails.AFTER_EACH_SYNC:
        return _send(notifications, company, list(event.sks), event.count, f"run:{event.run_id}",
                     counted(event.count, "document nou", "documente noi") if event.count != 1 else "Un document nou",
                     "la ultima sincronizare")
    if emails is NewDocumentEmails.DAILY_DIGEST:
        add_to_digest(event.cif, event.sks, romanian_day(event.sent_at))
    return 0


def add_to_digest(cif: str, sks: tuple[str, ...], day: date) -> None:
    digests.add(cif, day.isoformat(), sks, datetime.now(UTC) + DIGEST_TTL)


def send_digests(today: date, notifications: Notifications) -> int:
    """The daily job: each company's digest of each finished day not sent yet."""
    sent = 0
    for back in range(DIGEST_LOOKBACK_DAYS, 0, -1):
        day = (today - timedelta(days=back)).isoformat()
        for cif in sorted(digests.companies(day)):
            sent += _digest(notifications, day, cif)
            digests.done(day, cif)
    return sent


def _digest(notifications: Notifications, day: str, cif: str) -> int:
    sks = sorted(digests.documents(day, cif))
    company = companies.get(cif)
    sent = 0
    if (sks and company is not None
            and licence_for(company.licence).new_document_emails is not NewDocumentEmails.NONE):
        shown = date.fromisoformat(day).strftime("%d.%m.%Y")
        sent = _send(notifications, company, sks, len(sks), f"digest:{day}:{cif}",
                     f"Rezumatul zilei {shown}: {counted(len(sks), 'document nou', 'documente noi')}" if len(sks) != 1
                     else f"Rezumatul zilei {shown}: un document nou", f"în ziua de {shown}",
                     awaiting_review=companies.review_counters(cif)["to_review"])
    return sent


def _send(notifications: Notifications, company: Company, sks: list[str], count: int, once: str,
          headline: str, when: str, awaiting_review: int = 0) -> int:
    recipients = notifications.recipients(company.cif, Category.NEW_DOCUMENTS)
    sent = 0
    if recipients:
        documents = _documents(company.cif, sks[:LISTED])
        message = compose(notifications.public_url, company, documents, max(count, len(sks)), headline, when,
                          awaiting_review)
        sent = sum(notifications.send(r, Category.NEW_DOCUMENTS, [company.cif], message, once=once)
                   for r in recipients)
    if company.notification_rules:
        # Rules route the matching documents of the occasion to their addresses as well.
        def routed_message(matched: list[Document]) -> Message:
            return compose(notifications.public_url, company, matched, len(matched),
                           _headline(len(matched)), when)
        sent += notification_rules.send(notifications, company, _documents(company.cif, sks[:ROUTED_LISTED]),
                                        {r.email for r in recipients}, once, routed_message)
    return sent


def _headline(count: int) -> str:
    return "Un document nou" if count == 1 else counted(count, "document nou", "documente noi")


def _documents(cif: str, sks: list[str]) -> list[Document]:
    return [d for d in DocumentRepository.many(cif, sks) if not d.superseded_by]


def compose(public_url: str, company: Company, documents: list[Document], count: int,
            headline: str, when: str, awaiting_review: int = 0) -> Message:
    """The e-mail: the documents listed (type, partner, number, date, total) and a link to
    the Documents page. No files, no attachments. The daily digest adds how many received
    invoices await review, with a link to them."""
    page = f"{public_url}/documente?cif={quote(company.cif)}"
    review_page = f"{page}&review=to_review"
    waiting = (f"{counted(awaiting_review, 'factură primită așteaptă', 'facturi primite așteaptă')} verificarea"
               if awaiting_review != 1 else "O factură primită așteaptă verificarea")
    subject = f"{headline} pentru {company.name}"
    rows = [_row(d) for d in documents]
    more = count - len(rows)
    lines = "\n".join(f"- {r['type']} · {r['partner']} · nr. {r['number']} · {r['date']} · {r['total']}"
                      for r in rows)
    news = counted(count, "document nou", "documente noi")
    text = (f"Bună ziua,\n\nArhivar a arhivat {news} {when} pentru {company.name} "
            f"(CIF {company.cif}):\n\n{lines}\n"
            + (f"… și încă {counted(more, 'document', 'documente')}.\n" if more > 0 else "")
            + f"\nVedeți-le în Arhivar: {page}\n"
            + (f"\n{waiting}: {review_page}\n" if awaiting_review > 0 else ""))
    cells = "".join(
        "<tr>" + "".join(f'<td style="padding:4px 8px;border-bottom:1px solid #e4e7eb">{esc(r[c])}</td>'
                         for c in ("type", "partner", "number", "date", "total")) + "</tr>"
        for r in rows)
    head = "".join(f'<th style="text-align:left;padding:4px 8px">{esc(h)}</th>'
                   for h in ("Tip", "Partener", "Număr", "Data", "Total"))
    html = (f"<p>Bună ziua,</p><p>Arhivar a arhivat <strong>{esc(news)}</strong> {esc(when)} "
            f"pentru <strong>{esc(company.name)}</strong> (CIF {esc(company.cif)}):</p>"
            f'<table style="border-collapse:collapse;font-size:14px"><thead><tr>{head}</tr></thead>'
            f"<tbody>{cells}</tbody></table>"
            + (f"<p>… și încă {esc(counted(more, 'document', 'documente'))}.</p>" if more > 0 else "")
            + f"<p>{link(page, 'Vedeți documentele în Arhivar')}</p>"
            + (f"<p>{esc(waiting)}: {link(review_page, 'facturile de verificat')}</p>" if awaiting_review > 0 else ""))
    return Message(subject=subject, text=text, html=html)


def _row(document: Document) -> dict[str, str]:
    kind = KINDS.get(document.kind, document.kind)
    fallback = "Mesaj" if document.kind in ("error", "buyer_message") else "Document"
    label = TYPES.get(document.document_type or "", fallback)
    total = document.total_with_vat or document.total
    return {
        "type": f"{label} {kind}",
        "partner": document.partner_name or document.partner_cif or "—",
        "number": document.number or "—",
        "date": _date(document.issue_date) or document.created_at.astimezone(ROMANIA).strftime("%d.%m.%Y"),
        "total": format_amount(total, document.currency) if total else "—",
    }


def _date(iso: str | None) -> str | None:
    try:
        return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else None
    except ValueError:
        return None

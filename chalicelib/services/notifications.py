"""Every e-mail Arhivar sends goes through here: who gets it, and how it is sent.

- Recipients: a company's ACTIVE members (optionally only owners/admins) whose preferences
  (domain/notifications.py: per company and category, on until turned off) want it.
- Before every send: an address that bounced permanently or complained is never written to
  again (SES feedback, functions/ses_feedback); invitations and ANAF links are stopped too.
- Every categorised e-mail carries a one-click unsubscribe link (no login, HMAC-signed with a
  KMS-generated key, storage/mac_keys.py) in its text, its HTML and in `List-Unsubscribe` +
  `List-Unsubscribe-Post` headers (RFC 8058).
- `once`: the send is recorded per (business key, user) with a conditional write BEFORE SES is
  called, so a retried job never sends twice. If SES refuses, the record is removed and the
  job retried. If the process dies between the record and SES's answer, that one e-mail is
  lost (at most once, never twice): the record stays "sending", and the retry logs it as
  possibly lost instead of sending again. The documents are in the archive either way.

Bookkeeping lives in the Limits table ("mail#…" send records with a TTL, "suppressed#…").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from aws_lambda_powertools import Logger

from chalicelib.domain.email import normalize_email
from chalicelib.domain.memberships import INVITATION_PREFIX, MembershipState, Role
from chalicelib.domain.notification_rules import routed_id
from chalicelib.domain.notifications import Category, UnsubscribeScope, sign_unsubscribe, wants
from chalicelib.domain.romanian import counted
from chalicelib.services import memberships
from chalicelib.services.mail_html import esc, layout, link, text_to_html
from chalicelib.storage import accounts, companies, mail_records
from chalicelib.storage.accounts import Account
from chalicelib.storage.mail import Mailer

logger = Logger(service="arhivar-notifications", child=True)

SEND_RECORD_TTL = timedelta(days=35)
UNSUBSCRIBE_KEY = "unsubscribe-links"
ADMINS = (Role.OWNER, Role.ADMIN)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str | None = None  # a body fragment, every value escaped; None: made from the text


@dataclass(frozen=True)
class Recipient:
    user_id: str
    email: str
    prefs: dict[str, bool] = field(default_factory=dict)

    def wants(self, cif: str, category: Category) -> bool:
        return wants(self.prefs, cif, category)


@dataclass(frozen=True)
class Suppression:
    reason: str  # bounce | complaint
    at: datetime
    detail: str | None = None


class Notifications:
    def __init__(self, mailer: Mailer, public_url: str, mac_key: Callable[[str], bytes],
                 clock: Callable[[], datetime]) -> None:
        self._mailer = mailer
        self.public_url = public_url
        self._mac_key = mac_key
        self._now = clock

    # -- who -----------------------------------------------------------------------------------

    def recipients(self, cif: str, category: Category,
                   roles: Iterable[Role] | None = None) -> list[Recipient]:
        """The company's active members (of these roles) who want this category for it."""
        allowed = set(roles) if roles else set(Role)
        user_ids = [m.user_id for m in memberships.of_company(cif)
                    if m.state == MembershipState.ACTIVE.value and not m.user_id.startswith(INVITATION_PREFIX)
                    and Role(m.role) in allowed]
        found = [recipient_of(a) for a in accounts.get_many(user_ids)]
        return sorted((r for r in found if r.wants(cif, category)), key=lambda r: r.email)

    # -- sending -------------------------------------------------------------------------------

    def send(self, recipient: Recipient, category: Category, cifs: Iterable[str], message: Message,
             *, once: str | None = None) -> bool:
        """One categorised e-mail to a member about these companies; False when not sent
        (turned off, suppressed address, or already sent under `once`)."""
        cifs = tuple(c for c in cifs if recipient.wants(c, category))
        if not cifs or self.suppressed(recipient.email):
            return False
        url = self.unsubscribe_url(UnsubscribeScope(recipient.user_id, category, cifs))  # before the claim
        record = mail_records.send_record_key(once, recipient.user_id) if once else None
        if record and not self._claim(record):
            return False
        footer_text = (f"\n--\nPrimiți acest e-mail ({category.label_ro}) ca membru al companiei "
                       "în Arhivar.\n"
                       f"Dezabonare cu un clic, fără autentificare: {url}\n"
                       f"Toate setările notificărilor: {self.public_url}/cont/notificari\n")
        footer_html = (f"Primiți acest e-mail ({esc(category.label_ro)}) ca membru al companiei în "
                       f"Arhivar. {link(url, 'Dezabonare cu un clic')} · "
                       f"{link(self.public_url + '/cont/notificari', 'Setările notificărilor')}")
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        try:
            self._mailer.send(to=recipient.email, subject=message.subject, text=message.text + footer_text,
                              html=layout(message.subject, message.html or text_to_html(message.text),
                                          footer_html),
                              headers=headers)
        except Exception:
            if record:
                mail_records.release_send(record)  # not sent: the retry may send it
            raise
        if record:
            mail_records.mark_sent(record)
        return True

    def send_routed(self, email: str, cif: str, message: Message, *, once: str) -> bool:
        """A new-document e-mail to an address a company rule routes it to (not a member):
        the same unsubscribe link (per company) and suppression as the members' e-mails, at most
        once per occasion and address."""
        if self.suppressed(email):
            return False
        routed = routed_id(email)
        url = self.unsubscribe_url(UnsubscribeScope(routed, Category.NEW_DOCUMENTS, (cif,)))
        record = mail_records.send_record_key(once, routed)
        if not self._claim(record):
            return False
        footer_text = ("\n--\nPrimiți acest e-mail pentru că o regulă de notificare a companiei vă "
                       "trimite facturile unui partener sau peste o sumă.\n"
                       f"Dezabonare cu un clic, fără autentificare: {url}\n")
        footer_html = ("Primiți acest e-mail pentru că o regulă de notificare a companiei vă trimite "
                       f"facturile unui partener sau peste o sumă. {link(url, 'Dezabonare cu un clic')}")
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        try:
            self._mailer.send(to=email, subject=message.subject, text=message.text + footer_text,
                              html=layout(message.subject, message.html or text_to_html(message.text),
                                          footer_html),
                              headers=headers)
        except Exception:
            mail_records.release_send(record)
            raise
        mail_records.mark_sent(record)
        return True

    def send_transactional(self, to: str, message: Message) -> bool:
        """An e-mail that is not in any category (invitation, ANAF link): always goes, unless
        the address bounced or complained."""
        if self.suppressed(to):
            logger.info("suppressed address: transactional e-mail not sent")
            return False
        footer = "Arhivar · arhiva e-Factura a companiei dumneavoastră"
        body = message.html or text_to_html(message.text)
        self._mailer.send(to=to, subject=message.subject, text=message.text,
                          html=layout(message.subject, body, esc(footer)))
        return True

    def send_export_ready(self, *, user_id: str, cif: str, export_id: str,
                          document_count: int | None = None, expires_at: datetime | None = None) -> bool:
        """For the exports worker: tell the person who asked that their ZIP is ready. Links to
        the app (where a fresh, short-lived download link is made), never to the file."""
        membership = memberships.find(user_id, cif)
        if membership is None or membership.state != MembershipState.ACTIVE.value:
            return False
        account, company = accounts.get(user_id), companies.get(cif)
        if account is None or company is None:
            return False
        recipient, name = recipient_of(account), company.name
        url = f"{self.public_url}/documente?cif={quote(cif)}&export={quote(export_id)}"
        count = f" ({counted(document_count, 'document', 'documente')})" if document_count is not None else ""
        until = (f"\nArhiva poate fi descărcată până la {expires_at.strftime('%d.%m.%Y %H:%M')} (UTC)."
                 if expires_at else "")
        message = Message(
            subject=f"Exportul facturilor companiei {name} este gata",
            text=(f"Bună ziua,\n\nArhiva ZIP cerută pentru {name} (CIF {cif}){count} este gata."
                  f"{until}\n\n"
                  f"Descărcați-o din Arhivar: {url}\n"))
        return self.send(recipient, Category.EXPORTS, [cif], message, once=f"export:{export_id}")

    def unsubscribe_url(self, scope: UnsubscribeScope) -> str:
        token = sign_unsubscribe(self._mac_key(UNSUBSCRIBE_KEY), scope)
        return f"{self.public_url}/api/unsubscribe?token={quote(token)}"

    def mac_key(self) -> bytes:
        return self._mac_key(UNSUBSCRIBE_KEY)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _claim(self, record: str) -> bool:
        now = self._now()
        existing = mail_records.claim_send(record, now, now + SEND_RECORD_TTL)
        if existing == mail_records.SENDING:
            logger.warning("an earlier attempt stopped while sending; not sent again",
                           extra={"record": record.split("#")[1]})
        return existing is None

    def suppressed(self, email: str) -> bool:
        return suppression_of(email) is not None


def recipient_of(account: Account) -> Recipient:
    return Recipient(account.user_id, account.email, preferences_of(account))


def preferences_of(account: Account) -> dict[str, bool]:
    prefs = account.notification_prefs
    raw = prefs.as_dict() if hasattr(prefs, "as_dict") else dict(prefs or {})
    return {str(k): bool(v) for k, v in raw.items()}


def suppression_of(email: str) -> Suppression | None:
    found = mail_records.suppression(normalize_email(email))
    return Suppression(found.reason, found.at, None) if found is not None else None


def suppress(email: str, reason: str, at: datetime) -> None:
    """Stop writing to this address (a permanent bounce or a complaint). Kept without TTL."""
    mail_records.suppress(normalize_email(email), reason, at)

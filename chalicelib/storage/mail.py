"""Outgoing e-mail through SES, as raw MIME so headers like List-Unsubscribe can be set."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._ses = aws_client(settings, "ses")
        self._sender = settings.ses_sender

    def send(self, *, to: str, subject: str, text: str, html: str | None = None,
             headers: dict[str, str] | None = None) -> str:
        """Send one message (UTF-8, plain text with an optional HTML part); return its SES id."""
        message = EmailMessage()
        message["From"] = formataddr(("Arhivar", self._sender))
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self._sender.split("@")[-1])
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        with translated_errors("ses"):
            answer = self._ses.send_raw_email(
                Source=self._sender, Destinations=[to], RawMessage={"Data": message.as_bytes()}
            )
        return answer["MessageId"]

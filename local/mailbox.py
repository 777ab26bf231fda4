"""The local mailbox: every e-mail the product sent through SES (moto), newest first."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

import requests

from chalicelib.settings import get_settings

MOTO_ATTEMPTS = 20


@dataclass(frozen=True)
class SentMail:
    source: str
    to: str
    subject: str
    text: str
    html: str | None
    headers: dict[str, str]


def sent_mail() -> list[SentMail]:
    """Read what moto's SES accepted (raw MIME messages and simple ones), newest first."""
    data = _moto_data().get("ses", {})
    mails = [_from_raw(item) for item in data.get("RawMessage", [])]
    mails += [
        SentMail(item["source"], ", ".join(item["destinations"].get("ToAddresses", [])),
                 item.get("subject", ""), item.get("body", ""), None, {})
        for item in data.get("Message", [])
    ]
    return list(reversed(mails))


def _moto_data() -> dict:
    """moto's state dump. It answers 500 while an S3 multipart upload has parts in flight
    (a moto bug; each failing call drops one part), so a few attempts are made."""
    endpoint = get_settings().aws_endpoint_url
    for _ in range(MOTO_ATTEMPTS - 1):
        answer = requests.get(f"{endpoint}/moto-api/data.json", timeout=30)
        if answer.ok:
            return answer.json()
    answer = requests.get(f"{endpoint}/moto-api/data.json", timeout=30)
    answer.raise_for_status()
    return answer.json()


def _from_raw(item: dict) -> SentMail:
    raw = item["raw_data"]
    message = BytesParser(policy=policy.default).parsebytes(
        raw.encode("utf-8") if isinstance(raw, str) else raw)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return SentMail(
        source=item.get("source") or str(message["From"]),
        to=str(message["To"]),
        subject=str(message["Subject"]).strip(),  # a folded long subject starts with a space
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else None,
        headers={name: str(value) for name, value in message.items()},
    )


def render_mailbox() -> str:
    rows = []
    for mail in sent_mail():
        html_view = (f'<iframe sandbox="" srcdoc="{html.escape(mail.html, quote=True)}"></iframe>'
                     if mail.html else "")
        rows.append(
            f"<article><h2>{html.escape(mail.subject)}</h2>"
            f"<p><b>Către:</b> {html.escape(mail.to)} · <b>De la:</b> {html.escape(mail.source)}</p>"
            f"{html_view}<details><summary>Text simplu</summary><pre>{html.escape(mail.text)}</pre>"
            f"</details></article>"
        )
    body = "".join(rows) or "<p>Niciun e-mail trimis încă.</p>"
    return (
        "<!doctype html><html lang='ro'><meta charset='utf-8'><title>E-mailuri trimise (local)</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}article{border:1px solid #ccc;"
        "padding:1rem;margin:1rem 0}iframe{width:100%;height:24rem;border:1px solid #eee}</style>"
        f"<h1>E-mailuri trimise de Arhivar (local)</h1>{body}</html>"
    )

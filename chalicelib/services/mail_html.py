"""The HTML part of Arhivar's e-mails: one plain layout, every interpolated value escaped.

Partner and company names come from third parties (invoices, ANAF's registry): they only ever
enter the markup through `esc`. No images, no scripts, no remote content, no attachments.
"""

from __future__ import annotations

import html
import re

_URL = re.compile(r"https?://[^\s<>\"']+")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def link(url: str, label: str) -> str:
    return f'<a href="{esc(url)}">{esc(label)}</a>'


def text_to_html(text: str) -> str:
    """A plain-text body as HTML paragraphs, its URLs as links (for the simple e-mails)."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        escaped = "<br>".join(esc(line) for line in block.split("\n"))
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append(f"<p>{linked}</p>")
    return "\n".join(paragraphs)


def layout(title: str, body: str, footer: str) -> str:
    """A whole HTML document around a body fragment (already escaped by its author)."""
    return (
        '<!doctype html><html lang="ro"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:640px;'
        'margin:0 auto;padding:16px;line-height:1.45">'
        f'<p style="font-size:18px;font-weight:bold;color:#1d4e89">Arhivar</p>{body}'
        f'<hr style="border:0;border-top:1px solid #d9e2ec;margin:24px 0 8px">'
        f'<div style="font-size:12px;color:#52606d">{footer}</div></body></html>'
    )

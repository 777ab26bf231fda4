"""Readable, safe file names for downloads and the folders of an export ZIP."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from chalicelib.domain.romanian_time import ROMANIA

KIND_FOLDERS = {"received": "Primite", "sent": "Trimise", "error": "Erori",
                "buyer_message": "Mesaje", "unknown": "Altele"}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SEPARATORS = re.compile(r"[/\\:]+")
_RESERVED = re.compile(r'[*?"<>|]')
MAX_NAME = 120


def safe_part(text: str | None) -> str:
    """A piece of a file name: no path separators (they become "-"), no control, bidi or
    reserved characters, no leading dots; diacritics kept."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))
    cleaned = _RESERVED.sub("", _SEPARATORS.sub("-", cleaned))
    return " ".join(cleaned.split()).strip(" .-")


def base_name(*, kind: str, created_at: datetime, message_id: str, issue_date: str | None,
              number: str | None, partner_name: str | None) -> str:
    """"2026-07-03_FCT-1001_ACME SRL" for invoices; "2026-07-03_eroare_<id>" for the rest."""
    if kind in ("received", "sent", "unknown") and number:
        parts = [issue_date or f"{created_at.astimezone(ROMANIA):%Y-%m-%d}", safe_part(number),
                 safe_part(partner_name)]
    else:
        label = {"error": "eroare", "buyer_message": "mesaj"}.get(kind, "document")
        parts = [f"{created_at.astimezone(ROMANIA):%Y-%m-%d}", label, safe_part(message_id)]
    name = "_".join(p for p in parts if p)
    return _shorten(name or safe_part(message_id) or "document", MAX_NAME)


def _shorten(name: str, limit: int) -> str:
    """Cut to `limit` UTF-8 bytes without splitting a character."""
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip(" ._")


DOWNLOAD_EXTENSIONS = {"pdf": "pdf", "xml": "xml", "original": "zip"}


def download_filename(base: str, fmt: str) -> str:
    """The name a download is saved under; the original is ANAF's signed ZIP."""
    suffix = "_original" if fmt == "original" else ""
    return f"{base}{suffix}.{DOWNLOAD_EXTENSIONS[fmt]}"


def zip_folder(kind: str, created_at: datetime, issue_date: str | None) -> str:
    """"Primite/2026-07": the type, then the month of issue (of creation when there is none)."""
    month = issue_date[:7] if issue_date else f"{created_at.astimezone(ROMANIA):%Y-%m}"
    return f"{KIND_FOLDERS.get(kind, 'Altele')}/{month}"

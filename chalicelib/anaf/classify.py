"""Turn ANAF's answers (texts, HTML pages, HTTP statuses) into domain errors.

ANAF words the same situation in several ways (and with typos), so texts are normalised
(lower case, no diacritics, single spaces) and matched by their stable parts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.anaf import errors
from chalicelib.anaf.timezones import next_bucharest_midnight


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


_EMPTY_LIST = re.compile(r"^nu exista mesaje\b")
_DAILY_LIMIT = re.compile(
    r"s-au (facut|incarcat) deja .* in cursul zilei"   # list, download, status, RASP uploads
    r"|ai atins limita .*(astazi|zilei)"               # 'Ai atins limita de 10 descarcari…'
    r"|limita (zilnica|de \d+ .* pe zi)"
)
_NO_SPV = re.compile(r"nu aveti drept in spv|nu exista niciun cif pe?n?tru care sa aveti drept")
_SPV_CIF = re.compile(r"cif\s*=\s*(\d+)")
_EXPIRED = re.compile(r"nu mai poate fi descarcat|perioada de 60 de zile")
_NOT_FOUND = re.compile(r"nu exista (inregistrata )?(nici o|nicio) factura|nu exista factura cu")
_FORBIDDEN = re.compile(r"nu aveti dreptul (sa descarcati|de inte[o]?r[o]?gare|de interogare)")
_TECHNICAL = re.compile(r"a aparut o eroare tehnica")
_TOO_LARGE = re.compile(r"lista de mesaje este mai mare decat")
_INVALID = re.compile(
    r"nu este un numar|trebuie sa fie intre|valorile acceptate|nu poate fi mai vechi"
    r"|nu poate fi <=|nu poate (fi )?in viitor|este mai mare decat numarul|obligatori"
    r"|marime fisier|valoarea acceptata este"
)


def is_empty_list(text: str) -> bool:
    """'Nu exista mesaje in ultimele N zile' / '… in intervalul selectat': not an error."""
    return bool(_EMPTY_LIST.search(normalise(text)))


def classify_business_error(text: str, now: datetime, *,
                            http_status: int | None = 200) -> errors.AnafError:
    """The domain error for an `eroare`/`errorMessage` text from ANAF (never 'no messages')."""
    low = normalise(text)
    if _DAILY_LIMIT.search(low):
        retry_at = next_bucharest_midnight(now)
        return errors.AnafDailyLimitReached(
            text, retry_at=retry_at, retry_after=max(0.0, (retry_at - now).total_seconds()),
            http_status=http_status)
    if _NO_SPV.search(low):
        cif = _SPV_CIF.search(low)
        return errors.AnafNoSpvRights(text, cif=cif.group(1) if cif else None,
                                      http_status=http_status)
    simple: list[tuple[re.Pattern[str], Callable[..., errors.AnafError]]] = [
        (_EXPIRED, errors.AnafMessageExpired),
        (_NOT_FOUND, errors.AnafMessageNotFound),
        (_FORBIDDEN, errors.AnafMessageForbidden),
        (_TECHNICAL, errors.AnafTechnicalError),
        (_TOO_LARGE, errors.AnafListTooLarge),
        (_INVALID, errors.AnafInvalidRequest),
    ]
    for pattern, error in simple:
        if pattern.search(low):
            return error(text, http_status=http_status)
    return errors.AnafRejected(text, http_status=http_status)


# --- HTML pages ---------------------------------------------------------------------------

_SUPPORT_ID = re.compile(r"support id is:?\s*([0-9a-z-]+)")


def looks_like_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type.lower():
        return True
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def classify_html(body: bytes, http_status: int) -> errors.AnafError:
    text = normalise(body[:20000].decode("utf-8", "replace"))
    if "the requested url was rejected" in text or "request rejected" in text:
        support = _SUPPORT_ID.search(text)
        return errors.AnafWafRejected(
            "ANAF's firewall rejected the request", http_status=http_status,
            support_id=support.group(1) if support else None)
    if "mentenanta" in text or "maintenance" in text:
        return errors.AnafMaintenance("ANAF is under maintenance", http_status=http_status)
    return errors.AnafUnexpectedResponse(f"unexpected HTML page (HTTP {http_status})",
                                         http_status=http_status)


# --- JSON ---------------------------------------------------------------------------------

def parse_json_object(body: bytes) -> dict[str, Any] | None:
    """A JSON object, tolerating ANAF's stray trailing '}' (download daily-limit answer)."""
    text = body.decode("utf-8-sig", "replace").strip()
    if not text.startswith("{"):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def spring_error_message(payload: dict[str, Any]) -> str:
    """The useful text of a Spring-style error JSON (`message`, else `error`)."""
    for key in ("message", "eroare", "error_description", "error"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""

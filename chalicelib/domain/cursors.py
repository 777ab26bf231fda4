"""Opaque list cursors: a position, bound to the company and the filter, signed (HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from chalicelib.domain.document_filters import InvalidFilter


class InvalidCursor(InvalidFilter):
    code = "invalid_cursor"
    message_ro = "Poziția în listă nu mai este valabilă. Reîncărcați prima pagină."


@dataclass(frozen=True)
class Cursor:
    key: dict[str, str]  # ExclusiveStartKey (string attributes)
    total: int | None
    total_exact: bool


class CursorSigner:
    """Opaque cursors: the position, bound to the company and the filter, signed (HMAC-SHA256)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def seal(self, cif: str, fingerprint: str, cursor: Cursor) -> str:
        payload = json.dumps({"c": cif, "f": fingerprint, "k": cursor.key, "t": cursor.total,
                              "x": cursor.total_exact}, separators=(",", ":"), ensure_ascii=False)
        body = _b64(payload.encode("utf-8"))
        return f"{body}.{_b64(self._mac(body))}"

    def open(self, token: str, cif: str, fingerprint: str, key_names: tuple[str, ...]) -> Cursor:
        body, _, mac = token.partition(".")
        # Our cursors are ASCII (base64url); compare_digest refuses non-ASCII text (TypeError).
        if not body or len(token) > 4000 or not token.isascii() or not hmac.compare_digest(_b64(self._mac(body)), mac):
            raise InvalidCursor(details={"field": "cursor"})
        try:
            data = json.loads(_unb64(body))
            key = data["k"]
            ok = (data["c"] == cif and data["f"] == fingerprint and isinstance(key, dict)
                  and set(key) == set(key_names) and all(isinstance(v, str) for v in key.values()))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise InvalidCursor(details={"field": "cursor"})
        return Cursor(key=key, total=data.get("t"), total_exact=bool(data.get("x")))

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

"""Conditional reads (issue 15): an `ETag` on document reads, and `304 Not Modified` when the
caller sends it back in `If-None-Match`, for API keys and signed-in users alike.

The validator is a hash of the answer's JSON (canonical: sorted keys, no spaces), so it changes
exactly when the answer would; it costs the read that builds the answer but saves sending it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from chalice import Response


def etag_of(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:40] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against a list of tags, or "*"."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def conditional(if_none_match: str | None, payload: Any, given: dict[str, str]) -> Response:
    """200 with the payload and its ETag, or an empty 304 when the caller already has it."""
    etag = etag_of(payload)
    headers: dict[str, str | list[str]] = {**given, "ETag": etag}
    if matches(if_none_match, etag):
        return Response(status_code=304, body="", headers=headers)
    return Response(status_code=200, body=payload, headers=headers)

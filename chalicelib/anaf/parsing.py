"""Parse ANAF bodies (JSON envelopes, XML headers, ZIP bytes) into typed values or errors."""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import datetime
from typing import Any

import requests
from lxml import etree

from chalicelib.anaf import errors
from chalicelib.anaf.classify import (
    classify_business_error,
    classify_html,
    looks_like_html,
    parse_json_object,
    spring_error_message,
)
from chalicelib.anaf.models import AnafMessage, MessageKind
from chalicelib.anaf.timezones import parse_anaf_timestamp

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              huge_tree=False, remove_blank_text=True)


def decode_api_response(response: requests.Response, now: datetime) -> dict[str, Any] | None:
    """Common handling of an API answer that is not the expected success body.

    Raises for HTML pages (WAF, maintenance), 4xx (Spring JSON: invalid request, or a known
    business text) and odd statuses. For HTTP 200 returns the JSON object, or None when the
    body is not JSON; the caller decides what a 200 means.
    """
    status = response.status_code
    body = response.content or b""
    if looks_like_html(body, response.headers.get("Content-Type", "")):
        raise classify_html(body, status)
    payload = parse_json_object(body)
    if status == 200:
        return payload
    if 400 <= status < 500:
        message = spring_error_message(payload) if payload else ""
        if not message:
            raise errors.AnafInvalidRequest(f"ANAF refused the request (HTTP {status})",
                                            http_status=status)
        failure = classify_business_error(message, now, http_status=status)
        if type(failure) is errors.AnafRejected:
            raise errors.AnafInvalidRequest(message, http_status=status)
        raise failure
    raise errors.AnafUnexpectedResponse(f"unexpected HTTP {status} from ANAF",
                                        http_status=status)


def parse_message(item: Any) -> AnafMessage:
    """One entry of `mesaje`."""
    if not isinstance(item, dict):
        raise errors.AnafUnexpectedResponse("a list entry is not an object")
    try:
        tip = str(item.get("tip") or "")
        return AnafMessage(id=str(item["id"]), upload_index=str(item.get("id_solicitare") or ""),
                           cif=str(item.get("cif") or ""),
                           created_at=parse_anaf_timestamp(str(item["data_creare"])),
                           kind=MessageKind.from_tip(tip), details=str(item.get("detalii") or ""),
                           tip=tip)
    except (KeyError, ValueError) as exc:
        raise errors.AnafUnexpectedResponse(f"malformed list entry: {exc}") from None


def split_cifs(payload: dict[str, Any]) -> tuple[str, ...]:
    """The envelope's `cui`: comma-separated identifiers the holder has SPV rights on."""
    raw = payload.get("cui")
    if raw is None:
        return ()
    return tuple(part.strip() for part in str(raw).split(",") if part.strip())


def parse_xml_root(body: bytes) -> Any | None:
    """The root element of an XML answer (hardened parser), or None if not XML."""
    if not body.lstrip().startswith(b"<"):
        return None
    if b"<!doctype" in body[:4096].lower():
        return None   # ANAF's answers never carry a DTD; refusing one rules out entity tricks
    try:
        return etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError:
        return None


def check_zip(content: bytes) -> tuple[str, ...]:
    """Structural ZIP check without extracting: central directory readable, CRCs right.

    Returns the member names; raises AnafCorruptZip otherwise. (The archive engine does the
    deep checks: exactly the two expected members, sizes, names.)
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = tuple(info.filename for info in archive.infolist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError) as exc:
        raise errors.AnafCorruptZip(f"not a valid ZIP ({len(content)} bytes): {exc}") from None
    if broken is not None:
        raise errors.AnafCorruptZip(f"ZIP member {broken!r} fails its CRC check")
    if not names:
        raise errors.AnafCorruptZip("the ZIP has no members")
    return names

"""The e-Factura REST API (api.anaf.ro/{prod|test}/FCTEL/rest): lists, download, status, upload.

One `EFacturaClient` serves one ANAF credential; it asks its token provider for the access
token on every call and never keeps it anywhere else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from chalicelib.anaf import errors
from chalicelib.anaf.classify import classify_business_error, is_empty_list
from chalicelib.anaf.http import AnafHttp
from chalicelib.anaf.models import (
    AnafMessage,
    DownloadedZip,
    MessageFilter,
    MessageListing,
    MessagePage,
    MessageState,
    MessageStatus,
    UploadReceipt,
    UploadStandard,
)
from chalicelib.anaf.parsing import check_zip, decode_api_response, parse_message, parse_xml_root, split_cifs
from chalicelib.anaf.timezones import parse_anaf_timestamp, to_epoch_millis
from chalicelib.settings import Settings

TokenProvider = Callable[[], str]


class EFacturaClient:
    def __init__(self, http: AnafHttp, *, api_url: str, access_token: TokenProvider | str) -> None:
        self._http = http
        self._api_url = api_url.rstrip("/")
        self._token: TokenProvider = (
            access_token if callable(access_token) else _constant(access_token))

    def __repr__(self) -> str:
        return f"EFacturaClient(api_url={self._api_url!r})"

    @classmethod
    def from_settings(cls, settings: Settings, http: AnafHttp,
                      access_token: TokenProvider | str) -> EFacturaClient:
        return cls(http, api_url=settings.anaf_api_url, access_token=access_token)

    # -- lists -----------------------------------------------------------------------------

    def list_messages(self, cif: str, days: int,
                      filter: MessageFilter | None = None) -> MessageListing:
        """The simple list (`listaMesajeFactura`) of the last `days` (1..60) days.

        Raises AnafListTooLarge above 500 messages: page with `list_messages_page` then.
        """
        if not 1 <= days <= 60:
            raise ValueError("days must be between 1 and 60")
        params: dict[str, Any] = {"zile": days, "cif": cif}
        if filter is not None:
            params["filtru"] = filter.value
        payload = self._get_json("/listaMesajeFactura", params)
        if payload is None:
            return MessageListing(messages=(), holder_cifs=(), serial=None)
        return MessageListing(messages=_messages(payload), holder_cifs=split_cifs(payload),
                              serial=_serial(payload))

    def list_messages_page(self, cif: str, start: datetime, end: datetime, page: int = 1,
                           filter: MessageFilter | None = None) -> MessagePage:
        """One page (1-based, 500 messages) of `listaMesajePaginatieFactura`.

        Sent as given (no clamping: the caller keeps the window inside ANAF's 60 days, as the
        sync does): ANAF's own validation errors become AnafInvalidRequest. ANAF's page index
        is unreliable: callers count pages themselves, up to `total_pages`.
        """
        params: dict[str, Any] = {"startTime": to_epoch_millis(start),
                                  "endTime": to_epoch_millis(end), "cif": cif, "pagina": page}
        if filter is not None:
            params["filtru"] = filter.value
        payload = self._get_json("/listaMesajePaginatieFactura", params)
        if payload is None:
            return MessagePage(messages=(), page=page, total_pages=0, total_records=0,
                               holder_cifs=(), serial=None)
        return MessagePage(messages=_messages(payload), page=page,
                           total_pages=_int(payload, "numar_total_pagini"),
                           total_records=_int(payload, "numar_total_inregistrari"),
                           holder_cifs=split_cifs(payload), serial=_serial(payload))

    # -- one message -----------------------------------------------------------------------

    def download(self, message_id: str) -> DownloadedZip:
        """The ZIP of a message, byte for byte, after a structural check (no extraction)."""
        response = self._send("GET", "/descarcare", params={"id": message_id})
        content = response.content or b""
        content_type = response.headers.get("Content-Type", "")
        if response.status_code == 200 and (content[:2] == b"PK" or "zip" in content_type):
            names = check_zip(content)
            return DownloadedZip(message_id=str(message_id), content=content,
                                 sha256=hashlib.sha256(content).hexdigest(),
                                 member_names=names)
        payload = decode_api_response(response, self._http.clock.now())
        if payload and payload.get("eroare"):
            raise classify_business_error(str(payload["eroare"]), self._http.clock.now())
        raise errors.AnafCorruptZip(
            f"download answer is neither a ZIP nor an ANAF error "
            f"({len(content)} bytes, {content_type or 'no content type'})",
            http_status=response.status_code)

    def message_status(self, upload_index: str) -> MessageStatus:
        """`stareMesaj`: where an uploaded file is in ANAF's processing."""
        response = self._send("GET", "/stareMesaj", params={"id_incarcare": upload_index})
        root = self._xml(response)
        problems = _error_messages(root)
        state = root.get("stare")
        if problems and not state:
            raise classify_business_error(problems[0], self._http.clock.now())
        try:
            parsed = MessageState(" ".join((state or "").split()))
        except ValueError:
            raise errors.AnafUnexpectedResponse(f"unknown stare {state!r}") from None
        return MessageStatus(upload_index=str(upload_index), state=parsed,
                             download_id=root.get("id_descarcare") or None)

    def upload(self, xml: bytes, cif: str, standard: UploadStandard = UploadStandard.UBL, *,
               b2c: bool = False, extern: bool = False, self_billed: bool = False,
               enforcement: bool = False) -> UploadReceipt:
        """Upload an invoice/credit note/buyer message. Never retried once sent."""
        params: dict[str, str] = {"standard": standard.value, "cif": cif}
        for flag, name in ((extern, "extern"), (self_billed, "autofactura"),
                           (enforcement, "executare")):
            if flag:
                params[name] = "DA"
        response = self._send("POST", "/uploadb2c" if b2c else "/upload", params=params,
                              data=xml, idempotent=False,
                              content_type="text/plain; charset=utf-8")
        root = self._xml(response)
        problems = _error_messages(root)
        if root.get("ExecutionStatus") == "0" and root.get("index_incarcare"):
            stamp = root.get("dateResponse")
            return UploadReceipt(upload_index=root.get("index_incarcare", ""),
                                 response_date=parse_anaf_timestamp(stamp) if stamp else None)
        first = problems[0] if problems else "upload rejected without a message"
        failure = classify_business_error(first, self._http.clock.now())
        if type(failure) is errors.AnafRejected:
            raise errors.AnafUploadRejected(first, errors=tuple(problems),
                                            upload_index=root.get("index_incarcare") or None)
        raise failure

    # -- transport -------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, params: dict[str, Any], data: Any = None,
              idempotent: bool = True, content_type: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._token()}"}
        if content_type:
            headers["Content-Type"] = content_type
        response = self._http.request(method, self._api_url + path, params=params,
                                      headers=headers, data=data, idempotent=idempotent)
        if response.status_code in (401, 403):
            raise errors.AnafTokenRejected(
                f"ANAF refused the access token (HTTP {response.status_code})",
                http_status=response.status_code)
        return response

    def _get_json(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """A list envelope, or None for ANAF's 'no messages' answer."""
        response = self._send("GET", path, params=params)
        payload = decode_api_response(response, self._http.clock.now())
        if payload is None:
            raise errors.AnafUnexpectedResponse(
                f"expected JSON from {path} (HTTP {response.status_code})",
                http_status=response.status_code)
        eroare = payload.get("eroare")
        if eroare:
            if is_empty_list(str(eroare)):
                return None
            raise classify_business_error(str(eroare), self._http.clock.now())
        if not isinstance(payload.get("mesaje", []), list):
            raise errors.AnafUnexpectedResponse(f"no message list in the answer from {path}")
        return payload

    def _xml(self, response: requests.Response) -> Any:
        if response.status_code == 200:
            root = parse_xml_root(response.content or b"")
            if root is not None:
                return root
        payload = decode_api_response(response, self._http.clock.now())
        if payload and payload.get("eroare"):
            raise classify_business_error(str(payload["eroare"]), self._http.clock.now())
        raise errors.AnafUnexpectedResponse(
            f"expected XML (HTTP {response.status_code})", http_status=response.status_code)


def _constant(token: str) -> TokenProvider:
    return lambda: token


def _messages(payload: dict[str, Any]) -> tuple[AnafMessage, ...]:
    return tuple(parse_message(item) for item in payload.get("mesaje") or ())


def _serial(payload: dict[str, Any]) -> str | None:
    serial = payload.get("serial")
    return str(serial) if serial else None


def _int(payload: dict[str, Any], key: str) -> int:
    try:
        return int(payload.get(key) or 0)
    except (TypeError, ValueError):
        raise errors.AnafUnexpectedResponse(f"{key} is not a number") from None


def _error_messages(root: Any) -> list[str]:
    return [el.get("errorMessage", "").strip() for el in root.iter()
            if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] in ("Errors", "Error")
            and el.get("errorMessage")]

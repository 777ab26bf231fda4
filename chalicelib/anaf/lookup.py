"""Public company lookup: POST webservicesp.anaf.ro/api/PlatitorTvaRest/v9/tva (no auth).

ANAF's rules: at most 100 CUIs per request and at most one request per second per client.
`CompanyLookup` batches and spaces its requests itself (the injectable clock measures and
sleeps). One instance per process keeps the spacing across calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from chalicelib.anaf import errors
from chalicelib.anaf.classify import classify_html, looks_like_html, parse_json_object
from chalicelib.anaf.http import AnafHttp, RetryPolicy
from chalicelib.anaf.models import CompanyRecord, LookupResult
from chalicelib.anaf.timezones import BUCHAREST
from chalicelib.settings import Settings

LOOKUP_PATH = "/api/PlatitorTvaRest/v9/tva"
MAX_BATCH = 100
MIN_INTERVAL_S = 1.0
# Retries count against the 1 request/second rule too: the first backoff is at least 1 s.
LOOKUP_RETRY = RetryPolicy(max_attempts=3, base_delay=2.0, max_delay=8.0)


class CompanyLookup:
    def __init__(self, http: AnafHttp, *, public_url: str,
                 min_interval_s: float = MIN_INTERVAL_S, batch_size: int = MAX_BATCH) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
        self._http = http
        self._url = public_url.rstrip("/") + LOOKUP_PATH
        self._min_interval = min_interval_s
        self._batch = batch_size
        self._last_call: float | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, http: AnafHttp) -> CompanyLookup:
        return cls(http, public_url=settings.anaf_public_url)

    def lookup(self, cuis: Iterable[str | int], on: date | None = None) -> LookupResult:
        """Public data for every CUI (duplicates asked once), evaluated on day `on`."""
        day = (on or self._http.clock.now().astimezone(BUCHAREST).date()).isoformat()
        wanted = list(dict.fromkeys(_cui_number(cui) for cui in cuis))
        found: list[CompanyRecord] = []
        not_found: list[str] = []
        for offset in range(0, len(wanted), self._batch):
            batch = wanted[offset:offset + self._batch]
            records, missing = self._call([{"cui": cui, "data": day} for cui in batch])
            found.extend(records)
            not_found.extend(missing)
        return LookupResult(found=tuple(found), not_found=tuple(not_found))

    def lookup_one(self, cui: str | int, on: date | None = None) -> CompanyRecord | None:
        result = self.lookup([cui], on)
        return result.found[0] if result.found else None

    def _call(self, body: list[dict[str, Any]]) -> tuple[list[CompanyRecord], list[str]]:
        with self._lock:
            self._wait_turn()
            try:
                response = self._http.request("POST", self._url, json=body,
                                              headers={"Accept": "application/json"},
                                              retry=LOOKUP_RETRY)
            finally:
                self._last_call = self._http.clock.monotonic()
        content = response.content or b""
        if looks_like_html(content, response.headers.get("Content-Type", "")):
            raise classify_html(content, response.status_code)
        payload = parse_json_object(content)
        # 404 with found/notFound is how ANAF's newer services say "none found".
        if payload is None or "found" not in payload or response.status_code not in (200, 404):
            if response.status_code == 400:
                raise errors.AnafInvalidRequest(str((payload or {}).get("message") or
                                                    "lookup request refused"), http_status=400)
            raise errors.AnafUnexpectedResponse(
                f"unexpected lookup answer (HTTP {response.status_code})",
                http_status=response.status_code)
        records = [parse_company(item) for item in payload.get("found") or ()]
        missing = [str(cui) for cui in payload.get("notFound") or ()]
        return records, missing

    def _wait_turn(self) -> None:
        if self._last_call is None:
            return
        wait = self._min_interval - (self._http.clock.monotonic() - self._last_call)
        if wait > 0:
            self._http.clock.sleep(wait)


def _cui_number(cui: str | int) -> int:
    text = str(cui).strip().upper().removeprefix("RO").strip()
    if not (text.isascii() and text.isdigit()) or not 2 <= len(text) <= 10:
        raise ValueError(f"not a CUI: {cui!r}")
    return int(text)


def parse_company(item: Mapping[str, Any]) -> CompanyRecord:
    """One `found` entry of the v9 answer."""
    general = _section(item, "date_generale")
    vat = _section(item, "inregistrare_scop_Tva")
    on_collection = _section(item, "inregistrare_RTVAI")
    inactive = _section(item, "stare_inactiv")
    if "cui" not in general:
        raise errors.AnafUnexpectedResponse("lookup entry without date_generale.cui")
    return CompanyRecord(
        cif=str(general.get("cui")),
        name=str(general.get("denumire") or "").strip(),
        address=str(general.get("adresa") or "").strip(),
        registration_number=str(general.get("nrRegCom") or "").strip(),
        registration_status=str(general.get("stare_inregistrare") or "").strip(),
        vat_payer=vat.get("scpTVA") is True,
        vat_on_collection=on_collection.get("statusTvaIncasare") is True,
        efactura_registered=general.get("statusRO_e_Factura") is True,
        inactive=inactive.get("statusInactivi") is True,
        radiated=bool(str(inactive.get("dataRadiere") or "").strip()),
        raw=dict(item))


def _section(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = item.get(key)
    return value if isinstance(value, Mapping) else {}

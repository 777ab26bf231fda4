"""Helpers for tests and local tools: a running sandbox and the OAuth dance over HTTP.

    with running_sandbox() as sb:
        tokens = sb.tokens_for(sb.certificates()[0]["serial"])
        requests.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 60, "cif": cif},
                     headers={"Authorization": f"Bearer {tokens['access_token']}"})
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import requests

from .config import SandboxConfig
from .server import BackgroundServer


class SandboxHandle:
    """A running sandbox: its URLs, its registered client, and the admin API."""

    def __init__(self, server: BackgroundServer) -> None:
        self.server = server
        self.sandbox = server.sandbox
        client = server.sandbox.config.clients[0]
        self.base_url = server.base_url
        self.api_url = self.base_url + "/prod/FCTEL/rest"
        self.test_api_url = self.base_url + "/test/FCTEL/rest"
        self.oauth_url = self.base_url + "/anaf-oauth2/v1"
        self.lookup_url = self.base_url + "/api/PlatitorTvaRest/v9/tva"
        self.client_id = client.client_id
        self.client_secret = client.client_secret
        self.redirect_uri = client.redirect_uris[0]
        self.http = requests.Session()

    # -- admin API ----------------------------------------------------------------------
    def admin(self, method: str, path: str, json: dict | None = None, **params) -> dict:
        """Call ``/__sandbox/<path>`` and return its JSON (raises on HTTP errors)."""
        url = f"{self.base_url}/__sandbox/{path.lstrip('/')}"
        response = self.http.request(method, url, json=json, params=params or None, timeout=30)
        response.raise_for_status()
        return response.json()

    def world(self) -> dict:
        return self.admin("GET", "world")

    def certificates(self) -> list[dict]:
        return self.world()["certificates"]

    def messages(self, cif: str, **params) -> dict:
        return self.admin("GET", "messages", cif=cif, **params)

    def advance_clock(self, seconds: float) -> dict:
        return self.admin("POST", "clock", {"advance_s": seconds})

    def add_invoices(self, **spec) -> dict:
        return self.admin("POST", "invoices", spec)

    def add_fault(self, kind: str, **spec) -> dict:
        return self.admin("POST", "faults", {"kind": kind, **spec})

    def clear_faults(self) -> dict:
        return self.admin("DELETE", "faults")

    def set_limit(self, kind: str, key: str, used: int | None = None, exhaust: bool = False) -> dict:
        body: dict = {"kind": kind, "key": key, "exhaust": exhaust}
        if used is not None:
            body["used"] = used
        return self.admin("POST", "limits", body)

    def revoke(self, token: str | None = None, serial: str | None = None) -> dict:
        return self.admin("POST", "tokens/revoke", {"token": token, "serial": serial})

    def reset(self) -> dict:
        return self.admin("POST", "reset")

    # -- OAuth over HTTP ----------------------------------------------------------------
    def authorize(self, certificate_serial: str, state: str = "sandbox-state") -> str:
        """Open the authorize page, pick the certificate, return the code from the redirect."""
        params = {
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
            "token_content_type": "jwt", "state": state,
        }
        page = self.http.get(f"{self.oauth_url}/authorize", params=params, timeout=30)
        page.raise_for_status()
        answer = self.http.post(
            f"{self.oauth_url}/authorize",
            data={**params, "certificate": certificate_serial, "action": "login"},
            allow_redirects=False, timeout=30,
        )
        location = answer.headers.get("Location", "")
        query = parse_qs(urlsplit(location).query)
        if answer.status_code != 302 or "code" not in query:
            raise RuntimeError(f"authorize failed: {answer.status_code} {location}")
        if query.get("state") != [state]:
            raise RuntimeError(f"state not echoed: {location}")
        return query["code"][0]

    def exchange(self, code: str) -> dict:
        response = self.http.post(
            f"{self.oauth_url}/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                  "token_content_type": "jwt"},
            auth=(self.client_id, self.client_secret), timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def tokens_for(self, certificate_serial: str) -> dict:
        """The full dance: authorize with this certificate, exchange the code, return tokens."""
        return self.exchange(self.authorize(certificate_serial))

    def bearer(self, certificate_serial: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens_for(certificate_serial)['access_token']}"}


@contextlib.contextmanager
def running_sandbox(config: SandboxConfig | None = None) -> Iterator[SandboxHandle]:
    """Serve a sandbox on 127.0.0.1 (free port) for the duration of the block."""
    server = BackgroundServer(config or SandboxConfig()).start()
    handle = SandboxHandle(server)
    try:
        yield handle
    finally:
        handle.http.close()
        server.stop()

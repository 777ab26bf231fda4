"""OAuth 2.0 against logincert.anaf.ro: authorize URL, code exchange, rotating refresh.

Concurrency contract for `refresh` (the caller persists atomically):
ANAF rotates the refresh token on every refresh, so the new pair must be stored before it
is used or returned. `refresh(old_refresh_token, on_rotated)` calls `on_rotated(new_pair)`
as soon as ANAF answers, and returns the pair only if the callback returns normally. If the
callback raises, `refresh` raises that same exception and the pair is not returned; the
caller must then not use it. A safe callback is a compare-and-swap: "store the new pair
only if the stored refresh token is still `old_refresh_token`" (a conditional write). If
the swap loses, another worker refreshed concurrently; the caller reloads the stored pair and
uses that one. Likewise, on `AnafReauthorizationRequired` the caller should reload once
before asking the person to re-authorise: the grant may have been spent by another worker.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from chalicelib.anaf import errors
from chalicelib.anaf.classify import classify_html, looks_like_html, parse_json_object
from chalicelib.anaf.http import AnafHttp
from chalicelib.anaf.models import TokenPair
from chalicelib.settings import Settings

AUTHORIZE_PATH = "/anaf-oauth2/v1/authorize"
TOKEN_PATH = "/anaf-oauth2/v1/token"

ACCESS_LIFETIME = timedelta(days=90)     # 129 600 min, ANAF's OAuth procedure p.29
REFRESH_LIFETIME = timedelta(days=365)   # 525 600 min

OnRotated = Callable[[TokenPair], None]


class AnafOAuthClient:
    def __init__(self, http: AnafHttp, *, oauth_url: str, client_id: str, client_secret: str,
                 redirect_uri: str) -> None:
        self._http = http
        self._oauth_url = oauth_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri

    def __repr__(self) -> str:
        return f"AnafOAuthClient(oauth_url={self._oauth_url!r}, client_id=***)"

    @classmethod
    def from_settings(cls, settings: Settings, client_secret: str, http: AnafHttp) -> AnafOAuthClient:
        return cls(http, oauth_url=settings.anaf_oauth_url, client_id=settings.anaf_client_id,
                   client_secret=client_secret, redirect_uri=settings.anaf_redirect_uri)

    def authorization_url(self, state: str) -> str:
        """Where to send the person's browser (it will ask for the USB certificate)."""
        query = urlencode({"response_type": "code", "client_id": self._client_id,
                           "redirect_uri": self._redirect_uri, "token_content_type": "jwt",
                           "state": state})
        return f"{self._oauth_url}{AUTHORIZE_PATH}?{query}"

    def exchange_code(self, code: str) -> TokenPair:
        """Trade the authorisation code (valid 60 s, single use) for a token pair."""
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self._redirect_uri, "token_content_type": "jwt"}
        return self._token_call(form, secrets=(code,))

    def refresh(self, refresh_token: str, on_rotated: OnRotated) -> TokenPair:
        """Get a new pair; persist it through `on_rotated` BEFORE it is returned.

        If `on_rotated` raises, this raises the same exception (see the module docstring).
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        pair = self._token_call(form, secrets=(refresh_token,), previous_refresh=refresh_token)
        on_rotated(pair)
        return pair

    # -- internals -------------------------------------------------------------------------

    def _token_call(self, form: dict[str, str], *, secrets: tuple[str, ...],
                    previous_refresh: str | None = None) -> TokenPair:
        hidden = (*secrets, self._client_secret)
        response = self._http.request(
            "POST", self._oauth_url + TOKEN_PATH, idempotent=False, data=form,
            auth=(self._client_id, self._client_secret),
            headers={"Accept": "application/json"})
        payload = parse_json_object(response.content or b"")
        if response.status_code == 200 and payload and payload.get("access_token"):
            return self._pair(payload, previous_refresh)
        raise _token_error(response, payload, hidden)

    def _pair(self, payload: dict[str, Any], previous_refresh: str | None) -> TokenPair:
        token_type = str(payload.get("token_type") or "Bearer")
        if token_type.lower() != "bearer":
            raise errors.AnafUnexpectedResponse(f"unsupported token_type {token_type!r}")
        now = self._http.clock.now()
        access = str(payload["access_token"])
        refresh = str(payload.get("refresh_token") or previous_refresh or "")
        if not refresh:
            raise errors.AnafUnexpectedResponse("token answer without refresh_token")
        claims = jwt_claims(access)
        access_exp = _expiry(now, payload.get("expires_in"), claims, ACCESS_LIFETIME)
        refresh_exp = _expiry(now, payload.get("refresh_token_expires_in"),
                              jwt_claims(refresh), REFRESH_LIFETIME)
        serial = claims.get("serial")
        return TokenPair(access_token=access, refresh_token=refresh,
                         access_expires_at=access_exp, refresh_expires_at=refresh_exp,
                         serial=str(serial) if serial else None, token_type="Bearer",
                         obtained_at=now)


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (we only read expiry and serial); {} if not a JWT.

    The signature is ANAF's business; the token reaches us straight from ANAF over TLS.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _expiry(now: datetime, expires_in: Any, claims: dict[str, Any],
            default: timedelta) -> datetime:
    try:
        if expires_in is not None and int(expires_in) > 0:
            return now + timedelta(seconds=int(expires_in))
    except (TypeError, ValueError):
        pass
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp > 0:
        return datetime.fromtimestamp(exp, UTC)
    return now + default


def _scrub(text: str, hidden: tuple[str, ...]) -> str:
    for secret in hidden:
        if secret:
            text = text.replace(secret, "***")
    return text


def _token_error(response: requests.Response, payload: dict[str, Any] | None,
                 hidden: tuple[str, ...]) -> errors.AnafError:
    status = response.status_code
    body = response.content or b""
    if payload and payload.get("error"):
        code = str(payload.get("error"))
        description = str(payload.get("error_description") or "")
        message = _scrub(f"{code}: {description}".rstrip(": "), hidden)
        if code == "invalid_grant":
            return errors.AnafReauthorizationRequired(message, http_status=status)
        if code in ("invalid_client", "unauthorized_client"):
            return errors.AnafClientInvalid(message, http_status=status)
        return errors.AnafInvalidRequest(message, http_status=status)
    if looks_like_html(body, response.headers.get("Content-Type", "")):
        return classify_html(body, status)
    if status in (401, 403):
        return errors.AnafClientInvalid(f"token endpoint refused us (HTTP {status})",
                                        http_status=status)
    if 300 <= status < 400:
        return errors.AnafUnexpectedResponse(f"token endpoint redirected (HTTP {status})",
                                             http_status=status)
    return errors.AnafUnexpectedResponse(f"unexpected token answer (HTTP {status})",
                                         http_status=status)

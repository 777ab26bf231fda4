"""Verifying Cognito access tokens: signature against the pool's JWKS, issuer, client,
expiry and token use. The same code runs in AWS and locally (where the JWKS comes from moto's
Cognito at the configured endpoint)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jwt

from chalicelib.domain.errors import NotAuthenticated
from chalicelib.settings import Settings

_COGNITO_HOST = "https://cognito-idp.{region}.amazonaws.com"
_LEEWAY_S = 30


@dataclass(frozen=True)
class Principal:
    user_id: str  # Cognito `sub`
    access_token: str  # empty for a request made with an API key (it acts as its creator)


class AccessTokenVerifier:
    def __init__(self, settings: Settings, session_active: Callable[[str, str], bool]) -> None:
        """`session_active(user_id, session_id)` says whether the token's session (Cognito's
        `origin_jti`) is still open: signing out and changing the password close it at once,
        although the token itself stays valid until it expires."""
        self._session_active = session_active
        host = _COGNITO_HOST.format(region=settings.region)
        self._issuer = f"{host}/{settings.cognito_user_pool_id}"
        keys_host = settings.aws_endpoint_url or host
        self._jwks = jwt.PyJWKClient(
            f"{keys_host.rstrip('/')}/{settings.cognito_user_pool_id}/.well-known/jwks.json",
            cache_keys=True, lifespan=3600, timeout=5)
        self._client_id = settings.cognito_client_id

    def verify(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=["RS256"], issuer=self._issuer, leeway=_LEEWAY_S,
                options={"require": ["exp", "iss", "sub", "token_use", "client_id"],
                         "verify_aud": False})  # access tokens carry client_id, not aud
        except (jwt.PyJWTError, jwt.PyJWKClientError) as error:
            raise NotAuthenticated() from error
        if claims["token_use"] != "access" or claims["client_id"] != self._client_id:
            raise NotAuthenticated()
        session_id = claims.get("origin_jti") or claims.get("jti")
        if not session_id or not self._session_active(claims["sub"], session_id):
            raise NotAuthenticated()
        return Principal(user_id=claims["sub"], access_token=token)

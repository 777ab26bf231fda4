"""Authorization codes and JWT tokens as logincert.anaf.ro issues them.

- codes: valid 60 s on the sandbox clock, single use, bound to client and redirect URI;
- access tokens: RS512 JWT, iss https://logincert.anaf.ro, ``serial``, ``scope``, iat/nbf/exp,
  90 days (129 600 min);
- refresh tokens: RS512 JWT, 365 days, rotating: each refresh returns a new pair and the
  old refresh token stops working. Whether the new one restarts its 365 days is
  UNCONFIRMED; here it does (sandbox choice).

The signing key is SANDBOX ONLY (``certs/sandbox-oauth-jwt.key.pem``).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization

ISSUER = "https://logincert.anaf.ro"
KID = "sandbox_anaf_2026"
SCOPE = "clientappid info issuer role serial"
ROLES = ["EFACTURA", "ETRANSPORT", "SRV_EFACTURA", "HELLO"]
ACCESS_TTL_S = 129_600 * 60  # 90 days
REFRESH_TTL_S = 525_600 * 60  # 365 days
CODE_TTL_S = 60

_KEY_FILE = Path(__file__).resolve().parent / "certs" / "sandbox-oauth-jwt.key.pem"


@cache
def _private_key():
    return serialization.load_pem_private_key(_KEY_FILE.read_bytes(), None)


@cache
def public_key_pem() -> bytes:
    return _private_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    serial: str
    issued_s: float


@dataclass(frozen=True)
class AccessClaims:
    client_id: str
    serial: str
    jti: str


class TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class Tokens:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._live_refresh: set[str] = set()
        self._revoked: set[str] = set()
        self._revoked_serials: dict[str, float] = {}

    # -- codes --------------------------------------------------------------------------
    def new_code(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = grant
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, now_s: float) -> Grant:
        with self._lock:
            grant = self._codes.pop(code, None)  # single use, even when it fails below
        if grant is None:
            raise TokenError("invalid_grant", "Invalid authorization code")
        if now_s - grant.issued_s > CODE_TTL_S:
            raise TokenError("invalid_grant", "Authorization code expired")
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise TokenError("invalid_grant", "Authorization code was issued to another client or redirect_uri")
        return grant

    # -- tokens -------------------------------------------------------------------------
    def _jwt(self, client_id: str, serial: str, now_s: float, ttl: int, use: str) -> tuple[str, str]:
        jti = str(uuid.uuid4())
        claims = {
            "iss": ISSUER,
            "sub": serial,
            "aud": [client_id],
            "clientappid": client_id,
            "serial": serial,
            "issuer": "CN=Arhivar Sandbox Qualified CA,O=Arhivar Sandbox,C=RO",
            "role": ROLES,
            "scope": SCOPE,
            "token_use": use,
            "iat": int(now_s),
            "nbf": int(now_s),
            "exp": int(now_s) + ttl,
            "jti": jti,
        }
        return jwt.encode(claims, _private_key(), algorithm="RS512", headers={"kid": KID}), jti

    def issue(self, client_id: str, serial: str, now_s: float) -> dict:
        access, _ = self._jwt(client_id, serial, now_s, ACCESS_TTL_S, "access")
        refresh, rjti = self._jwt(client_id, serial, now_s, REFRESH_TTL_S, "refresh")
        with self._lock:
            self._live_refresh.add(rjti)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expires_in": ACCESS_TTL_S,  # value UNCONFIRMED; the documented 90 days
        }

    def _decode(self, token: str, now_s: float, use: str) -> dict:
        try:
            claims = jwt.decode(
                token, public_key_pem(), algorithms=["RS512"], issuer=ISSUER,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenError("invalid_grant", f"Invalid token: {exc}") from exc
        if claims.get("token_use") != use:
            raise TokenError("invalid_grant", "Wrong token type")
        if not claims["nbf"] <= now_s < claims["exp"]:
            raise TokenError("invalid_grant", "Token expired")
        with self._lock:
            if claims["jti"] in self._revoked:
                raise TokenError("invalid_grant", "Token revoked")
            cut = self._revoked_serials.get(claims["serial"])
        if cut is not None and claims["iat"] <= cut:
            raise TokenError("invalid_grant", "Token revoked")
        return claims

    def refresh(self, refresh_token: str, client_id: str, now_s: float) -> dict:
        claims = self._decode(refresh_token, now_s, "refresh")
        if claims["clientappid"] != client_id:
            raise TokenError("invalid_grant", "Refresh token was issued to another client")
        with self._lock:
            if claims["jti"] not in self._live_refresh:
                raise TokenError("invalid_grant", "Refresh token already used")
            self._live_refresh.discard(claims["jti"])
        return self.issue(client_id, claims["serial"], now_s)

    def check_access(self, token: str, now_s: float) -> AccessClaims:
        claims = self._decode(token, now_s, "access")
        return AccessClaims(claims["clientappid"], claims["serial"], claims["jti"])

    # -- revocation (admin) -------------------------------------------------------------
    def revoke_token(self, token: str) -> None:
        claims = jwt.decode(token, options={"verify_signature": False})
        with self._lock:
            self._revoked.add(claims["jti"])
            self._live_refresh.discard(claims["jti"])

    def revoke_serial(self, serial: str, now_s: float) -> None:
        with self._lock:
            self._revoked_serials[serial] = now_s

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._revoked.clear()
            self._revoked_serials.clear()

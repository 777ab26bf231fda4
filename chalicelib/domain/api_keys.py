"""API keys for integrators (issue 15): the secret's shape, its hash, what a new key may be,
and what a key may reach. Pure: no I/O.

A secret is "arh_<key id>_<43 characters>": the key id (10 lowercase base-32 characters) is the
short public prefix that names the key in lists and logs; the rest is 256 random bits. Only the
SHA-256 of the whole secret is stored. A plain hash is enough (and a slow password hash or a
server pepper would add nothing) because the secret is not chosen by a person: 256 random bits
cannot be guessed from the hash, and a fast hash keeps checking a key on every request cheap.

A key acts for its company with its creator's membership, narrowed to its scopes: it works while
its creator is an active owner or admin of the company, and never reaches the routes that have
no scope (account, members, keys, ANAF authorization: the OpenAPI document is the one list).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.errors import ArhivarError, NotAllowed, NotAuthenticated, ValidationFailed

SCOPES = ("documents:read", "exports:write", "sync:write")
SCHEME = "apikey"  # Authorization: ApiKey <secret> (the scheme is case-insensitive, RFC 9110)
PREFIX = "arh_"
KEY_ID_LENGTH = 10
_SECRET = re.compile(r"arh_([a-z2-7]{10})_([A-Za-z0-9_-]{43})")
NAME_MAX = 60
MAX_KEYS_PER_COMPANY = 20
MAX_LIFETIME = timedelta(days=2 * 366)
# Last use (time, IP) is written at most once per this interval per key, not on every request.
LAST_USE_EVERY = timedelta(minutes=1)
# The per-key rate limit, enforced by the API itself (the same in AWS and locally).
RATE_LIMIT_PER_MINUTE = 60


class ApiKeyInvalid(NotAuthenticated):
    code = "api_key_invalid"
    message_ro = "Cheia API nu este validă, a expirat sau a fost revocată."


class ApiKeyNotAllowed(NotAllowed):
    """A route no key reaches (account, members, keys, ANAF authorization, …)."""

    code = "api_key_not_allowed"
    message_ro = "Această operație nu este disponibilă cu o cheie API; intrați în cont în aplicație."


class ApiKeyScopeMissing(NotAllowed):
    code = "api_key_scope_missing"
    message_ro = "Cheia API nu are dreptul necesar pentru această operație ({scope})."

    def __init__(self, scope: str) -> None:
        super().__init__(self.message_ro.replace("{scope}", scope), details={"scope": scope})


class InvalidApiKeyRequest(ValidationFailed):
    code = "invalid_api_key_request"


class TooManyApiKeys(ArhivarError):
    code = "too_many_api_keys"
    status = 409
    message_ro = f"Compania are deja {MAX_KEYS_PER_COMPANY} chei active. Revocați una înainte de a crea alta."


@dataclass(frozen=True)
class NewSecret:
    key_id: str
    secret: str  # shown once, never stored

    @property
    def hash(self) -> str:
        return secret_hash(self.secret)


def new_secret() -> NewSecret:
    key_id = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:KEY_ID_LENGTH]
    return NewSecret(key_id, f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_id_of(secret: str) -> str | None:
    """The key id of a well-formed secret, else None (nothing is looked up for junk)."""
    match = _SECRET.fullmatch(secret)
    return match.group(1) if match else None


def hash_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(secret), stored_hash)


def api_key_of(authorization: str | None) -> str | None:
    """The secret of an `Authorization: ApiKey <secret>` header; None for any other scheme."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    return value.strip() if scheme.lower() == SCHEME else None


def check_new_key(name: str, scopes: list[str], expires_on: date | None, today: date) -> tuple[str, list[str]]:
    """The cleaned name and scopes of a key to create (the body's shape is already validated)."""
    clean = " ".join(name.split())
    if not clean:
        raise InvalidApiKeyRequest("Dați cheii un nume, de exemplu „ERP contabilitate”.", details={"field": "name"})
    chosen = [scope for scope in SCOPES if scope in set(scopes)]
    if not chosen:
        raise InvalidApiKeyRequest("Alegeți cel puțin un drept pentru cheie.", details={"field": "scopes"})
    if expires_on is not None and expires_on <= today:
        raise InvalidApiKeyRequest("Data de expirare trebuie să fie în viitor.", details={"field": "expires_on"})
    if expires_on is not None and expires_on > today + MAX_LIFETIME:
        raise InvalidApiKeyRequest("O cheie poate fi valabilă cel mult doi ani.", details={"field": "expires_on"})
    return clean[:NAME_MAX], chosen


def parse_expiry(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidApiKeyRequest("Data de expirare nu este validă (aaaa-ll-zz).",
                                   details={"field": "expires_on"}) from error


def is_expired(expires_on: date | None, now: datetime) -> bool:
    """A key is valid through its expiry day (UTC) and refused from the next day on."""
    return expires_on is not None and now.date() > expires_on


def last_use_due(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USE_EVERY

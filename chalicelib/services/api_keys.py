"""API keys (issue 15): owners and admins create, list and revoke a company's keys; every request
made with a key is authenticated here (domain/api_keys.py has the rules and says why a plain
SHA-256 of the secret is what is stored).

`authenticate` is the whole gate a key passes, in this order: a well-formed, known, unrevoked,
unexpired secret (else 401 `api_key_invalid`); a company route that keys may reach (else 403
`api_key_not_allowed`); the key's own company (else 404, as for any outsider); the route's scope
(else 403 `api_key_scope_missing`); a creator who is still an active owner or admin (else 401);
the per-key rate limit (else 429 with Retry-After). Then the last use is noted, at most once a
minute per key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain import api_keys as rules
from chalicelib.domain.audit import EventType
from chalicelib.domain.errors import NotAllowed, NotFound
from chalicelib.domain.memberships import MembershipState, Role, can_administer
from chalicelib.services import audit, limits, memberships
from chalicelib.storage import api_keys as records
from chalicelib.storage.api_keys import ApiKey
from chalicelib.storage.memberships import Membership

RATE_BUCKET = "api-key"


class AdminsOnly(NotAllowed):
    message_ro = "Doar proprietarii și administratorii companiei pot gestiona cheile API."


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    message_ro = "Cheia API nu există sau a fost deja revocată."


RATE_LIMITED_RO = "Prea multe cereri cu această cheie API. Încercați din nou peste {wait}."


@dataclass(frozen=True)
class KeyCaller:
    """Who a request made with a key acts as: the key's creator, on the key's company."""

    key_id: str
    cif: str
    user_id: str


def require_admin(user_id: str, cif: str) -> Membership:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise AdminsOnly()
    return membership


def create(user_id: str, cif: str, name: str, scopes: list[str], expires_on: str | None,
           now: datetime) -> tuple[ApiKey, str]:
    """A new key and its secret (shown to the creator once, never stored)."""
    require_admin(user_id, cif)
    clean_name, chosen = rules.check_new_key(name, scopes, rules.parse_expiry(expires_on), now.date())
    if sum(1 for key in records.of_company(cif) if is_active(key, now)) >= rules.MAX_KEYS_PER_COMPANY:
        raise rules.TooManyApiKeys()
    for _ in range(3):
        fresh = rules.new_secret()
        try:
            key = records.create(fresh.key_id, cif, secret_sha256=fresh.hash, name=clean_name, scopes=chosen,
                                 created_by=user_id, now=now, expires_on=expires_on)
            break
        except records.KeyIdTaken:
            continue
    else:
        raise RuntimeError("three random key ids taken in a row")
    audit.record(cif, EventType.API_KEY_CREATED, user_id, prefix=fresh.key_id, name=clean_name,
                 scopes=", ".join(chosen), expires_on=expires_on)
    return key, fresh.secret


def of_company(user_id: str, cif: str) -> list[ApiKey]:
    require_admin(user_id, cif)
    return records.of_company(cif)


def revoke(user_id: str, cif: str, key_id: str, now: datetime) -> None:
    require_admin(user_id, cif)
    key = records.get(key_id) if len(key_id) == rules.KEY_ID_LENGTH else None  # (no oversized DynamoDB key)
    if key is None or key.cif != cif or not records.revoke(key_id, cif, user_id, now):
        raise ApiKeyNotFound()
    audit.record(cif, EventType.API_KEY_REVOKED, user_id, prefix=key_id, name=key.name)


def is_active(key: ApiKey, now: datetime) -> bool:
    return key.revoked_at is None and not rules.is_expired(expiry_of(key), now)


def expiry_of(key: ApiKey) -> date | None:
    return date.fromisoformat(key.expires_on) if key.expires_on else None


def authenticate(secret: str, scope: str | None, cif: str | None, ip: str | None, now: datetime) -> KeyCaller:
    """The gate of a request made with `Authorization: ApiKey <secret>` (see the module)."""
    key_id = rules.key_id_of(secret)
    key = records.get(key_id) if key_id else None
    if key is None or not rules.hash_matches(secret, key.secret_sha256) or not is_active(key, now):
        raise rules.ApiKeyInvalid()
    if scope is None or cif is None:  # a key only ever reaches its own company's routes
        raise rules.ApiKeyNotAllowed()
    if cif != key.cif:
        raise memberships.CompanyNotFound()
    if scope not in key.scopes:
        raise rules.ApiKeyScopeMissing(scope)
    creator = memberships.find(key.created_by, key.cif)
    if (creator is None or creator.state != MembershipState.ACTIVE.value
            or not can_administer(Role(creator.role))):
        raise rules.ApiKeyInvalid("Cheia API nu mai este validă: persoana care a creat-o nu mai administrează "
                                  "compania. Creați o cheie nouă.")
    # Every request counts, whatever its outcome (429 `rate_limited` with Retry-After).
    limits.take(RATE_BUCKET, key.key_id, per=timedelta(minutes=1), limit=rules.RATE_LIMIT_PER_MINUTE, now=now,
                message_ro=RATE_LIMITED_RO)
    if rules.last_use_due(key.last_used_at, now):
        records.note_use(key.key_id, ip, now, rules.LAST_USE_EVERY)
    return KeyCaller(key_id=key.key_id, cif=key.cif, user_id=key.created_by)

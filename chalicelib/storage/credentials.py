"""The ANAF credential repository: AnafCredentialModel items (a certificate holder's token
pair, stored only as KMS ciphertexts) and AuthorizationRequestModel items (a single-use OAuth
`state` or an e-mailed authorization link, keyed by the SHA-256 of its secret).

A credential's writes are conditional on the version read (pynamodb's VersionAttribute): a
rotated pair is stored only over the pair it replaces. Functions taking a `seen` credential
write over that version and bring the record up to date.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.storage.dynamodb_errors import updated_if
from chalicelib.storage.models import AnafCredentialModel, AuthorizationRequestModel

Credential = AnafCredentialModel  # the record types services read (attributes only)
AuthorizationRequest = AuthorizationRequestModel


@dataclass(frozen=True)
class SealedPair:
    """A token pair as stored: both tokens encrypted (KMS, context = the credential id)."""

    access_ciphertext: bytes
    refresh_ciphertext: bytes
    access_expires_at: datetime
    refresh_expires_at: datetime
    certificate_serial: str | None


# -- credentials ---------------------------------------------------------------------------------

def create(credential_id: str, *, owner_user_id: str, cifs: Iterable[str], pair: SealedPair,
           now: datetime, origin: str | None = None) -> Credential:
    item = AnafCredentialModel(credential_id=credential_id, owner_user_id=owner_user_id, cifs=set(cifs),
                               origin=origin,
                               certificate_serial=pair.certificate_serial, created_at=now, reminders_sent=set())
    _fill(item, pair)
    item.save()
    return item


def get(credential_id: str) -> Credential | None:
    try:
        return AnafCredentialModel.get(credential_id, consistent_read=True)
    except DoesNotExist:
        return None


def store_rotated(seen: Credential, pair: SealedPair) -> None:
    """The rotated pair, over the version `seen` (raises when it changed), lease released."""
    _fill(seen, pair)
    seen.refresh_lease_until = None
    seen.save()


def take_refresh_lease(seen: Credential, *, now: datetime, until: datetime) -> bool:
    """One refresher at a time: False when another holds an unexpired lease or the credential
    changed since `seen`."""
    free = (AnafCredentialModel.refresh_lease_until.does_not_exist()
            | (AnafCredentialModel.refresh_lease_until < now))
    # pynamodb adds "version unchanged" to the condition
    return updated_if(seen, [AnafCredentialModel.refresh_lease_until.set(until)], free)


def release_refresh_lease(seen: Credential) -> None:
    with contextlib.suppress(UpdateError):  # the lease runs out by itself
        seen.update(actions=[AnafCredentialModel.refresh_lease_until.remove()])


def delete(seen: Credential) -> None:
    seen.delete()


def expiring_on(day: date) -> list[str]:
    """The ids of the credentials whose browser step expires on `day` (UTC)."""
    return [c.credential_id for c in AnafCredentialModel.by_expiry_day.query(day.isoformat())]


def note_reminder(seen: Credential, which: str) -> bool:
    """Record a reminder before it is sent; False when it was recorded already (another run)."""
    return updated_if(seen, [AnafCredentialModel.reminders_sent.add({which})],
                      ~AnafCredentialModel.reminders_sent.contains(which))


def _fill(item: AnafCredentialModel, pair: SealedPair) -> None:
    item.access_token_ciphertext = pair.access_ciphertext
    item.refresh_token_ciphertext = pair.refresh_ciphertext
    item.access_expires_at = pair.access_expires_at
    item.refresh_expires_at = pair.refresh_expires_at
    item.expiry_day = pair.refresh_expires_at.date().isoformat()
    if pair.certificate_serial:
        item.certificate_serial = pair.certificate_serial


# -- authorization requests ----------------------------------------------------------------------

def request_key(kind: str, secret_sha256: str) -> str:
    """"state#<sha256>" or "link#<sha256>": the table never holds a usable secret."""
    return f"{kind}#{secret_sha256}"


def create_request(key: str, *, user_id: str, cif: str, origin: str, now: datetime, valid_until: datetime,
                   expires_at: datetime, link_key: str | None = None, binding_sha256: str | None = None) -> None:
    AuthorizationRequestModel(request_key=key, user_id=user_id, cif=cif, origin=origin, link_key=link_key,
                              created_at=now, valid_until=valid_until, binding_sha256=binding_sha256,
                              expires_at=expires_at).save()


def get_request(key: str) -> AuthorizationRequest | None:
    try:
        return AuthorizationRequestModel.get(key, consistent_read=True)
    except DoesNotExist:
        return None


def mark_used(key: str, now: datetime) -> bool:
    """Spend a request; False when it was spent already (a replay, or a race lost)."""
    return updated_if(AuthorizationRequestModel(request_key=key),
                      [AuthorizationRequestModel.used_at.set(now)],
                      AuthorizationRequestModel.used_at.does_not_exist())

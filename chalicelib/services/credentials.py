"""The ANAF credential vault: token pairs encrypted with KMS, refreshed before they expire.

ANAF rotates the refresh token on every refresh and the old one dies at once, so exactly one
worker may refresh: it takes a short lease on the credential (a conditional write), refreshes,
and stores the rotated pair before using it; the others wait for the new pair and use that.
Every write is also conditional on the version read, so nothing overwrites a newer pair.
Tokens never leave this module in clear except as the access token a caller asked for.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.anaf.errors import AnafReauthorizationRequired
from chalicelib.anaf.models import TokenPair
from chalicelib.anaf.oauth import AnafOAuthClient
from chalicelib.domain.authorization import AuthorizationState
from chalicelib.storage import companies as company_records
from chalicelib.storage import credentials as credential_records
from chalicelib.storage.companies import Company
from chalicelib.storage.credentials import Credential, SealedPair
from chalicelib.storage.crypto import TokenCipher

# Refresh this long before the access token expires (DESIGN.md §5).
REFRESH_AHEAD = timedelta(days=7)
REFRESH_LEASE = timedelta(seconds=30)  # longer than one refresh call with its retries
WAIT_POLL_S = 0.2


class CredentialMissing(Exception):
    """The credential was disconnected or never existed."""


class CredentialInvalid(Exception):
    """ANAF refused the stored tokens: the browser step is needed again."""


@dataclass(frozen=True)
class StoredCredential:
    credential_id: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    cifs: frozenset[str]
    owner_user_id: str = ""
    origin: str | None = None  # "dashboard" (the owner's own certificate) or "link"


class CredentialVault:
    def __init__(self, cipher: TokenCipher, oauth: Callable[[], AnafOAuthClient],
                 clock: Callable[[], datetime]) -> None:
        self._cipher = cipher
        self._oauth = oauth  # built lazily: it needs the client secret from Secrets Manager
        self._now = clock

    def store(self, pair: TokenPair, owner_user_id: str, cifs: Iterable[str],
              origin: str | None = None) -> StoredCredential:
        credential_id = uuid.uuid4().hex
        item = credential_records.create(credential_id, owner_user_id=owner_user_id, cifs=cifs,
                                         pair=self._seal(credential_id, pair), now=self._now(), origin=origin)
        return _stored(item)

    def get(self, credential_id: str) -> StoredCredential:
        return _stored(self._load(credential_id))

    def access_token(self, credential_id: str) -> str:
        """A usable access token, refreshed (and the rotated pair stored) when due."""
        item = self._load(credential_id)
        if item.access_expires_at - self._now() > REFRESH_AHEAD:
            return self._decrypt(item, "access")
        return self._refresh(item)

    def token_for_run(self, credential_id: str) -> Callable[[], str]:
        """The access token of one sync run: read and decrypted at the first ANAF call, then
        kept for the run (one KMS Decrypt and one credential read per run, not per call). Safe:
        a run lasts minutes and a token is used only while it has REFRESH_AHEAD left."""
        return _RunToken(lambda: self.access_token(credential_id))

    def delete(self, credential_id: str) -> None:
        with contextlib.suppress(CredentialMissing):
            credential_records.delete(self._load(credential_id))

    def _refresh(self, item: Credential) -> str:
        if not self._take_lease(item):
            return self._await_refresh(item)
        old_refresh = self._decrypt(item, "refresh")

        def persist(pair: TokenPair) -> None:
            # Conditional on our version: the lease kept everyone else out.
            credential_records.store_rotated(item, self._seal(item.credential_id, pair))

        try:
            pair = self._oauth().refresh(old_refresh, persist)
        except AnafReauthorizationRequired as error:
            self._release_lease(item)
            raise CredentialInvalid() from error
        except Exception:
            self._release_lease(item)
            raise
        return pair.access_token

    def _take_lease(self, item: Credential) -> bool:
        now = self._now()
        return credential_records.take_refresh_lease(item, now=now, until=now + REFRESH_LEASE)

    def _release_lease(self, item: Credential) -> None:
        credential_records.release_refresh_lease(item)

    def _await_refresh(self, seen: Credential) -> str:
        """Another worker holds the lease: wait until it is released, then use what it stored
        (or, if it stored nothing, e.g. ANAF was down, try the refresh ourselves)."""
        deadline = time.monotonic() + REFRESH_LEASE.total_seconds()
        while time.monotonic() < deadline:
            time.sleep(WAIT_POLL_S)
            current = self._load(seen.credential_id)
            lease = current.refresh_lease_until
            if lease is None or lease < self._now():
                if current.access_expires_at - self._now() > REFRESH_AHEAD:
                    return self._decrypt(current, "access")
                return self._refresh(current)
        raise CredentialInvalid()

    def _seal(self, credential_id: str, pair: TokenPair) -> SealedPair:
        context = {"credential_id": credential_id}
        return SealedPair(self._cipher.encrypt(pair.access_token, context),
                          self._cipher.encrypt(pair.refresh_token, context),
                          pair.access_expires_at, pair.refresh_expires_at, pair.serial)

    def _decrypt(self, item: Credential, which: str) -> str:
        ciphertext = item.access_token_ciphertext if which == "access" else item.refresh_token_ciphertext
        return self._cipher.decrypt(ciphertext, {"credential_id": item.credential_id})

    @staticmethod
    def _load(credential_id: str) -> Credential:
        item = credential_records.get(credential_id)
        if item is None:
            raise CredentialMissing(credential_id)
        return item


class _RunToken:
    """A token fetched once, on first use, by whichever download thread asks first."""

    def __init__(self, fetch: Callable[[], str]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._token: str | None = None

    def __call__(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token


def _stored(item: Credential) -> StoredCredential:
    return StoredCredential(item.credential_id, item.access_expires_at, item.refresh_expires_at,
                            frozenset(item.cifs or ()), item.owner_user_id, item.origin)


def companies_using(credential_id: str, cifs: Iterable[str]) -> list[Company]:
    """The companies among `cifs` whose authorization is this credential."""
    return [company for company in company_records.get_many(cifs) if company.credential_id == credential_id]


def mark_companies(credential_id: str, cifs: Iterable[str], state: AuthorizationState) -> int:
    """An ANAF refusal or a disconnect: the credential's companies stop syncing."""
    changed = 0
    for company in companies_using(credential_id, cifs):
        company_records.stop_syncing(company.cif, state.value)
        changed += 1
    return changed

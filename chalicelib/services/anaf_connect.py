"""Connecting companies to ANAF: the OAuth2 browser step, its callback, authorization links
for the certificate holder, and disconnecting.

One credential (one certificate holder) covers every CIF the holder has SPV rights on: after
the browser step, every company of the account that the credential covers is authorized and
its pending memberships become active. `state` values and links are single-use, short-lived
and stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.errors import AnafError, AnafListTooLarge, AnafNoSpvRights
from chalicelib.anaf.oauth import AnafOAuthClient
from chalicelib.domain.authorization import AuthorizationState
from chalicelib.domain.errors import NotAllowed
from chalicelib.domain.memberships import MembershipState, Role, can_administer
from chalicelib.services import memberships
from chalicelib.services.credentials import CredentialVault, companies_using, mark_companies
from chalicelib.services.dispatch import due_shard
from chalicelib.services.notifications import Message, Notifications
from chalicelib.storage.models import AuthorizationRequestModel, CompanyModel, MembershipModel

STATE_LIFETIME = timedelta(minutes=10)
LINK_LIFETIME = timedelta(days=7)
PROBE_DAYS = 60


@dataclass(frozen=True)
class CallbackResult:
    outcome: str  # connected | cancelled | no_spv_rights | anaf_error | invalid_request
    cif: str | None
    origin: str  # dashboard | link
    covered: tuple[str, ...] = ()


class AnafConnect:
    def __init__(self, *, oauth: Callable[[], AnafOAuthClient],
                 efactura: Callable[[str], EFacturaClient], vault: CredentialVault,
                 notifications: Notifications, public_url: str, clock: Callable[[], datetime]) -> None:
        self._oauth = oauth
        self._efactura = efactura
        self._vault = vault
        self._notifications = notifications
        self._public_url = public_url
        self._now = clock

    # -- starting ----------------------------------------------------------------------------

    def start(self, user_id: str, cif: str) -> str:
        """The ANAF URL the user's browser goes to (where the USB certificate is asked for).

        Open to admins of the company, and to a pending member: their own certificate is how
        they prove SPV rights on a company another account archives.
        """
        membership = memberships.find(user_id, cif)
        if membership is None:
            raise memberships.CompanyNotFound()
        if membership.state == MembershipState.ACTIVE.value and not can_administer(Role(membership.role)):
            raise NotAllowed()
        return self._authorization_url(user_id, cif, origin="dashboard")

    def send_link(self, user_id: str, cif: str, email: str, company_name: str, sender_email: str) -> None:
        """E-mail a single-use link with which the certificate holder does the ANAF step."""
        _require_admin(user_id, cif)
        token = secrets.token_urlsafe(32)
        now = self._now()
        AuthorizationRequestModel(request_key=_key("link", token), user_id=user_id, cif=cif,
                                  origin="link", created_at=now, valid_until=now + LINK_LIFETIME,
                                  expires_at=now + LINK_LIFETIME + timedelta(days=1)).save()
        url = f"{self._public_url}/api/anaf/link/{token}"
        self._notifications.send_transactional(email, Message(
            subject=f"Autorizare ANAF pentru {company_name} în Arhivar",
            text=(f"Bună ziua,\n\n{sender_email} vă roagă să autorizați arhivarea facturilor "
                  f"e-Factura ale companiei {company_name} (CIF {cif}) în Arhivar.\n\n"
                  f"Deschideți linkul de mai jos pe calculatorul cu certificatul digital (token-ul USB) "
                  f"care are drept SPV pentru companie și alegeți certificatul când ANAF îl cere. "
                  f"Nu aveți nevoie de cont Arhivar.\n\n{url}\n\n"
                  f"Linkul poate fi folosit o singură dată și expiră în 7 zile.\n")))

    def start_from_link(self, token: str) -> str | None:
        """The ANAF URL for a valid, unused link; None otherwise."""
        link = self._load(_key("link", token))
        if link is None or link.used_at is not None or link.valid_until <= self._now():
            return None
        return self._authorization_url(link.user_id, link.cif, origin="link", link_key=link.request_key)

    def _authorization_url(self, user_id: str, cif: str, origin: str, link_key: str | None = None) -> str:
        state = secrets.token_urlsafe(32)
        now = self._now()
        AuthorizationRequestModel(request_key=_key("state", state), user_id=user_id, cif=cif,
                                  origin=origin, link_key=link_key, created_at=now,
                                  valid_until=now + STATE_LIFETIME,
                                  expires_at=now + STATE_LIFETIME + timedelta(days=1)).save()
        return self._oauth().authorization_url(state)

    # -- the callback --------------------------------------------------------------------------

    def complete(self, state: str | None, code: str | None, error: str | None) -> CallbackResult:
        request = self._claim(state)
        if request is None:
            return CallbackResult("invalid_request", None, "dashboard")
        result = self._complete(request, code, error)
        if result.outcome == "connected" and request.link_key:
            self._spend_link(request.link_key)
        return result

    def _complete(self, request: AuthorizationRequestModel, code: str | None,
                  error: str | None) -> CallbackResult:
        cif, origin = request.cif, request.origin
        if error or not code:
            return CallbackResult("cancelled", cif, origin)
        try:
            pair = self._oauth().exchange_code(code)
            covered = self._covered_cifs(pair.access_token, request.user_id, cif)
        except AnafError:
            return CallbackResult("anaf_error", cif, origin)
        if not covered:
            self._set_state(cif, AuthorizationState.NO_SPV_RIGHTS)
            return CallbackResult("no_spv_rights", cif, origin)
        stored = self._vault.store(pair, request.user_id, covered)
        authorized = self._authorize_account_companies(request.user_id, stored.credential_id,
                                                       covered, stored.refresh_expires_at)
        if cif not in covered:
            self._set_state(cif, AuthorizationState.NO_SPV_RIGHTS)
            return CallbackResult("no_spv_rights", cif, origin, tuple(sorted(authorized)))
        return CallbackResult("connected", cif, origin, tuple(sorted(authorized)))

    def _covered_cifs(self, access_token: str, user_id: str, first_cif: str) -> set[str]:
        """CIFs the holder has SPV rights on, learnt from ANAF: the envelope of a list answer
        names them all; an empty answer proves only the CIF asked about, so each company of
        the account not known yet is asked about in turn."""
        client = self._efactura(access_token)
        candidates = [first_cif] + sorted({m.cif for m in memberships.of_user(user_id)} - {first_cif})
        covered: set[str] = set()
        for cif in candidates:
            if cif in covered:
                continue
            try:
                listing = client.list_messages(cif, PROBE_DAYS)
            except AnafNoSpvRights:
                continue
            except AnafListTooLarge:  # more than 500 messages: rights proven all the same
                covered.add(cif)
                continue
            covered.add(cif)
            covered.update(listing.holder_cifs)
        return covered

    def _authorize_account_companies(self, user_id: str, credential_id: str, covered: set[str],
                                     until: datetime) -> set[str]:
        now = self._now()
        authorized = set()
        for membership in memberships.of_user(user_id):
            if membership.cif not in covered:
                continue
            CompanyModel(cif=membership.cif).update(actions=[
                CompanyModel.credential_id.set(credential_id),
                CompanyModel.authorization_state.set(AuthorizationState.AUTHORIZED.value),
                CompanyModel.authorization_expires_at.set(until),
                CompanyModel.due_shard.set(due_shard(membership.cif)),
                CompanyModel.next_sync_at.set(now),  # sync right away
            ], condition=CompanyModel.cif.exists())
            if membership.state == MembershipState.PENDING.value:
                # SPV rights proven with the user's own certificate: access is granted.
                membership.update(actions=[MembershipModel.state.set(MembershipState.ACTIVE.value)])
            authorized.add(membership.cif)
        return authorized

    def disconnect(self, user_id: str, cif: str) -> int:
        """Stop using the company's ANAF credential: the companies the caller administers that
        use it stop syncing (archives stay). The credential itself is deleted only when the
        caller administers every company it serves: one account must not switch off another
        account's companies by disconnecting a shared CIF."""
        _require_admin(user_id, cif)
        company = CompanyModel.get(cif)
        if not company.credential_id:
            return 0
        credential = self._vault.get(company.credential_id)
        using = {c.cif for c in companies_using(company.credential_id, credential.cifs | {cif})}
        administered = {c for c in using if _administers(user_id, c)}
        changed = mark_companies(company.credential_id, administered, AuthorizationState.REVOKED)
        if administered == using:
            self._vault.delete(company.credential_id)
        return changed

    # -- storage -------------------------------------------------------------------------------

    def _claim(self, state: str | None) -> AuthorizationRequestModel | None:
        """The state's request, marked used; None when unknown, used, expired or replayed."""
        if not state:
            return None
        request = self._load(_key("state", state))
        now = self._now()
        if request is None or request.valid_until <= now:
            return None
        try:
            request.update(actions=[AuthorizationRequestModel.used_at.set(now)],
                           condition=AuthorizationRequestModel.used_at.does_not_exist())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None  # a replay
            raise
        return request

    def _spend_link(self, link_key: str) -> None:
        link = self._load(link_key)
        if link is not None:
            link.update(actions=[AuthorizationRequestModel.used_at.set(self._now())])

    @staticmethod
    def _load(key: str) -> AuthorizationRequestModel | None:
        try:
            return AuthorizationRequestModel.get(key, consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def _set_state(cif: str, state: AuthorizationState) -> None:
        company = CompanyModel.get(cif)
        if company.credential_id and company.authorization_state == AuthorizationState.AUTHORIZED.value:
            return  # another valid credential already covers it
        company.update(actions=[CompanyModel.authorization_state.set(state.value)])


def _administers(user_id: str, cif: str) -> bool:
    membership = memberships.find(user_id, cif)
    return (membership is not None and membership.state == MembershipState.ACTIVE.value
            and can_administer(Role(membership.role)))


def _require_admin(user_id: str, cif: str) -> MembershipModel:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()
    return membership


def _key(kind: str, secret: str) -> str:
    return f"{kind}#{hashlib.sha256(secret.encode()).hexdigest()}"

"""Connecting companies to ANAF: the OAuth2 browser step, its callback, authorization links
for the certificate holder, and disconnecting.

The rule (issue 10): an authorization proves SPV rights for the user who started it, and only on
the CIF that user asked for. It activates no other membership and never replaces another
account's working credential. Every `state` is bound to the browser that started the step (a
cookie only that browser holds), so an ANAF URL forwarded to a certificate holder proves nothing;
a holder who should sign for someone else gets an e-mailed link, which names who asks and for
which company. `state` values and links are single-use whatever the outcome, short-lived, and
stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.errors import AnafError, AnafListTooLarge, AnafNoSpvRights
from chalicelib.anaf.oauth import AnafOAuthClient
from chalicelib.domain.audit import EventType
from chalicelib.domain.authorization import AuthorizationState, authorization_status
from chalicelib.domain.errors import Conflict, NotAllowed, ServiceUnavailable
from chalicelib.domain.memberships import MembershipState, Role, can_administer
from chalicelib.services import audit, limits, memberships
from chalicelib.services.credentials import (
    CredentialInvalid,
    CredentialMissing,
    CredentialVault,
    StoredCredential,
    companies_using,
    mark_companies,
)
from chalicelib.services.notifications import Message, Notifications
from chalicelib.storage import companies as company_records
from chalicelib.storage import credentials as credential_records
from chalicelib.storage import memberships as membership_records
from chalicelib.storage.companies import Company
from chalicelib.storage.credentials import AuthorizationRequest
from chalicelib.storage.memberships import Membership

STATE_LIFETIME = timedelta(minutes=10)
LINK_LIFETIME = timedelta(days=7)
# Authorization links are e-mails to people outside Arhivar: a few an hour per sender, and
# fewer per recipient, so nobody can use Arhivar to flood an address.
LINKS_PER_SENDER_PER_HOUR = 10
LINKS_PER_RECIPIENT_PER_HOUR = 3
_LINKS_LIMITED = "Ați trimis prea multe linkuri de autorizare. Încercați din nou peste {wait}."
PROBE_DAYS = 60


class NoExistingCertificate(Conflict):
    code = "no_existing_certificate"
    message_ro = ("Niciun certificat cu care ați autorizat deja o companie nu acoperă această companie. "
                  "Autorizați-o la ANAF cu certificatul digital.")


class CertificateDoesNotCover(NotAllowed):
    code = "certificate_not_covering"
    message_ro = ("ANAF nu confirmă dreptul certificatului existent în SPV pentru această companie. "
                  "Autorizați-o la ANAF cu un certificat care are drept SPV pentru ea.")


class AnafUnavailable(ServiceUnavailable):
    code = "anaf_unavailable"
    message_ro = "ANAF nu a răspuns. Încercați din nou peste câteva minute."
    retry_after_s = 60


@dataclass(frozen=True)
class CallbackResult:
    outcome: str  # connected | proven | cancelled | no_spv_rights | anaf_error | invalid_request
    cif: str | None
    origin: str  # dashboard | link
    covered: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthorizationStart:
    """Where the browser goes, and the secret that binds the step to this browser."""
    url: str
    browser_binding: str


class AnafConnect:
    def __init__(self, *, oauth: Callable[[], AnafOAuthClient],
                 efactura: Callable[[str], EFacturaClient], vault: CredentialVault,
                 notifications: Notifications, public_url: str, clock: Callable[[], datetime],
                 email_of: Callable[[str], str]) -> None:
        """`email_of(user_id)`: the address of an account (an authorization link names who asks)."""
        self._oauth = oauth
        self._efactura = efactura
        self._vault = vault
        self._notifications = notifications
        self._public_url = public_url
        self._now = clock
        self._email_of = email_of

    # -- starting ----------------------------------------------------------------------------

    def start(self, user_id: str, cif: str, browser_binding: str | None = None) -> AuthorizationStart:
        """The ANAF URL the user's own browser goes to (where the USB certificate is asked for).

        Open to administrators of the company, proven or not: a registered but unproven
        company is proven exactly this way, with the user's own certificate."""
        _require_administering_member(user_id, cif)
        audit.record(cif, EventType.AUTHORIZATION_STARTED, user_id, origin="dashboard")
        return self._authorization_url(user_id, cif, "dashboard", browser_binding)

    def send_link(self, user_id: str, cif: str, email: str) -> None:
        """E-mail a single-use link with which the certificate holder does the ANAF step for
        this user and this company (the e-mail names both, so the holder knows what they sign)."""
        _require_administering_member(user_id, cif)
        company_name = _company(cif).name
        sender_email = self._email_of(user_id)
        now = self._now()
        sender = limits.take("anaf-link-sender", user_id, per=timedelta(hours=1),
                             limit=LINKS_PER_SENDER_PER_HOUR, now=now, message_ro=_LINKS_LIMITED)
        try:
            limits.take("anaf-link-recipient", email, per=timedelta(hours=1),
                        limit=LINKS_PER_RECIPIENT_PER_HOUR, now=now, message_ro=_LINKS_LIMITED)
        except limits.RateLimited:
            sender.give_back()  # nothing was sent
            raise
        token = secrets.token_urlsafe(32)
        credential_records.create_request(_key("link", token), user_id=user_id, cif=cif, origin="link", now=now,
                                          valid_until=now + LINK_LIFETIME,
                                          expires_at=now + LINK_LIFETIME + timedelta(days=1))
        url = f"{self._public_url}/api/anaf/link/{token}"
        self._notifications.send_transactional(email, Message(
            subject=f"Autorizare ANAF pentru {company_name} în Arhivar",
            text=(f"Bună ziua,\n\n{sender_email} vă roagă să autorizați arhivarea facturilor "
                  f"e-Factura ale companiei {company_name} (CIF {cif}) în Arhivar, în contul "
                  f"{sender_email}.\n\n"
                  f"Deschideți linkul de mai jos pe calculatorul cu certificatul digital (token-ul USB) "
                  f"care are drept SPV pentru companie și alegeți certificatul când ANAF îl cere. "
                  f"Nu aveți nevoie de cont Arhivar. Dacă nu cunoașteți această persoană, ignorați "
                  f"mesajul.\n\n{url}\n\n"
                  f"Linkul poate fi folosit o singură dată și expiră în 7 zile.\n")))
        audit.record(cif, EventType.AUTHORIZATION_LINK_SENT, user_id, recipient=email)

    def start_from_link(self, token: str, browser_binding: str | None = None) -> AuthorizationStart | None:
        """The ANAF URL for a valid, unused link; None otherwise. Opening the link does not
        spend it (mail scanners open links too); the first callback does, whatever its outcome."""
        link = self._load(_key("link", token))
        if link is None or link.used_at is not None or link.valid_until <= self._now():
            return None
        return self._authorization_url(link.user_id, link.cif, "link", browser_binding, link.request_key)

    def _authorization_url(self, user_id: str, cif: str, origin: str, browser_binding: str | None,
                           link_key: str | None = None) -> AuthorizationStart:
        """A new state bound to the browser: to the secret it already holds (several steps may
        be open in its tabs), or to a new one."""
        state = secrets.token_urlsafe(32)
        binding = browser_binding if _well_formed(browser_binding) else secrets.token_urlsafe(32)
        now = self._now()
        credential_records.create_request(_key("state", state), user_id=user_id, cif=cif, origin=origin, now=now,
                                          valid_until=now + STATE_LIFETIME,
                                          expires_at=now + STATE_LIFETIME + timedelta(days=1),
                                          link_key=link_key, binding_sha256=_digest(binding))
        return AuthorizationStart(self._oauth().authorization_url(state), binding)

    # -- the callback --------------------------------------------------------------------------

    def complete(self, state: str | None, code: str | None, error: str | None,
                 browser_binding: str | None) -> CallbackResult:
        request = self._claim(state)
        if request is None:
            return CallbackResult("invalid_request", None, "dashboard")
        if not _same_browser(request, browser_binding):
            # The ANAF URL was opened in another browser (forwarded to someone): prove nothing.
            audit.record(request.cif, EventType.AUTHORIZATION_COMPLETED, request.user_id, outcome="other_browser",
                         origin=request.origin)
            return CallbackResult("invalid_request", None, request.origin)
        if request.link_key and not self._spend_link(request.link_key):
            return CallbackResult("invalid_request", None, request.origin)
        result = self._complete(request, code, error)
        audit.record(request.cif, EventType.AUTHORIZATION_COMPLETED, request.user_id, outcome=result.outcome,
                     origin=request.origin)
        return result

    def _complete(self, request: AuthorizationRequest, code: str | None,
                  error: str | None) -> CallbackResult:
        cif, origin, user_id = request.cif, request.origin, request.user_id
        membership = memberships.find(user_id, cif)
        if membership is None or not can_administer(Role(membership.role)):
            return CallbackResult("invalid_request", None, origin)  # left or demoted meanwhile
        if error or not code:
            return CallbackResult("cancelled", cif, origin)
        try:
            pair = self._oauth().exchange_code(code)
            holder_cifs = self._holder_cifs(pair.access_token, cif)
        except AnafError:
            return CallbackResult("anaf_error", cif, origin)
        proven_before = membership.state == MembershipState.ACTIVE.value
        if cif not in holder_cifs:
            if proven_before:
                self._set_state(cif, AuthorizationState.NO_SPV_RIGHTS)
            return CallbackResult("no_spv_rights", cif, origin)
        if not proven_before:
            membership_records.activate(user_id, cif, active=MembershipState.ACTIVE.value,
                                        pending=MembershipState.PENDING.value)
            audit.record(cif, EventType.MEMBERSHIP_PROVEN, user_id, role=membership.role, origin=origin)
        company = _company(cif)
        if proven_before or not self._has_working_credential(company):
            # A renewal by a proven administrator, or a company nobody connected yet.
            stored = self._vault.store(pair, user_id, holder_cifs, origin=origin)
            self._attach(cif, stored.credential_id, stored.refresh_expires_at)
            return CallbackResult("connected", cif, origin, (cif,))
        # Proven now, but another account's credential already syncs the company: keep it.
        return CallbackResult("proven", cif, origin, (cif,))

    # -- one click with a certificate already used ------------------------------------------------

    def existing_certificate_offers(self, user_id: str) -> list[str]:
        """The caller's companies waiting for an authorization that a certificate of the caller's
        own already lists among its CIFs: offered "Autorizează cu certificatul existent". Only an
        offer: `connect_with_existing` asks ANAF before it proves anything."""
        mine = memberships.of_user(user_id)
        companies = {c.cif: c for c in company_records.get_many(m.cif for m in mine)}
        own = self._own_credentials(user_id, mine, companies)
        return sorted(m.cif for m in mine if m.cif in companies and can_administer(Role(m.role))
                      and self._waiting(m, companies[m.cif]) and any(m.cif in c.cifs for c in own))

    def connect_with_existing(self, user_id: str, cif: str) -> CallbackResult:
        """Prove and connect `cif` with the token of a certificate the caller already signed
        with at ANAF in their own browser, if ANAF (one list call for the CIF with that token)
        confirms the certificate's SPV rights on it. The stored list of CIFs only picks the
        credential; ANAF decides."""
        membership = _require_administering_member(user_id, cif)
        mine = memberships.of_user(user_id)
        companies = {c.cif: c for c in company_records.get_many(m.cif for m in mine)}
        credential = next((c for c in self._own_credentials(user_id, mine, companies) if cif in c.cifs), None)
        if credential is None:
            raise NoExistingCertificate()
        try:
            holder_cifs = self._holder_cifs(self._vault.access_token(credential.credential_id), cif)
        except (CredentialInvalid, CredentialMissing):
            raise NoExistingCertificate() from None
        except AnafError:
            raise AnafUnavailable() from None
        if cif not in holder_cifs:
            audit.record(cif, EventType.AUTHORIZATION_COMPLETED, user_id, outcome="no_spv_rights",
                         origin="existing_certificate")
            raise CertificateDoesNotCover()
        proven_before = membership.state == MembershipState.ACTIVE.value
        if not proven_before and membership_records.activate_if_pending(
                user_id, cif, active=MembershipState.ACTIVE.value, pending=MembershipState.PENDING.value):
            # (False: a concurrent click proved it first and recorded it)
            audit.record(cif, EventType.MEMBERSHIP_PROVEN, user_id, role=membership.role,
                         origin="existing_certificate")
        outcome = "proven"
        if proven_before or not self._has_working_credential(_company(cif)):
            self._attach(cif, credential.credential_id, credential.refresh_expires_at)
            outcome = "connected"
        audit.record(cif, EventType.AUTHORIZATION_COMPLETED, user_id, outcome=outcome, origin="existing_certificate")
        return CallbackResult(outcome, cif, "dashboard", (cif,))

    def _own_credentials(self, user_id: str, mine: list[Membership],
                         companies: dict[str, Company]) -> list[StoredCredential]:
        """Working credentials of certificates the caller signed with in their own browser
        (never a holder's signature for them through a link), reached through the companies the
        caller administers."""
        ids = {companies[m.cif].credential_id for m in mine
               if m.cif in companies and m.state == MembershipState.ACTIVE.value and can_administer(Role(m.role))
               and self._has_working_credential(companies[m.cif])}
        found = []
        for credential_id in sorted(i for i in ids if i):
            try:
                credential = self._vault.get(credential_id)
            except CredentialMissing:
                continue
            if (credential.owner_user_id == user_id and credential.origin == "dashboard"
                    and credential.refresh_expires_at > self._now()):
                found.append(credential)
        return found

    def _waiting(self, membership: Membership, company: Company) -> bool:
        """Not proven by this user yet, or without a working ANAF connection."""
        return membership.state != MembershipState.ACTIVE.value or not self._has_working_credential(company)

    def _holder_cifs(self, access_token: str, cif: str) -> set[str]:
        """The CIFs the certificate holder has SPV rights on, as far as one list call on the
        requested CIF tells: ANAF names them all in the envelope of an answer; an answer
        refusing rights on the CIF proves none."""
        try:
            listing = self._efactura(access_token).list_messages(cif, PROBE_DAYS)
        except AnafNoSpvRights:
            return set()
        except AnafListTooLarge:  # more than 500 messages: rights proven all the same
            return {cif}
        return {cif} | set(listing.holder_cifs)

    def _has_working_credential(self, company: Company) -> bool:
        if not company.credential_id:
            return False
        status = authorization_status(company.authorization_state, company.authorization_expires_at,
                                      self._now())
        return status.state in (AuthorizationState.AUTHORIZED, AuthorizationState.EXPIRING)

    def _attach(self, cif: str, credential_id: str, until: datetime) -> None:
        company_records.attach_credential(cif, credential_id, authorization_state=AuthorizationState.AUTHORIZED.value,
                                          until=until, sync_at=self._now())  # sync right away

    def disconnect(self, user_id: str, cif: str) -> int:
        """Stop using the company's ANAF credential: the companies the caller administers that
        use it stop syncing (archives stay). The credential itself is deleted only when the
        caller administers every company it serves: one account must not switch off another
        account's companies by disconnecting a shared CIF."""
        _require_admin(user_id, cif)
        company = _company(cif)
        if not company.credential_id:
            return 0
        try:
            credential = self._vault.get(company.credential_id)
        except CredentialMissing:
            return 0  # disconnected already: DELETE is idempotent

        using = {c.cif for c in companies_using(company.credential_id, credential.cifs | {cif})}
        administered = {c for c in using if _administers(user_id, c)}
        changed = mark_companies(company.credential_id, administered, AuthorizationState.REVOKED)
        if administered == using:
            self._vault.delete(company.credential_id)
        audit.record(cif, EventType.AUTHORIZATION_DISCONNECTED, user_id, companies=changed)
        return changed

    # -- storage -------------------------------------------------------------------------------

    def _claim(self, state: str | None) -> AuthorizationRequest | None:
        """The state's request, marked used; None when unknown, used, expired or replayed."""
        if not state:
            return None
        request = self._load(_key("state", state))
        if request is None or request.valid_until <= self._now():
            return None
        return request if self._mark_used(request) else None

    def _spend_link(self, link_key: str) -> bool:
        """Spend the link a state came from; False when another callback spent it first."""
        link = self._load(link_key)
        return link is not None and link.valid_until > self._now() and self._mark_used(link)

    def _mark_used(self, request: AuthorizationRequest) -> bool:
        return credential_records.mark_used(request.request_key, self._now())  # False: a replay, or a race lost

    @staticmethod
    def _load(key: str) -> AuthorizationRequest | None:
        return credential_records.get_request(key)

    @staticmethod
    def _set_state(cif: str, state: AuthorizationState) -> None:
        company = _company(cif)
        if company.credential_id and company.authorization_state == AuthorizationState.AUTHORIZED.value:
            return  # another valid credential already covers it
        company_records.set_authorization_state(cif, state.value)


def _same_browser(request: AuthorizationRequest, browser_binding: str | None) -> bool:
    return bool(browser_binding and request.binding_sha256
                and hmac.compare_digest(request.binding_sha256, _digest(browser_binding)))


def _well_formed(binding: str | None) -> TypeGuard[str]:
    return binding is not None and 40 <= len(binding) <= 64 and binding.isascii() and binding.replace(
        "-", "").replace("_", "").isalnum()


def _company(cif: str) -> Company:
    company = company_records.get(cif)
    if company is None:
        raise memberships.CompanyNotFound()
    return company


def _administers(user_id: str, cif: str) -> bool:
    membership = memberships.find(user_id, cif)
    return (membership is not None and membership.state == MembershipState.ACTIVE.value
            and can_administer(Role(membership.role)))


def _require_admin(user_id: str, cif: str) -> Membership:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()
    return membership


def _require_administering_member(user_id: str, cif: str) -> Membership:
    """An owner or admin of the company, proven (active) or waiting to prove it (pending)."""
    membership = memberships.find(user_id, cif)
    if membership is None:
        raise memberships.CompanyNotFound()
    if not can_administer(Role(membership.role)):
        if membership.state != MembershipState.ACTIVE.value:
            raise memberships.CompanyNotFound()
        raise NotAllowed()
    return membership


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(kind: str, secret: str) -> str:
    return credential_records.request_key(kind, _digest(secret))

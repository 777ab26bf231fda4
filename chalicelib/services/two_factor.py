"""Two-factor login (TOTP through Cognito), recovery codes, and a company's requirement of it.

- Enrolment ("Contul meu"): Cognito makes a secret for the signed-in user (AssociateSoftwareToken);
  the page shows it as a QR code and as text; the first code from the app confirms it
  (VerifySoftwareToken) and makes TOTP the user's second factor. Ten recovery codes are shown
  once and stored as SHA-256 only.
- Sign-in: when Cognito answers the password with its SOFTWARE_TOKEN_MFA challenge, the API
  keeps Cognito's session with the account (one outstanding sign-in, 3 minutes, 5 codes) and
  gives the browser an opaque token for it; `complete_sign_in` answers the challenge with the
  code. A recovery code is checked and removed here (each works once, its use is recorded), and
  the challenge is then answered with the current code of the secret kept (KMS-encrypted, the
  user id as encryption context) since enrolment: Cognito has no recovery codes of its own.
- Wrong codes are counted per account: 10 within 15 minutes lock the second step for the rest
  of those 15 minutes (Cognito throttles as well in AWS).
- Both steps count against the failed-login limits of services/accounts.py (a step that
  succeeds gives its units back): the password step per address and per client IP, the code
  step per client IP (per account, wrong codes are the lock above). A sign-in that ends in a
  session, at either step, records it among the account's open sessions, which the token
  verifier checks on every request.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from chalicelib.domain import two_factor as rules
from chalicelib.domain.errors import ArhivarError, Conflict, NotAllowed, NotAuthenticated, ValidationFailed
from chalicelib.domain.memberships import MembershipState, Role
from chalicelib.services.accounts import give_back, record_session, take_login_attempt, take_password_check
from chalicelib.storage import accounts, companies, memberships
from chalicelib.storage.accounts import Account
from chalicelib.storage.crypto import TokenCipher
from chalicelib.storage.identity import (
    IdentityProvider,
    InvalidCredentials,
    InvalidTotpCode,
    LoginChallengeExpired,
    MfaChallenge,
    Session,
)
from chalicelib.storage.memberships import Membership


class WrongPassword(ValidationFailed):
    code = "wrong_password"
    message_ro = "Parola nu este corectă."


class TwoFactorAlreadyEnabled(Conflict):
    code = "two_factor_already_enabled"
    message_ro = "Autentificarea în doi pași este deja activă pentru acest cont."


class TwoFactorNotEnabled(Conflict):
    code = "two_factor_not_enabled"
    message_ro = "Autentificarea în doi pași nu este activă pentru acest cont."


class EnrolmentNotStarted(Conflict):
    code = "two_factor_enrolment_not_started"
    message_ro = "Începeți din nou activarea: apăsați „Activează autentificarea în doi pași”."


class TwoFactorRequiredByCompany(Conflict):
    code = "two_factor_required_by_company"
    message_ro = ("Autentificarea în doi pași nu poate fi dezactivată: o companie din care faceți "
                  "parte o cere tuturor membrilor.")


class OwnerNeedsTwoFactor(Conflict):
    code = "two_factor_required"
    message_ro = ("Activați întâi autentificarea în doi pași pentru contul dumneavoastră "
                  "(„Contul meu”), apoi o puteți cere membrilor companiei.")


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int
    recovery_codes_used: int
    recovery_code_last_used_at: datetime | None  # so the person notices a use that was not theirs
    required_by: list[str]  # CIFs of the user's companies that require it


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str  # otpauth://, for the QR code


@dataclass(frozen=True)
class LoginChallenge:
    token: str  # opaque to the browser: "<user id>.<random>", only its hash is stored


class TwoFactor:
    def __init__(self, identity: IdentityProvider, cipher: TokenCipher,
                 clock: Callable[[], datetime]) -> None:
        self._identity = identity
        self._cipher = cipher
        self._now = clock

    # -- status and enrolment -------------------------------------------------------------------

    def status(self, user_id: str) -> TwoFactorStatus:
        account = _account(user_id)
        used = account.recovery_codes_used or []
        return TwoFactorStatus(account.two_factor_enabled_at is not None, account.two_factor_enabled_at,
                               len(account.recovery_codes or ()), len(used),
                               used[-1].used_at if used else None, requiring_companies(user_id))

    def start_enrolment(self, user_id: str, access_token: str) -> Enrolment:
        account = _account(user_id)
        if account.two_factor_enabled_at is not None:
            raise TwoFactorAlreadyEnabled()
        secret = self._identity.start_totp(access_token)
        accounts.start_totp_enrolment(user_id, self._cipher.encrypt(secret, _context(user_id)))
        return Enrolment(secret, rules.authenticator_uri(account.email, secret))

    def confirm_enrolment(self, user_id: str, access_token: str, code: str) -> list[str]:
        """Check the app's first code; turn two-factor login on; return the recovery codes (once)."""
        account = _account(user_id)
        if account.two_factor_enabled_at is not None:
            raise TwoFactorAlreadyEnabled()
        if account.totp_pending_ciphertext is None:
            raise EnrolmentNotStarted()
        now = self._now()
        self._check_not_locked(account, now)
        if not rules.is_totp_code(code):
            self._count_failure(account, now)
            raise InvalidTotpCode()
        try:
            self._identity.confirm_totp(access_token, rules.normalize_code(code))
        except InvalidTotpCode:
            self._count_failure(account, now)
            raise
        codes = rules.new_recovery_codes()
        accounts.enable_two_factor(user_id, now=now, secret_ciphertext=account.totp_pending_ciphertext,
                                   recovery_code_hashes={rules.recovery_code_hash(user_id, c) for c in codes})
        return codes

    def disable(self, user_id: str, access_token: str, password: str, code: str) -> None:
        """Turn two-factor login off: the password and a current code (or a recovery code)."""
        account = _account(user_id)
        if account.two_factor_enabled_at is None:
            raise TwoFactorNotEnabled()
        required_by = requiring_companies(user_id)
        if required_by:
            raise TwoFactorRequiredByCompany(details={"cifs": required_by})
        self._password_and_code(account, password, code, purpose="disable")
        self._identity.disable_totp(access_token)
        accounts.disable_two_factor(user_id)

    def new_recovery_codes(self, user_id: str, access_token: str, password: str, code: str) -> list[str]:
        """Replace every recovery code (the old ones stop working), after password and code."""
        account = _account(user_id)
        if account.two_factor_enabled_at is None:
            raise TwoFactorNotEnabled()
        self._password_and_code(account, password, code, purpose="renew")
        codes = rules.new_recovery_codes()
        accounts.replace_recovery_codes(user_id, {rules.recovery_code_hash(user_id, c) for c in codes})
        return codes

    def _password_and_code(self, account: Account, password: str, code: str, *, purpose: str) -> None:
        """Turning it off or renewing codes: the current password (limited as a password change
        is, services/accounts.py) and a current code or a recovery code."""
        now = self._now()
        self._check_not_locked(account, now)
        take_password_check(account.user_id, now)
        try:
            outcome = self._identity.sign_in(account.email, password)
        except InvalidCredentials as error:
            raise WrongPassword() from error
        self._prove(account, outcome, code, now, purpose=purpose)

    # -- sign-in --------------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, client: str = "") -> Session | LoginChallenge:
        now = self._now()
        taken = take_login_attempt(email, client, now)  # kept when the password is wrong
        outcome = self._identity.sign_in(email, password)
        if isinstance(outcome, Session):
            give_back(taken)
            record_session(outcome, now)
            return outcome
        user = self._identity.find(email)
        account = accounts.get(user.user_id) if user else None
        if user is None or account is None:  # deleted between the two calls
            raise InvalidCredentials()
        token = f"{user.user_id}.{secrets.token_urlsafe(32)}"
        accounts.open_login_challenge(user.user_id, challenge_hash=rules.challenge_hash(token),
                                      session=outcome.session, expires_at=now + rules.LOGIN_CHALLENGE_LIFETIME)
        give_back(taken)  # the password was right
        return LoginChallenge(token)

    def complete_sign_in(self, token: str, code: str, client: str = "") -> Session:
        now = self._now()
        taken = take_login_attempt(None, client, now)  # kept unless this step signs in
        user_id, _, _ = (token or "").partition(".")
        account = accounts.get(user_id) if user_id else None
        if account is None or not _challenge_open(account, token, now):
            raise LoginChallengeExpired()
        self._check_not_locked(account, now)
        _take_attempt(account, token)
        session = self._answer(account, account.login_challenge_session, code, now, purpose="login")
        accounts.close_login_challenge(account.user_id)
        give_back(taken)
        record_session(session, now)
        return session

    def answer_for_signed_in(self, user_id: str, challenge: MfaChallenge) -> Session:
        """Cognito's challenge for a user who is signed in already with two-factor login (their
        new session after a password change, services/accounts.py): answered with the current
        code of the secret kept since enrolment, as a recovery-code sign-in is."""
        account = _account(user_id)
        if account.totp_secret_ciphertext is None:  # Cognito asks, Arhivar has no secret: sign in again
            raise NotAuthenticated()
        secret = self._cipher.decrypt(account.totp_secret_ciphertext, _context(user_id))
        return self._identity.answer_totp(account.email, challenge.session, _current_code(secret, self._now()))

    # -- codes ----------------------------------------------------------------------------------

    def _prove(self, account: Account, outcome: Session | MfaChallenge, code: str, now: datetime,
               purpose: str) -> None:
        """The second factor, checked the way a sign-in checks it: by answering Cognito's
        challenge. Should Cognito not ask (its MFA turned off behind Arhivar's back), the code
        is checked against the kept secret instead, so a code is never skipped."""
        if isinstance(outcome, MfaChallenge):
            self._answer(account, outcome.session, code, now, purpose=purpose)
            return
        if rules.is_totp_code(code):
            secret = self._cipher.decrypt(account.totp_secret_ciphertext, _context(account.user_id))
            expected = {_current_code(secret, now + timedelta(seconds=step)) for step in (-30, 0, 30)}
            if rules.normalize_code(code) in expected:
                return
        elif _use_recovery_code(account, rules.recovery_code_hash(account.user_id, code), now, purpose):
            return
        self._count_failure(account, now)
        raise InvalidTotpCode()

    def _answer(self, account: Account, challenge_session: str, code: str, now: datetime,
                purpose: str) -> Session:
        """Answer Cognito's challenge with a TOTP code, or with a recovery code (used up)."""
        if rules.is_totp_code(code):
            try:
                return self._identity.answer_totp(account.email, challenge_session,
                                                  rules.normalize_code(code))
            except InvalidTotpCode:
                self._count_failure(account, now)
                raise
        digest = rules.recovery_code_hash(account.user_id, code)
        if not _use_recovery_code(account, digest, now, purpose):
            self._count_failure(account, now)
            raise InvalidTotpCode()
        secret = self._cipher.decrypt(account.totp_secret_ciphertext, _context(account.user_id))
        try:
            return self._identity.answer_totp(account.email, challenge_session, _current_code(secret, now))
        except Exception:
            accounts.give_back_recovery_code(account.user_id, digest)  # not the person's fault: the code stays usable
            raise

    def _check_not_locked(self, account: Account, now: datetime) -> None:
        window = rules.FailureWindow(int(account.two_factor_failures or 0), account.two_factor_failures_since)
        if window.locked(now):
            raise rules.TooManyAttempts()

    def _count_failure(self, account: Account, now: datetime) -> None:
        window = rules.FailureWindow(int(account.two_factor_failures or 0), account.two_factor_failures_since)
        after = window.after_failure(now)
        assert after.since is not None  # a failure always starts or continues a window
        # A lock ends the outstanding sign-in with it.
        accounts.note_two_factor_failures(account.user_id, after.failures, after.since,
                                          end_challenge=after.locked(now))


# -- a company's requirement --------------------------------------------------------------------

def company_requires(cif: str) -> bool:
    return companies.requires_two_factor(cif)


def requiring_companies(user_id: str) -> list[str]:
    """The CIFs of the user's active companies that require two-factor login."""
    cifs = [m.cif for m in memberships.of_user(user_id) if m.state == MembershipState.ACTIVE.value]
    return sorted(companies.requiring_two_factor(cifs))


def set_company_requirement(membership: Membership, required: bool) -> bool:
    """Owners only; an owner must have two-factor login to require it of others."""
    if Role(membership.role) is not Role.OWNER:
        raise NotAllowed("Doar proprietarii companiei pot schimba această setare.")
    if required and _account(membership.user_id).two_factor_enabled_at is None:
        raise OwnerNeedsTwoFactor()
    companies.set_two_factor_required(membership.cif, required)
    return required


# -- helpers ------------------------------------------------------------------------------------

def _account(user_id: str) -> Account:
    account = accounts.get(user_id)
    if account is None:
        raise NotAuthenticated()
    return account


def _context(user_id: str) -> dict[str, str]:
    return {"purpose": "totp-secret", "user_id": user_id}


def _challenge_open(account: Account, token: str, now: datetime) -> bool:
    return bool(account.login_challenge_hash and account.login_challenge_session
                and account.login_challenge_expires_at and now < account.login_challenge_expires_at
                and (account.login_challenge_attempts or 0) < rules.MAX_CHALLENGE_ATTEMPTS
                and hmac.compare_digest(account.login_challenge_hash, rules.challenge_hash(token)))


def _take_attempt(account: Account, token: str) -> None:
    """Count one code against the sign-in, atomically: parallel requests cannot get more than
    MAX_CHALLENGE_ATTEMPTS answers to Cognito out of one password."""
    if not accounts.count_challenge_attempt(account.user_id, rules.challenge_hash(token),
                                            rules.MAX_CHALLENGE_ATTEMPTS):
        raise LoginChallengeExpired()


def _use_recovery_code(account: Account, digest: str, now: datetime, purpose: str) -> bool:
    """Remove the code's hash if it is still there (atomically: a code works once) and record it."""
    return accounts.use_recovery_code(account.user_id, digest, now=now, purpose=purpose)


def _current_code(secret: str, now: datetime) -> str:
    """The authenticator's code at `now` (RFC 6238: SHA-1, 6 digits, 30 s), as Cognito expects."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    totp = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)
    return totp.generate(int(now.timestamp())).decode()


class TwoFactorRequired(ArhivarError):
    code = "two_factor_required"
    status = 403
    message_ro = ("Această companie cere autentificarea în doi pași pentru toți membrii. "
                  "Activați-o din „Contul meu”, apoi reveniți.")


def require_for_company(user_id: str, cif: str) -> None:
    """THE check of a company's requirement, run before every company route (api/routing.py).

    Only an active member without two-factor login is refused (403 two_factor_required);
    anyone else passes on to the route, whose membership check answers outsiders 404, so the
    setting itself is never revealed to them."""
    if not company_requires(cif):
        return
    if memberships.state_of(user_id, cif) != MembershipState.ACTIVE.value:
        return
    if accounts.two_factor_enabled(user_id) is False:
        raise TwoFactorRequired(details={"cif": cif})


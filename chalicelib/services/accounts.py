"""Accounts: sign-up with accepted terms, e-mail confirmation and password reset by code,
refresh, sign-out, change password, delete account (sign-in, which may need a second factor,
is services/two_factor.py).

Arhivar sends its own six-digit codes (Romanian e-mails through SES) and confirms/resets
through Cognito's admin API: the same path locally and in AWS, and testable end to end.
Codes are stored hashed, expire, and allow a few attempts only.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.errors import NotAuthenticated, ValidationFailed
from chalicelib.domain.passwords import check_password
from chalicelib.domain.terms import TERMS_VERSION
from chalicelib.services import audit, limits, memberships
from chalicelib.storage import accounts
from chalicelib.storage.accounts import Account
from chalicelib.storage.identity import (
    AccountExists,
    IdentityProvider,
    InvalidCredentials,
    MfaChallenge,
    Session,
)
from chalicelib.storage.mail import Mailer

CONFIRM = "confirm"
RESET = "reset"
CODE_LIFETIME = {CONFIRM: timedelta(hours=24), RESET: timedelta(hours=1)}
MAX_CODE_ATTEMPTS = 5  # per code: a conditional counter on the account, never passed
# Across codes: a new code does not give new attempts. Counted per address, known or not.
CODE_ATTEMPTS_PER_HOUR = 10
# Code e-mails (sign-up, resend, password reset): per address and per client IP.
CODE_MAILS_PER_MINUTE = 1
CODE_MAILS_PER_HOUR = 5
CODE_MAILS_PER_IP_PER_HOUR = 30
# Logins: failed attempts (a successful login gives its unit back), per address and per IP.
LOGIN_WINDOW = timedelta(minutes=15)
FAILED_LOGINS_PER_ADDRESS = 10
FAILED_LOGINS_PER_IP = 50
# The current password, when changing it or deleting the account (a stolen access token).
PASSWORD_CHECKS_PER_HOUR = 10
SESSION_LIFETIME = timedelta(days=30)  # Cognito's refresh token validity (infra, app.py)

_CODES_LIMITED = "Ați cerut deja un cod de curând. Încercați din nou peste {wait}."
_ATTEMPTS_LIMITED = "Prea multe coduri greșite pentru această adresă. Încercați din nou peste {wait}."
_LOGINS_LIMITED = "Prea multe încercări de autentificare. Încercați din nou peste {wait}."
_PASSWORD_LIMITED = "Prea multe încercări cu parola greșită. Încercați din nou peste {wait}."


class TermsNotAccepted(ValidationFailed):
    code = "terms_not_accepted"
    message_ro = "Pentru a crea contul trebuie să acceptați Termenii și condițiile."


class InvalidCode(ValidationFailed):
    code = "invalid_code"
    message_ro = "Codul nu este corect sau a expirat. Cereți un cod nou."


class WrongPassword(ValidationFailed):
    code = "wrong_password"
    message_ro = "Parola actuală nu este corectă."


@dataclass(frozen=True)
class AccountView:
    user_id: str
    email: str
    terms_version: str
    terms_accepted_at: datetime
    created_at: datetime


class Accounts:
    def __init__(self, identity: IdentityProvider, mailer: Mailer, public_url: str,
                 clock: Callable[[], datetime],
                 second_factor: Callable[[str, MfaChallenge], Session] | None = None) -> None:
        """`second_factor(user_id, challenge)` answers Cognito's TOTP challenge for a user who
        is already signed in (services/two_factor.py): after a password change of an account
        with two-factor login, the caller's new session."""
        self._identity = identity
        self._mailer = mailer
        self._public_url = public_url
        self._now = clock
        self._second_factor = second_factor

    def sign_up(self, email: str, password: str, accepted_terms_version: str | None) -> None:
        if accepted_terms_version != TERMS_VERSION:
            raise TermsNotAccepted()
        check_password(password)
        user_id = self._create_identity(email, password)
        account = None
        try:
            now = self._now()
            account = accounts.create(user_id, email, terms_version=TERMS_VERSION, now=now)
            # Counted in the address's hour, not in its minute: that would tell a "resend"
            # that the address has just signed up.
            self._take_code_mail(email, None, CONFIRM, minute=False)
            self._send_code(account, CONFIRM)
        except BaseException:
            # Not atomic in Cognito and DynamoDB together: undo, so the address stays free.
            self._undo_sign_up(email, user_id, account)
            raise

    def _create_identity(self, email: str, password: str) -> str:
        """The new Cognito user's id. A user of the address without an account item is a
        half-done earlier sign-up (a failure whose clean-up failed too): it is replaced."""
        try:
            return self._identity.create_user(email, password)
        except AccountExists:
            user = self._identity.find(email)
            if user is None or user.confirmed or accounts.exists(user.user_id):
                raise
        self._identity.delete_quietly(email)
        return self._identity.create_user(email, password)

    def _undo_sign_up(self, email: str, user_id: str, account: Account | None) -> None:
        """Delete what a failed sign-up created; only its own user (a parallel sign-up of the
        same address may have replaced it), and never raise over the original failure."""
        if account is not None:
            with contextlib.suppress(Exception):  # an item without its Cognito user is never read
                accounts.delete(account.user_id)
        try:
            user = self._identity.find(email)
        except Exception:  # noqa: BLE001 - left to the next sign-up of the address (replaced)
            return
        if user is not None and user.user_id == user_id and not user.confirmed:
            self._identity.delete_quietly(email)

    def resend_confirmation(self, email: str, client: str = "") -> None:
        """Send a fresh code. Unknown, confirmed and pending addresses are limited alike and
        answered alike: the answer reveals nothing."""
        self._take_code_mail(email, client, CONFIRM)
        user = self._identity.find(email)
        if user is None or user.confirmed:
            return
        self._send_code(self._account(user.user_id), CONFIRM)

    def confirm(self, email: str, code: str) -> None:
        """Only a pending account with its right code is confirmed; an unknown or already
        confirmed address gets the same `invalid_code` as a wrong code (and uses an attempt)."""
        self._take_code_attempt(email)
        user = self._identity.find(email)
        if user is None or user.confirmed:
            raise InvalidCode()
        self._consume_code(self._account(user.user_id), CONFIRM, code)
        self._identity.confirm(email)

    def refresh(self, refresh_token: str | None) -> Session:
        if not refresh_token:
            raise NotAuthenticated()
        try:
            session = self._identity.refresh(refresh_token)
        except InvalidCredentials as error:
            raise NotAuthenticated() from error
        user_id, session_id = _session_of(session.access_token)
        if not self.session_active(user_id, session_id):  # signed out (here or everywhere)
            raise NotAuthenticated()
        return session

    def session_active(self, user_id: str, session_id: str) -> bool:
        """Whether a session (Cognito's `origin_jti`, shared by the access tokens of one
        login and its refreshes) is still open: the token verifier asks on every request."""
        sessions = accounts.sessions_of(user_id)
        return any(entry.partition(":")[2] == session_id for entry in sessions or ())

    def sign_out(self, user_id: str) -> None:
        """Sign out everywhere: Cognito revokes every refresh token of the user, and the
        session list is emptied so that access tokens already issued are refused at once."""
        self._end_sessions(self._account(user_id))

    def request_password_reset(self, email: str, client: str = "") -> None:
        """E-mail a reset code when the account exists; limited and answered the same either way."""
        self._take_code_mail(email, client, RESET)
        user = self._identity.find(email)
        if user is None:
            return
        self._send_code(self._account(user.user_id), RESET)

    def reset_password(self, email: str, code: str, password: str) -> None:
        check_password(password)
        self._take_code_attempt(email)
        user = self._identity.find(email)
        if user is None:
            raise InvalidCode()
        account = self._account(user.user_id)
        self._consume_code(account, RESET, code)
        self._identity.set_password(email, password)
        if not user.confirmed:  # the code reached their inbox: the address is theirs
            self._identity.confirm(email)
        self._end_sessions(account)  # whoever knew the old password is out

    def profile(self, user_id: str) -> AccountView:
        account = self._account(user_id)
        return AccountView(account.user_id, account.email, account.terms_version,
                           account.terms_accepted_at, account.created_at)

    def change_password(self, user_id: str, access_token: str, current: str, new: str) -> Session:
        """Change the password, end every session (other devices too), and open a new one
        for the caller."""
        check_password(new)
        account = self._account(user_id)
        self._take_password_check(user_id)
        try:
            self._identity.change_password(access_token, current, new)
        except InvalidCredentials as error:
            raise WrongPassword() from error
        self._end_sessions(account)
        outcome = self._identity.sign_in(account.email, new)
        if isinstance(outcome, MfaChallenge):  # two-factor login: the caller's session passed it
            if self._second_factor is None:
                raise NotAuthenticated()
            outcome = self._second_factor(user_id, outcome)
        self._record_session(outcome)
        return outcome

    def delete(self, user_id: str, password: str) -> None:
        """Delete the account and its memberships; archives stay with their companies."""
        account = self._account(user_id)
        self._take_password_check(user_id)
        try:  # a session (never recorded: unusable), or with two-factor login a challenge:
            self._identity.sign_in(account.email, password)  # either proves the password
        except InvalidCredentials as error:
            raise WrongPassword() from error
        memberships.leave_all(user_id)
        self._identity.delete(account.email)
        accounts.delete(user_id)

    # -- sessions ----------------------------------------------------------------------------

    def _record_session(self, session: Session) -> None:
        record_session(session, self._now())

    def _end_sessions(self, account: Account) -> None:
        self._identity.sign_out_everywhere(account.email)
        accounts.end_sessions(account.user_id)

    # -- limits ------------------------------------------------------------------------------

    def _take_code_mail(self, email: str, client: str | None, purpose: str,
                        minute: bool = True) -> list[limits.Taken]:
        """Per address; per client IP too when asked for an existing address's code (sign-up
        is left to Cognito's own limits and the WAF, one code per new account)."""
        now = self._now()
        windows = [("code-mail-hour", email, timedelta(hours=1), CODE_MAILS_PER_HOUR)]
        if minute:
            windows.append((f"code-mail-minute-{purpose}", email, timedelta(minutes=1), CODE_MAILS_PER_MINUTE))
        if client is not None:
            windows.insert(0, ("code-mail-ip", client, timedelta(hours=1), CODE_MAILS_PER_IP_PER_HOUR))
        taken: list[limits.Taken] = []
        try:
            for bucket, key, per, limit in windows:
                taken.append(limits.take(bucket, key, per=per, limit=limit, now=now,
                                         message_ro=_CODES_LIMITED))
        except limits.RateLimited:
            for unit in taken:
                unit.give_back()
            raise
        return taken

    def _take_code_attempt(self, email: str) -> None:
        limits.take("code-attempts", email, per=timedelta(hours=1), limit=CODE_ATTEMPTS_PER_HOUR,
                    now=self._now(), message_ro=_ATTEMPTS_LIMITED)

    def _take_password_check(self, user_id: str) -> None:
        take_password_check(user_id, self._now())

    # -- codes -------------------------------------------------------------------------------

    def _account(self, user_id: str) -> Account:
        account = accounts.get(user_id)
        if account is None:
            raise NotAuthenticated()
        return account

    def _send_code(self, account: Account, purpose: str) -> None:
        now = self._now()
        code = f"{secrets.randbelow(10**6):06d}"
        accounts.store_code(account.user_id, purpose=purpose, code_hash=_code_hash(account.user_id, purpose, code),
                            expires_at=now + CODE_LIFETIME[purpose], sent_at=now)
        subject, text = _code_mail(purpose, code, self._public_url)
        self._mailer.send(to=account.email, subject=subject, text=text)

    def _consume_code(self, account: Account, purpose: str, code: str) -> None:
        """Count the attempt first, atomically (`ADD 1` only while attempts < the limit), then
        compare; the right code is removed with a condition on its hash, so it works once."""
        now = self._now()
        expected = account.code_hash
        if not (expected and account.code_expires_at and now < account.code_expires_at):
            raise InvalidCode()
        if not accounts.count_code_attempt(account.user_id, purpose=purpose, code_hash=expected,
                                           limit=MAX_CODE_ATTEMPTS):
            raise InvalidCode()
        if not hmac.compare_digest(expected, _code_hash(account.user_id, purpose, code)):
            raise InvalidCode()
        if not accounts.use_code(account.user_id, expected):
            raise InvalidCode()  # used by a parallel request a moment ago


# -- sign-in (services/two_factor.py signs in; these are the rules it shares with Accounts) ---

def take_login_attempt(email: str | None, client: str, now: datetime) -> list[limits.Taken]:
    """One unit of the failed-login limits, per client IP and (when given) per address. The
    caller gives the units back when the step succeeds, so only failures count."""
    by_ip = limits.take("login-ip", client, per=LOGIN_WINDOW, limit=FAILED_LOGINS_PER_IP,
                        now=now, message_ro=_LOGINS_LIMITED)
    if email is None:
        return [by_ip]
    try:
        by_address = limits.take("login-address", email, per=LOGIN_WINDOW,
                                 limit=FAILED_LOGINS_PER_ADDRESS, now=now, message_ro=_LOGINS_LIMITED)
    except limits.RateLimited:
        by_ip.give_back()
        raise
    return [by_ip, by_address]


def take_password_check(user_id: str, now: datetime) -> None:
    """One check of a signed-in user's current password (changing it, deleting the account,
    turning two-factor login off, new recovery codes): a stolen access token cannot try many."""
    limits.take("password-check", user_id, per=timedelta(hours=1), limit=PASSWORD_CHECKS_PER_HOUR,
                now=now, message_ro=_PASSWORD_LIMITED)


def give_back(taken: list[limits.Taken]) -> None:
    for unit in taken:
        unit.give_back()


def record_session(session: Session, now: datetime) -> None:
    """Add a login's session to the account's open sessions (and forget those older than a
    refresh token lives): the token verifier accepts only the access tokens of these."""
    user_id, session_id = _session_of(session.access_token)
    account = accounts.get(user_id)
    if account is None:
        raise NotAuthenticated()
    oldest = int((now - SESSION_LIFETIME).timestamp())
    stale = {e for e in account.sessions or () if int(e.partition(":")[0]) < oldest}
    accounts.open_session(user_id, f"{int(now.timestamp())}:{session_id}", forget=stale)
    audit.record_login(lambda: user_id)  # "from a new device" in the companies' journals


def _session_of(access_token: str) -> tuple[str, str]:
    """The user and session of an access token Cognito has just issued to us (read, not
    verified: it comes straight from Cognito's answer, or was verified by the API)."""
    claims = _unverified_claims(access_token)
    return claims["sub"], claims.get("origin_jti") or claims["jti"]


def _unverified_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, decoded without checking anything (this module does not load PyJWT:
    the workers import it, and only the API verifies tokens, in chalicelib/api/tokens.py)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def _code_hash(user_id: str, purpose: str, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{purpose}:{code.strip()}".encode()).hexdigest()


def _code_mail(purpose: str, code: str, public_url: str) -> tuple[str, str]:
    if purpose == CONFIRM:
        return (f"Codul de confirmare Arhivar: {code}",
                (f"Bună ziua,\n\nCodul pentru confirmarea contului Arhivar este: {code}\n"
                 f"Codul este valabil 24 de ore. Îl introduceți în pagina de confirmare: "
                 f"{public_url}/confirmare\n\nDacă nu ați creat un cont Arhivar, ignorați acest mesaj.\n"))
    return (f"Resetarea parolei Arhivar: {code}",
            (f"Bună ziua,\n\nCodul pentru resetarea parolei Arhivar este: {code}\n"
             f"Codul este valabil o oră: {public_url}/resetare-parola\n\n"
             f"Dacă nu ați cerut resetarea parolei, ignorați acest mesaj; parola rămâne neschimbată.\n"))


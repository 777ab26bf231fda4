"""Accounts: sign-up with accepted terms, e-mail confirmation and password reset by code,
refresh, sign-out, change password, delete account (sign-in, which may need a second factor,
is services/two_factor.py).

Arhivar sends its own six-digit codes (Romanian e-mails through SES) and confirms/resets
through Cognito's admin API: the same path locally and in AWS, and testable end to end.
Codes are stored hashed, expire, and allow a few attempts only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.errors import ArhivarError, NotAuthenticated, ValidationFailed
from chalicelib.domain.passwords import check_password
from chalicelib.domain.terms import TERMS_VERSION
from chalicelib.services import memberships
from chalicelib.storage.identity import IdentityProvider, InvalidCredentials, Session
from chalicelib.storage.mail import Mailer
from chalicelib.storage.models import AccountModel

CONFIRM = "confirm"
RESET = "reset"
CODE_LIFETIME = {CONFIRM: timedelta(hours=24), RESET: timedelta(hours=1)}
MAX_CODE_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)


class TermsNotAccepted(ValidationFailed):
    code = "terms_not_accepted"
    message_ro = "Pentru a crea contul trebuie să acceptați Termenii și condițiile."


class InvalidCode(ValidationFailed):
    code = "invalid_code"
    message_ro = "Codul nu este corect sau a expirat. Cereți un cod nou."


class TooManyRequests(ArhivarError):
    code = "too_many_requests"
    status = 429
    message_ro = "Ați cerut deja un cod recent. Așteptați un minut și încercați din nou."


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
                 clock: Callable[[], datetime]) -> None:
        self._identity = identity
        self._mailer = mailer
        self._public_url = public_url
        self._now = clock

    def sign_up(self, email: str, password: str, accepted_terms_version: str | None) -> None:
        if accepted_terms_version != TERMS_VERSION:
            raise TermsNotAccepted()
        check_password(password)
        user_id = self._identity.sign_up(email, password)
        now = self._now()
        account = AccountModel(user_id=user_id, email=email, terms_version=TERMS_VERSION,
                               terms_accepted_at=now, created_at=now)
        self._send_code(account, CONFIRM)

    def resend_confirmation(self, email: str) -> None:
        """Send a fresh code; silent for unknown or confirmed addresses (reveals nothing)."""
        user = self._identity.find(email)
        if user is None or user.confirmed:
            return
        self._send_code(self._account(user.user_id), CONFIRM)

    def confirm(self, email: str, code: str) -> None:
        user = self._identity.find(email)
        if user is None:
            raise InvalidCode()
        account = self._account(user.user_id)
        if not user.confirmed:
            self._consume_code(account, CONFIRM, code)
            self._identity.confirm(email)
        memberships.claim_invitations(user.user_id, email, self._now())

    def refresh(self, refresh_token: str | None) -> Session:
        if not refresh_token:
            raise NotAuthenticated()
        try:
            return self._identity.refresh(refresh_token)
        except InvalidCredentials as error:
            raise NotAuthenticated() from error

    def sign_out(self, user_id: str) -> None:
        self._identity.sign_out_everywhere(self._account(user_id).email)

    def request_password_reset(self, email: str) -> None:
        """E-mail a reset code when the account exists; answer the same either way."""
        user = self._identity.find(email)
        if user is None:
            return
        self._send_code(self._account(user.user_id), RESET)

    def reset_password(self, email: str, code: str, password: str) -> None:
        check_password(password)
        user = self._identity.find(email)
        if user is None:
            raise InvalidCode()
        account = self._account(user.user_id)
        self._consume_code(account, RESET, code)
        self._identity.set_password(email, password)
        if not user.confirmed:  # the code reached their inbox: the address is theirs
            self._identity.confirm(email)

    def profile(self, user_id: str) -> AccountView:
        account = self._account(user_id)
        return AccountView(account.user_id, account.email, account.terms_version,
                           account.terms_accepted_at, account.created_at)

    def change_password(self, user_id: str, access_token: str, current: str, new: str) -> None:
        check_password(new)
        try:
            self._identity.change_password(access_token, current, new)
        except InvalidCredentials as error:
            raise WrongPassword() from error

    def delete(self, user_id: str, password: str) -> None:
        """Delete the account and its memberships; archives stay with their companies."""
        account = self._account(user_id)
        try:  # a session, or with two-factor login a challenge: either proves the password
            self._identity.sign_in(account.email, password)
        except InvalidCredentials as error:
            raise WrongPassword() from error
        memberships.leave_all(user_id)
        self._identity.delete(account.email)
        account.delete()

    # -- codes -------------------------------------------------------------------------------

    def _account(self, user_id: str) -> AccountModel:
        try:
            return AccountModel.get(user_id)
        except DoesNotExist as error:
            raise NotAuthenticated() from error

    def _send_code(self, account: AccountModel, purpose: str) -> None:
        now = self._now()
        if (account.code_sent_at and account.code_purpose == purpose
                and now - account.code_sent_at < RESEND_INTERVAL):
            raise TooManyRequests()
        code = f"{secrets.randbelow(10**6):06d}"
        account.code_purpose = purpose
        account.code_hash = _code_hash(account.user_id, purpose, code)
        account.code_expires_at = now + CODE_LIFETIME[purpose]
        account.code_sent_at = now
        account.code_attempts = 0
        account.save()
        subject, text = _code_mail(purpose, code, self._public_url)
        self._mailer.send(to=account.email, subject=subject, text=text)

    def _consume_code(self, account: AccountModel, purpose: str, code: str) -> None:
        now = self._now()
        usable = (account.code_purpose == purpose and account.code_hash and account.code_expires_at
                  and now < account.code_expires_at and account.code_attempts < MAX_CODE_ATTEMPTS)
        if not usable:
            raise InvalidCode()
        if not hmac.compare_digest(account.code_hash, _code_hash(account.user_id, purpose, code)):
            account.update(actions=[AccountModel.code_attempts.add(1)])
            raise InvalidCode()
        account.update(actions=[AccountModel.code_hash.remove(), AccountModel.code_purpose.remove(),
                                AccountModel.code_expires_at.remove()])


def _code_hash(user_id: str, purpose: str, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{purpose}:{code.strip()}".encode()).hexdigest()


def _code_mail(purpose: str, code: str, public_url: str) -> tuple[str, str]:
    if purpose == CONFIRM:
        return (f"Codul de confirmare Arhivar: {code}",
                f"Bună ziua,\n\nCodul pentru confirmarea contului Arhivar este: {code}\n"
                f"Codul este valabil 24 de ore. Îl introduceți în pagina de confirmare: "
                f"{public_url}/confirmare\n\nDacă nu ați creat un cont Arhivar, ignorați acest mesaj.\n")
    return (f"Resetarea parolei Arhivar: {code}",
            f"Bună ziua,\n\nCodul pentru resetarea parolei Arhivar este: {code}\n"
            f"Codul este valabil o oră: {public_url}/resetare-parola\n\n"
            f"Dacă nu ați cerut resetarea parolei, ignorați acest mesaj; parola rămâne neschimbată.\n")


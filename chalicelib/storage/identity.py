"""Accounts in the Cognito user pool, behind a small adapter that speaks in domain errors.

Arhivar sends its own confirmation and reset codes (Romanian e-mails through SES, see
services/accounts.py), so the pool is used through its admin API for those steps and never
sends e-mails itself; sign-in and refresh use the public client's flows. Users are created
only through the admin API (`create_user`): self sign-up is off on the pool, so the public
client's SignUp is refused.

Two-factor login is Cognito's software-token MFA (TOTP): enrolment through
AssociateSoftwareToken / VerifySoftwareToken / SetUserMFAPreference with the user's access
token, and sign-in answers Cognito's SOFTWARE_TOKEN_MFA challenge. Locally moto plays the same
calls (with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true it checks the codes), but hands every
user the same fixed secret; see README "Two-factor login".
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ArhivarError, Conflict, NotAuthenticated
from chalicelib.domain.passwords import WeakPassword
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, error_code, translated_errors


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message_ro = "Adresa de e-mail sau parola nu este corectă."


class AccountNotConfirmed(ArhivarError):
    code = "account_not_confirmed"
    status = 403
    message_ro = "Contul nu este confirmat încă. Introduceți codul primit pe e-mail."


class AccountExists(Conflict):
    code = "account_exists"
    message_ro = "Există deja un cont cu această adresă de e-mail. Intrați în cont sau resetați parola."


@dataclass(frozen=True)
class Session:
    access_token: str
    expires_in: int
    refresh_token: str | None  # absent when a refresh does not rotate it


@dataclass(frozen=True)
class MfaChallenge:
    """The password was right; Cognito now wants the user's TOTP code for this session."""
    session: str  # Cognito's opaque session (valid about 3 minutes)


class InvalidTotpCode(ArhivarError):
    code = "invalid_totp_code"
    status = 400
    message_ro = "Codul nu este corect. Introduceți codul afișat acum în aplicația de autentificare."


class LoginChallengeExpired(NotAuthenticated):
    code = "login_challenge_expired"
    message_ro = "Sesiunea de autentificare a expirat. Introduceți din nou adresa de e-mail și parola."


@dataclass(frozen=True)
class IdentityUser:
    user_id: str  # the Cognito `sub`
    email: str
    confirmed: bool


_HANDLED = {"UsernameExistsException", "InvalidPasswordException", "NotAuthorizedException",
            "UserNotConfirmedException", "UserNotFoundException"}
# A wrong TOTP code: CodeMismatch when answering a challenge, EnableSoftwareTokenMFA when AWS
# refuses the first code of an enrolment (moto raises CodeMismatch for both).
_CODE_MISMATCH = {"CodeMismatchException", "EnableSoftwareTokenMFAException"}
_TOTP_HANDLED = _HANDLED | _CODE_MISMATCH | {"ExpiredCodeException", "ResourceNotFoundException"}


def _handled(error: ClientError) -> bool:
    return error_code(error) in _HANDLED


class IdentityProvider:
    def __init__(self, settings: Settings) -> None:
        self._cognito = aws_client(settings, "cognito-idp")
        self._pool = settings.cognito_user_pool_id
        self._client = settings.cognito_client_id

    def create_user(self, email: str, password: str) -> str:
        """Create the user through the admin API, disabled until its address is confirmed
        (`confirm`); return its id. The pool refuses the public client's SignUp: users are
        created only here, so nobody can take someone else's address from outside the API.
        A failure after the user exists deletes it again: the address stays free."""
        try:
            with translated_errors("cognito", passthrough=_handled):
                self._cognito.admin_create_user(
                    UserPoolId=self._pool, Username=email, MessageAction="SUPPRESS",
                    UserAttributes=[{"Name": "email", "Value": email}])
        except ClientError as error:
            raise _domain_error(error) from error
        try:
            try:
                with translated_errors("cognito", passthrough=_handled):
                    self._cognito.admin_disable_user(UserPoolId=self._pool, Username=email)
                    self._cognito.admin_set_user_password(
                        UserPoolId=self._pool, Username=email, Password=password, Permanent=True)
            except ClientError as error:
                if not _handled(error):
                    raise
                raise _domain_error(error) from error
            user = self.find(email)
            if user is None:  # deleted by a parallel sign-up that took it for a half-done one
                raise AccountExists()
        except BaseException:
            self.delete_quietly(email)
            raise
        return user.user_id

    def find(self, email: str) -> IdentityUser | None:
        try:
            with translated_errors("cognito", passthrough=_handled):
                user = self._cognito.admin_get_user(UserPoolId=self._pool, Username=email)
        except ClientError as error:
            if error_code(error) == "UserNotFoundException":
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        # Pending: created disabled (`create_user`), or UNCONFIRMED (self sign-up, before it was off).
        return IdentityUser(attributes["sub"], attributes.get("email", email),
                            user["UserStatus"] == "CONFIRMED" and user.get("Enabled", True))

    def confirm(self, email: str) -> None:
        """The address is the user's: enabled (created disabled), or confirmed (a user of the
        former self sign-up), and the e-mail verified."""
        with translated_errors("cognito"):
            user = self._cognito.admin_get_user(UserPoolId=self._pool, Username=email)
            if user["UserStatus"] == "UNCONFIRMED":
                self._cognito.admin_confirm_sign_up(UserPoolId=self._pool, Username=email)
            if not user.get("Enabled", True):
                self._cognito.admin_enable_user(UserPoolId=self._pool, Username=email)
            self._cognito.admin_update_user_attributes(
                UserPoolId=self._pool, Username=email,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}])

    def sign_in(self, email: str, password: str) -> Session | MfaChallenge:
        """A session, or (for a user with two-factor login) the challenge to answer with a code."""
        return self._initiate("USER_PASSWORD_AUTH", {"USERNAME": email, "PASSWORD": password})

    def refresh(self, refresh_token: str) -> Session:
        session = self._initiate("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})
        if not isinstance(session, Session):  # Cognito never challenges a refresh
            raise InvalidCredentials()
        return session

    def answer_totp(self, email: str, challenge_session: str, code: str) -> Session:
        """Complete a SOFTWARE_TOKEN_MFA challenge. A wrong code is InvalidTotpCode; a session
        Cognito no longer accepts (expired, used) is LoginChallengeExpired."""
        try:
            with translated_errors("cognito", passthrough=lambda e: error_code(e) in _TOTP_HANDLED):
                answer = self._cognito.respond_to_auth_challenge(
                    ClientId=self._client, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge_session,
                    ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code})
        except ClientError as error:
            if error_code(error) in _CODE_MISMATCH:
                raise InvalidTotpCode() from error
            raise LoginChallengeExpired() from error
        result = answer.get("AuthenticationResult")
        if not result:
            raise LoginChallengeExpired()
        return Session(result["AccessToken"], int(result["ExpiresIn"]), result.get("RefreshToken"))

    def start_totp(self, access_token: str) -> str:
        """Begin enrolling an authenticator app; return the new TOTP secret (base32)."""
        try:
            with translated_errors("cognito", passthrough=_handled):
                return self._cognito.associate_software_token(AccessToken=access_token)["SecretCode"]
        except ClientError as error:
            raise NotAuthenticated() from error

    def confirm_totp(self, access_token: str, code: str) -> None:
        """Check the first code of the app being enrolled, then make TOTP the user's second factor."""
        try:
            with translated_errors("cognito", passthrough=lambda e: error_code(e) in _TOTP_HANDLED):
                answer = self._cognito.verify_software_token(
                    AccessToken=access_token, UserCode=code, FriendlyDeviceName="Arhivar")
        except ClientError as error:
            if error_code(error) in _CODE_MISMATCH:
                raise InvalidTotpCode() from error
            raise NotAuthenticated() from error
        if answer.get("Status") != "SUCCESS":
            raise InvalidTotpCode()
        self._set_totp(access_token, enabled=True)

    def disable_totp(self, access_token: str) -> None:
        self._set_totp(access_token, enabled=False)

    def _set_totp(self, access_token: str, enabled: bool) -> None:
        try:
            with translated_errors("cognito", passthrough=_handled):
                self._cognito.set_user_mfa_preference(
                    AccessToken=access_token,
                    SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": enabled})
        except ClientError as error:
            raise NotAuthenticated() from error

    def sign_out_everywhere(self, email: str) -> None:
        """Revoke every refresh token of the user (all devices)."""
        with translated_errors("cognito"):
            self._cognito.admin_user_global_sign_out(UserPoolId=self._pool, Username=email)

    def set_password(self, email: str, password: str) -> None:
        try:
            with translated_errors("cognito", passthrough=_handled):
                self._cognito.admin_set_user_password(
                    UserPoolId=self._pool, Username=email, Password=password, Permanent=True)
        except ClientError as error:
            raise _domain_error(error) from error

    def change_password(self, access_token: str, current: str, new: str) -> None:
        try:
            with translated_errors("cognito", passthrough=_handled):
                self._cognito.change_password(
                    AccessToken=access_token, PreviousPassword=current, ProposedPassword=new)
        except ClientError as error:
            raise _domain_error(error) from error

    def delete(self, email: str) -> None:
        with translated_errors("cognito"):
            self._cognito.admin_delete_user(UserPoolId=self._pool, Username=email)

    def delete_quietly(self, email: str) -> None:
        """Clean-up after a failed sign-up: delete the user if it is there, never raise (the
        original failure is the one to report)."""
        with contextlib.suppress(Exception):  # gone already, or Cognito down: a retry replaces it
            self.delete(email)

    def _initiate(self, flow: str, parameters: dict[str, str]) -> Session | MfaChallenge:
        try:
            with translated_errors("cognito", passthrough=_handled):
                answer = self._cognito.initiate_auth(
                    ClientId=self._client, AuthFlow=flow, AuthParameters=parameters)
        except ClientError as error:
            raise _domain_error(error) from error
        if answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            return MfaChallenge(answer["Session"])
        if "AuthenticationResult" not in answer:  # a challenge Arhivar never sets up (SMS, …)
            raise InvalidCredentials()
        result = answer["AuthenticationResult"]
        return Session(result["AccessToken"], int(result["ExpiresIn"]), result.get("RefreshToken"))


def _domain_error(error: ClientError) -> ArhivarError:
    code = error_code(error)
    if code == "UsernameExistsException":
        return AccountExists()
    if code == "InvalidPasswordException":
        return WeakPassword()
    if code == "UserNotConfirmedException":
        return AccountNotConfirmed()
    if code == "NotAuthorizedException" and "disabled" in str(error.response.get("Error", {}).get("Message", "")):
        return AccountNotConfirmed()  # created disabled, enabled only by the e-mailed code
    return InvalidCredentials()  # NotAuthorized, UserNotFound: never say which

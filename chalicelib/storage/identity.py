"""Accounts in the Cognito user pool, behind a small adapter that speaks in domain errors.

Arhivar sends its own confirmation and reset codes (Romanian e-mails through SES, see
services/accounts.py), so the pool is used through its admin API for those steps and never
sends e-mails itself; sign-in and refresh use the public client's flows.
"""

from __future__ import annotations

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
class IdentityUser:
    user_id: str  # the Cognito `sub`
    email: str
    confirmed: bool


_HANDLED = {"UsernameExistsException", "InvalidPasswordException", "NotAuthorizedException",
            "UserNotConfirmedException", "UserNotFoundException"}


def _handled(error: ClientError) -> bool:
    return error_code(error) in _HANDLED


class IdentityProvider:
    def __init__(self, settings: Settings) -> None:
        self._cognito = aws_client(settings, "cognito-idp")
        self._pool = settings.cognito_user_pool_id
        self._client = settings.cognito_client_id

    def sign_up(self, email: str, password: str) -> str:
        """Create an unconfirmed user; return its id."""
        try:
            with translated_errors("cognito", passthrough=_handled):
                answer = self._cognito.sign_up(
                    ClientId=self._client, Username=email, Password=password,
                    UserAttributes=[{"Name": "email", "Value": email}])
        except ClientError as error:
            raise _domain_error(error) from error
        return answer["UserSub"]

    def find(self, email: str) -> IdentityUser | None:
        try:
            with translated_errors("cognito", passthrough=_handled):
                user = self._cognito.admin_get_user(UserPoolId=self._pool, Username=email)
        except ClientError as error:
            if error_code(error) == "UserNotFoundException":
                return None
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        return IdentityUser(attributes["sub"], attributes.get("email", email),
                            user["UserStatus"] == "CONFIRMED")

    def confirm(self, email: str) -> None:
        with translated_errors("cognito"):
            self._cognito.admin_confirm_sign_up(UserPoolId=self._pool, Username=email)
            self._cognito.admin_update_user_attributes(
                UserPoolId=self._pool, Username=email,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}])

    def sign_in(self, email: str, password: str) -> Session:
        return self._initiate("USER_PASSWORD_AUTH", {"USERNAME": email, "PASSWORD": password})

    def refresh(self, refresh_token: str) -> Session:
        return self._initiate("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})

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

    def _initiate(self, flow: str, parameters: dict[str, str]) -> Session:
        try:
            with translated_errors("cognito", passthrough=_handled):
                answer = self._cognito.initiate_auth(
                    ClientId=self._client, AuthFlow=flow, AuthParameters=parameters)
        except ClientError as error:
            raise _domain_error(error) from error
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
    return InvalidCredentials()  # NotAuthorized, UserNotFound: never say which

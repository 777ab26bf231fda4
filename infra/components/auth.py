"""Cognito: the user pool (e-mail is the username) and the web app's public client."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from chalicelib.domain.passwords import PASSWORD_POLICY


class Accounts(Construct):
    """Mirrors local/bootstrap.py's ensure_user_pool: the same policy, flows and settings."""

    def __init__(self, scope: Construct, construct_id: str, *, pool_name: str, client_name: str,
                 protect: bool) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self, "UserPool",
            user_pool_name=pool_name,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            self_sign_up_enabled=True,
            # Nothing is auto-verified: Arhivar e-mails its own codes (services/accounts.py).
            auto_verify=cognito.AutoVerifiedAttrs(email=False, phone=False),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY.min_length,
                require_lowercase=PASSWORD_POLICY.require_lowercase,
                require_uppercase=PASSWORD_POLICY.require_uppercase,
                require_digits=PASSWORD_POLICY.require_digits,
                require_symbols=PASSWORD_POLICY.require_symbols,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Two-factor login is optional per user (TOTP apps only, no SMS); a company can
            # require it of its members (services/two_factor.py).
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            deletion_protection=protect,
            removal_policy=RemovalPolicy.RETAIN if protect else RemovalPolicy.DESTROY,
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=client_name,
            generate_secret=False,  # a browser app cannot keep a secret
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            disable_o_auth=True,  # no hosted UI: the web app signs in through the API
            prevent_user_existence_errors=True,
            refresh_token_validity=Duration.days(30),  # the refresh cookie's max age (app.py)
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        )

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
            # Users are created only through the API (AdminCreateUser, services/accounts.py):
            # the public client's SignUp could take someone else's address for good.
            self_sign_up_enabled=False,
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
            # Threat protection (issue 10): enforced for the flows the API uses. Besides the
            # API's own rate limits (services/limits.py) and Cognito's built-in lockout after
            # repeated failed sign-ins, it blocks compromised credentials and high-risk sign-ins.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
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
            enable_token_revocation=True,  # global sign-out and RevokeToken end refresh tokens
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        )
        # What threat protection does (client "ALL"): refuse a password known from breaches at
        # sign-up, sign-in and password change; block sign-ins Cognito rates high-risk. No
        # Cognito e-mails (notify off): Arhivar sends its own, in Romanian. The API signs in
        # from Lambda without a client secret, so Cognito scores the Lambda's address, not the
        # viewer's; per-IP limits are the API's (and the CloudFront WAF's).
        cognito.CfnUserPoolRiskConfigurationAttachment(
            self, "ThreatProtection",
            user_pool_id=self.user_pool.user_pool_id,
            client_id="ALL",
            compromised_credentials_risk_configuration=(
                cognito.CfnUserPoolRiskConfigurationAttachment.CompromisedCredentialsRiskConfigurationTypeProperty(
                    actions=cognito.CfnUserPoolRiskConfigurationAttachment.CompromisedCredentialsActionsTypeProperty(
                        event_action="BLOCK"),
                    event_filter=["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"])),
            account_takeover_risk_configuration=(
                cognito.CfnUserPoolRiskConfigurationAttachment.AccountTakeoverRiskConfigurationTypeProperty(
                    actions=cognito.CfnUserPoolRiskConfigurationAttachment.AccountTakeoverActionsTypeProperty(
                        high_action=_takeover("BLOCK"), medium_action=_takeover("NO_ACTION"),
                        low_action=_takeover("NO_ACTION")))),
        )


def _takeover(action: str) -> cognito.CfnUserPoolRiskConfigurationAttachment.AccountTakeoverActionTypeProperty:
    return cognito.CfnUserPoolRiskConfigurationAttachment.AccountTakeoverActionTypeProperty(
        event_action=action, notify=False)

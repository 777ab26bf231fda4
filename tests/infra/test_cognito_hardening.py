"""Issue 10 in AWS: Cognito's threat protection and token revocation in the user pool."""

from __future__ import annotations

from .conftest import properties, resources


def test_the_user_pool_enforces_threat_protection(template: dict) -> None:
    # GIVEN the synthesized stack, THEN the pool is on the tier with threat protection, enforced
    [pool] = resources(template, "AWS::Cognito::UserPool").values()
    props = properties(pool)
    assert props["UserPoolTier"] == "PLUS"
    assert props["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    # AND compromised passwords and high-risk sign-ins are blocked, without Cognito's e-mails
    [risk] = resources(template, "AWS::Cognito::UserPoolRiskConfigurationAttachment").values()
    risk_props = properties(risk)
    assert risk_props["ClientId"] == "ALL"
    compromised = risk_props["CompromisedCredentialsRiskConfiguration"]
    assert compromised["Actions"]["EventAction"] == "BLOCK"
    assert set(compromised["EventFilter"]) == {"SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"}
    high = risk_props["AccountTakeoverRiskConfiguration"]["Actions"]["HighAction"]
    assert high == {"EventAction": "BLOCK", "Notify": False}


def test_the_web_client_can_revoke_tokens(template: dict) -> None:
    [client] = resources(template, "AWS::Cognito::UserPoolClient").values()
    assert properties(client)["EnableTokenRevocation"] is True

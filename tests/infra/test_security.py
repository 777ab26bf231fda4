"""IAM least privilege, keys, the ANAF secret and Cognito."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.domain.passwords import PASSWORD_POLICY
from infra.components.secrets import PLACEHOLDER

from .conftest import api_function, properties, resources, worker_functions

IDENTITY_POLICY_TYPES = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical id, resource type, statement) of every policy document in the template."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if isinstance(node.get("Statement"), list):
                yield from node["Statement"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for logical_id, resource in template["Resources"].items():
        for statement in walk(resource.get("Properties", {})):
            yield logical_id, resource["Type"], statement


def test_no_policy_allows_every_action_on_every_resource(template: dict) -> None:
    offenders = []
    for logical_id, resource_type, statement in _statements(template):
        if statement.get("Effect") != "Allow":
            continue
        actions = [a for a in _as_list(statement.get("Action", [])) if isinstance(a, str)]
        every_resource = "*" in _as_list(statement.get("Resource", []))
        if "*" in actions and (every_resource or "Resource" not in statement):
            offenders.append((logical_id, statement))
        # Identity policies: not even a whole service on every resource.
        whole_service = any(a.endswith(":*") for a in actions)
        if resource_type in IDENTITY_POLICY_TYPES and every_resource and whole_service:
            offenders.append((logical_id, statement))
    assert offenders == []


def test_the_api_role_is_cdks_not_chalices(template: dict) -> None:
    role = api_function(template)["Role"]
    role_id = role["Fn::GetAtt"][0]
    assert template["Resources"][role_id]["Type"] == "AWS::IAM::Role"
    assert not any(logical_id.startswith("DefaultRole") for logical_id in template["Resources"])


def test_the_api_role_may_not_touch_what_it_does_not_need(template: dict) -> None:
    role_id = api_function(template)["Role"]["Fn::GetAtt"][0]
    actions = set()
    policies = [*resources(template, "AWS::IAM::Policy").values(),
                *resources(template, "AWS::IAM::ManagedPolicy").values()]  # CDK's overflow
    for policy in policies:
        if {"Ref": role_id} in properties(policy).get("Roles", []):
            for statement in properties(policy)["PolicyDocument"]["Statement"]:
                actions |= set(_as_list(statement["Action"]))
    assert "cognito-idp:AdminDeleteUser" in actions  # what identity.py calls
    assert "s3:PutObjectRetention" in actions  # originals with Object Lock
    # Data, not administration: no table/bucket/key management, no deleting archived objects
    assert not {a for a in actions if a.startswith((
        "dynamodb:DeleteTable", "dynamodb:CreateTable", "dynamodb:UpdateTable", "s3:Delete",
        "s3:PutBucket", "s3:BypassGovernanceRetention", "kms:ScheduleKeyDeletion", "kms:Disable",
        "kms:PutKeyPolicy", "iam:", "secretsmanager:PutSecretValue"))}


def test_every_function_has_its_own_role(template: dict) -> None:
    roles = [props["Role"]["Fn::GetAtt"][0] for props in worker_functions(template).values()]
    roles.append(api_function(template)["Role"]["Fn::GetAtt"][0])
    assert len(roles) == len(set(roles))


def test_keys_rotate(template: dict) -> None:
    keys = resources(template, "AWS::KMS::Key")
    assert len(keys) == 2  # ANAF tokens, archive
    for logical_id, key in keys.items():
        assert properties(key)["EnableKeyRotation"] is True, logical_id
        assert key["DeletionPolicy"] == "Retain", logical_id


def test_the_anaf_client_secret_is_a_placeholder_named_in_the_environment(template: dict, stage: str) -> None:
    [props] = [properties(s) for s in resources(template, "AWS::SecretsManager::Secret").values()
               if properties(s)["Name"].endswith("/anaf-client-secret")]
    assert props["SecretString"] == PLACEHOLDER
    assert props["Name"] == f"arhivar/{stage}/anaf-client-secret"
    for function in [api_function(template), *worker_functions(template).values()]:
        assert function["Environment"]["Variables"]["ARHIVAR_ANAF_CLIENT_SECRET_NAME"] == props["Name"]


def test_cognito_mirrors_the_local_user_pool(template: dict, stage: str) -> None:
    [pool] = resources(template, "AWS::Cognito::UserPool").values()
    props = properties(pool)
    assert props["UserPoolName"] == f"arhivar-{stage}"
    assert props["UsernameAttributes"] == ["email"]
    assert not props.get("AutoVerifiedAttributes")  # Arhivar e-mails its own codes
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == PASSWORD_POLICY.min_length
    assert policy["RequireLowercase"] == PASSWORD_POLICY.require_lowercase
    assert policy["RequireUppercase"] == PASSWORD_POLICY.require_uppercase
    assert policy["RequireNumbers"] == PASSWORD_POLICY.require_digits
    assert policy["RequireSymbols"] == PASSWORD_POLICY.require_symbols
    # Two-factor login: optional per user, authenticator apps (TOTP) only, as local/bootstrap.py
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    [client] = resources(template, "AWS::Cognito::UserPoolClient").values()
    client_props = properties(client)
    assert client_props["ClientName"] == f"arhivar-{stage}-web"
    assert client_props["GenerateSecret"] is False
    assert set(client_props["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert not client_props.get("AllowedOAuthFlows")
    assert client_props["PreventUserExistenceErrors"] == "ENABLED"

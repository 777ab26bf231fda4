"""The security journal's table in AWS: append-only for the API, out of reach of the workers."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.storage.models import AuditEventModel

from .conftest import api_function, properties, resources


def _audit_table_id(template: dict[str, Any]) -> str:
    return api_function(template)["Environment"]["Variables"]["ARHIVAR_AUDIT_TABLE"]["Ref"]


def _grants_on(template: dict[str, Any], logical_id: str) -> dict[str, set[str]]:
    """role logical id -> actions of every policy statement whose resources name the table."""
    found: dict[str, set[str]] = {}
    policies = [*resources(template, "AWS::IAM::Policy").values(),
                *resources(template, "AWS::IAM::ManagedPolicy").values()]
    for policy in policies:
        props = properties(policy)
        for statement in props["PolicyDocument"]["Statement"]:
            if logical_id not in json.dumps(statement.get("Resource")):
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for role in props.get("Roles", []):
                found.setdefault(role["Ref"], set()).update(actions)
    return found


def test_the_journal_table_is_keyed_by_cif_and_time(template: dict) -> None:
    # GIVEN the synthesized stack WHEN the audit table is looked up through the API's settings
    table = properties(template["Resources"][_audit_table_id(template)])
    # THEN its keys are the model's: cif + "at#<time>#<random>", and nothing expires it
    assert {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]} == {"HASH": "cif", "RANGE": "at"}
    assert AuditEventModel._hash_keyname == "cif" and AuditEventModel._range_keyname == "at"
    assert "TimeToLiveSpecification" not in table


def test_the_api_may_only_append_to_and_query_the_journal(template: dict) -> None:
    # GIVEN the API function's role
    api_role = api_function(template)["Role"]["Fn::GetAtt"][0]
    # WHEN every policy statement naming the journal table is collected
    grants = _grants_on(template, _audit_table_id(template))
    # THEN only the API role has any, and only PutItem and Query: no update, delete or scan
    assert set(grants) == {api_role}
    assert grants[api_role] == {"dynamodb:PutItem", "dynamodb:Query"}

"""Delivery to the customers' own buckets (issue 15): who may assume their roles, and how; the
delivery queue with its dead-letter queue and alarm."""

from __future__ import annotations

from typing import Any

from infra.components.queues import queue_names

from .conftest import api_function, properties, resources, worker_functions


def _role_statements(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    statements = []
    for policy in [*resources(template, "AWS::IAM::Policy").values(),
                   *resources(template, "AWS::IAM::ManagedPolicy").values()]:
        if {"Ref": role_id} in properties(policy).get("Roles", []):
            statements += properties(policy)["PolicyDocument"]["Statement"]
    return statements


def _assume_statements(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    return [s for s in _role_statements(template, role_id)
            if "sts:AssumeRole" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]


def _roles(template: dict[str, Any]) -> dict[str, str]:
    """handler -> its role's logical id, for the worker functions and the API."""
    found = {props.get("Handler", ""): props["Role"]["Fn::GetAtt"][0] for props in worker_functions(template).values()}
    found["api"] = api_function(template)["Role"]["Fn::GetAtt"][0]
    return found


def test_only_the_delivery_worker_and_the_api_assume_roles_and_only_with_an_external_id(template: dict) -> None:
    roles = _roles(template)
    allowed = {"functions.deliver_s3.handler.lambda_handler", "api"}
    for handler, role_id in roles.items():
        statements = _assume_statements(template, role_id)
        if handler not in allowed:
            assert statements == [], handler
            continue
        assert statements == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "arn:*:iam::*:role/*",
                               "Condition": {"Null": {"sts:ExternalId": "false"}}}], handler


def test_the_delivery_queue_has_its_dead_letter_queue_and_alarm(template: dict, stage: str) -> None:
    name = queue_names(stage)["s3_delivery_queue"]
    queues = {properties(q)["QueueName"]: logical_id
              for logical_id, q in resources(template, "AWS::SQS::Queue").items()}
    dead_letters = queues[f"{name}-dlq"]
    redrive = properties(template["Resources"][queues[name]])["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dead_letters, "Arn"]}
    alarmed = [properties(a) for a in resources(template, "AWS::CloudWatch::Alarm").values()
               if {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}
               in properties(a).get("Dimensions", [])]
    assert len(alarmed) == 1 and alarmed[0]["Threshold"] == 0


def test_the_principal_customers_trust_is_this_accounts_root(template: dict) -> None:
    principal = api_function(template)["Environment"]["Variables"]["ARHIVAR_S3_DELIVERY_PRINCIPAL"]
    assert principal == {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}

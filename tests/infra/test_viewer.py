"""The public viewer in the synthesized stack: the render image with the viewer's CMD, on its
own path of the API's REST API, with only the grants it needs."""

from __future__ import annotations

from typing import Any

from infra.components.viewer import VIEWER_PATH
from infra.functions import VIEWER_RESERVED_CONCURRENCY
from tests.infra.conftest import (
    Synthesized,
    api_function,
    properties,
    resources,
    viewer_function,
    worker_functions,
)
from tests.infra.test_operations import _s3_grants


def test_the_viewer_is_the_render_image_with_its_own_handler(template: dict, synthesized: Synthesized,
                                                             stage: str) -> None:
    _, viewer = viewer_function(template)
    [render] = [p for p in worker_functions(template).values() if p.get("PackageType") == "Image"]
    assert viewer["PackageType"] == "Image"
    assert viewer["Code"]["ImageUri"] == render["Code"]["ImageUri"]  # one image, built once
    assert len(synthesized.assets(stage)["dockerImages"]) == 1
    assert viewer["Timeout"] <= 29  # API Gateway's integration limit
    assert viewer["ReservedConcurrentExecutions"] == VIEWER_RESERVED_CONCURRENCY


def test_the_rest_api_sends_the_viewer_path_to_the_viewer(template: dict) -> None:
    logical_id, _ = viewer_function(template)
    definition = properties(template["Resources"]["RestAPI"])["DefinitionBody"]
    operation = definition["paths"][VIEWER_PATH]["post"]
    integration = operation["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST"
    assert integration["uri"]["Fn::Sub"][1]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    # The raw file arrives base64-encoded: the API's binary media types include it
    assert "application/octet-stream" in definition["x-amazon-apigateway-binary-media-types"]
    permissions = [properties(p) for p in resources(template, "AWS::Lambda::Permission").values()
                   if properties(p)["FunctionName"] == {"Fn::GetAtt": [logical_id, "Arn"]}]
    assert [p["Principal"] for p in permissions] == ["apigateway.amazonaws.com"]
    assert VIEWER_PATH in str(permissions[0]["SourceArn"])


def _actions_by_resource(template: dict[str, Any], role_id: str) -> list[tuple[str, str]]:
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} not in properties(policy).get("Roles", []):
            continue
        for statement in properties(policy)["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            found += [(action, str(target)) for action in actions for target in targets]
    return found


def test_the_viewer_may_count_its_rate_limit_and_read_the_mf_certificates_only(template: dict) -> None:
    _, viewer = viewer_function(template)
    grants = _actions_by_resource(template, viewer["Role"]["Fn::GetAtt"][0])
    services = {action.split(":")[0] for action, _ in grants}
    assert services <= {"dynamodb", "s3", "kms", "xray"}, services  # kms: the data's own encryption
    assert not any(action == "kms:Encrypt" for action, _ in grants)  # never the tokens key
    assert not any(action in ("s3:PutObject", "s3:DeleteObject*") for action, _ in grants)
    objects = _s3_grants(template, viewer["Role"]["Fn::GetAtt"][0])
    assert objects["s3:GetObject*"] == {"config/*"}  # the MF certificates' override, nothing archived
    assert not any(action.startswith("s3:Put") for action in objects)
    tables = {target for action, target in grants if action.startswith("dynamodb:")}
    limits = api_function(template)["Environment"]["Variables"]["ARHIVAR_LIMITS_TABLE"]["Ref"]
    assert tables == {str({"Fn::GetAtt": [limits, "Arn"]})}, tables  # the Limits table only

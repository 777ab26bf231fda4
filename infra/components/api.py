"""The Chalice API, entering the stack through chalice.cdk.

CDK owns the IAM role (autogen_policy off, manage_iam_role off) and everything around the
REST API that Chalice does not model: stage throttling and gateway responses.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from chalice.cdk import Chalice

from infra.functions import API_MEMORY_MB, API_TIMEOUT_S
from infra.http_policy import API_ACCESS_LOG_FIELDS
from infra.packaging import Packaging, isolated_packaging

API_GATEWAY_STAGE = "api"  # the REST API's stage; routes themselves start with /api/ too
API_FUNCTION = "APIHandler"  # logical ids in Chalice's SAM template
REST_API = "RestAPI"
NOT_FOUND_BODY = {"error": {"code": "not_found", "message": "Resursa nu există."}}
ALLOWED_HEADERS = "Authorization,Content-Type,X-Arhivar-Client"


class ArhivarChalice(Chalice):
    """chalice.cdk.Chalice, telling where its deployment package was written."""

    @property
    def deployment_zip(self) -> Path:
        return Path(self._sam_package_dir) / "deployment.zip"


def gateway_responses(public_url: str) -> dict[str, dict]:
    """API Gateway's own answers (unknown route, throttling, errors before the Lambda runs) in
    the API's error shape, with CORS headers; an unknown route is the local origin's 404."""
    headers = {
        "gatewayresponse.header.Access-Control-Allow-Origin": f"'{public_url}'",
        "gatewayresponse.header.Access-Control-Allow-Headers": f"'{ALLOWED_HEADERS}'",
        "gatewayresponse.header.Access-Control-Allow-Methods": "'GET,POST,PUT,DELETE,OPTIONS'",
        "gatewayresponse.header.Vary": "'Origin'",
    }

    def answer(body: str, status: int | None = None) -> dict:
        response = {"responseParameters": headers, "responseTemplates": {"application/json": body}}
        if status is not None:
            response["statusCode"] = str(status)
        return response

    def error(code: str, message: str) -> str:
        return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False,
                          separators=(",", ":"))

    return {
        "MISSING_AUTHENTICATION_TOKEN": answer(json.dumps(NOT_FOUND_BODY, ensure_ascii=False,
                                                          separators=(",", ":")), 404),
        "THROTTLED": answer(error("too_many_requests",
                                  "Prea multe cereri. Încercați din nou în câteva secunde."), 429),
        "INTEGRATION_TIMEOUT": answer(error("timeout", "Cererea a durat prea mult. Încercați din nou."),
                                      504),
        # $context.error.messageString is already a quoted JSON string.
        "DEFAULT_4XX": answer('{"error":{"code":"bad_request","message":$context.error.messageString}}'),
        "DEFAULT_5XX": answer(error("unavailable", "Serviciul este momentan indisponibil. "
                                                   "Încercați din nou în câteva momente.")),
    }


class Api:
    """The Chalice app with its stage configuration built here (the only bridge into Chalice).

    Chalice's stage name is the stack's name (chalice.cdk takes it from its scope), so the
    construct is created directly under the stack.
    """

    def __init__(self, stack: Stack, *, packaging: Packaging, environment: dict[str, str],
                 public_url: str, rate_limit: int, burst_limit: int, log_retention: logs.RetentionDays,
                 reserved_concurrency: int, removal_policy: RemovalPolicy) -> None:
        self.role = iam.Role(
            stack, "ApiRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Arhivar API (Chalice): owned by CDK, least privilege",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AWSLambdaBasicExecutionRole")])
        # Active tracing (Chalice's `xray`): the role may send segments, nothing else of X-Ray.
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]))
        self.stage_config = {
            "api_gateway_stage": API_GATEWAY_STAGE,
            "api_gateway_endpoint_type": "REGIONAL",  # CloudFront is the edge
            "autogen_policy": False,
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "lambda_memory_size": API_MEMORY_MB,
            "lambda_timeout": API_TIMEOUT_S,
            "reserved_concurrency": reserved_concurrency,
            "xray": True,  # Tracing: Active on the function
            "environment_variables": dict(environment),
        }
        with isolated_packaging(packaging.work_dir, stack.region):
            self.chalice = ArhivarChalice(stack, "Api", source_dir=str(packaging.chalice_source_dir()),
                                          stage_config=self.stage_config)
        self.rest_api = self.chalice.get_resource(REST_API)
        self.function = self.chalice.get_resource(API_FUNCTION)
        self.function.node.add_dependency(self.role)  # the role's policies exist before it runs
        self.name = stack.stack_name  # the REST API's name (Chalice would name both stages "arhivar")
        self.rest_api.add_property_override("Name", self.name)
        self.rest_api.add_property_override("MethodSettings", [{
            "ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True,
            "ThrottlingRateLimit": rate_limit, "ThrottlingBurstLimit": burst_limit}])
        self.rest_api.add_property_override("DefinitionBody.x-amazon-apigateway-gateway-responses",
                                            gateway_responses(public_url))
        self.rest_api.add_property_override("TracingEnabled", True)  # X-Ray on the stage
        logs.LogGroup(stack, "ApiLogs", log_group_name=f"/aws/lambda/{self.function.ref}",
                      retention=log_retention)
        self._access_log(stack, log_retention, removal_policy)

    def _access_log(self, stack: Stack, retention: logs.RetentionDays, removal_policy: RemovalPolicy) -> None:
        """The stage's access log, one JSON line per request, with the route template and never
        the path or query string (authorization links, OAuth code/state, unsubscribe tokens:
        infra/http_policy.py API_ACCESS_LOG_FIELDS)."""
        self.access_logs = logs.LogGroup(stack, "ApiAccessLogs", retention=retention,
                                         removal_policy=removal_policy)
        self.rest_api.add_property_override("AccessLogSetting", {
            "DestinationArn": self.access_logs.log_group_arn,
            "Format": json.dumps(API_ACCESS_LOG_FIELDS, separators=(",", ":")),
        })
        # API Gateway writes to CloudWatch Logs with the region's account-level role.
        self.cloudwatch_role = iam.Role(
            stack, "ApiGatewayCloudWatchRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway (account setting): write access and execution logs",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs")])
        account = apigateway.CfnAccount(stack, "ApiGatewayAccount",
                                        cloud_watch_role_arn=self.cloudwatch_role.role_arn)
        account.apply_removal_policy(RemovalPolicy.RETAIN)  # a region-wide setting: leave it
        self.rest_api.add_resource_dependency(account)

    @property
    def origin_domain(self) -> str:
        stack = Stack.of(self.role)
        return f"{self.rest_api.ref}.execute-api.{stack.region}.{stack.url_suffix}"

    @property
    def function_name(self) -> str:
        return self.function.ref

"""Only CloudFront reaches the API: a secret origin header, checked by a WAF on the regional stage.

The REST API is regional (CloudFront is the edge) and its execute-api URL is public: without
this, anybody could call it directly, around CloudFront's WAF, rate limit and headers.
CloudFront adds `X-Arhivar-Origin-Verify: <secret>` to every request it forwards (a viewer's own
header of that name is overwritten); a regional web ACL on the API stage blocks every request
without it. The value lives in Secrets Manager (two generated secrets, "a" and "b"), reaches
CloudFront and the WAF as CloudFormation dynamic references (never in the template), and is
rotated without downtime by switching `origin_secret_active` (infra/README.md):
the WAF accepts both secrets, CloudFront sends the active one.
"""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, Fn, RemovalPolicy, Stack, Validations
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

ORIGIN_HEADER = "X-Arhivar-Origin-Verify"
SLOTS = ("a", "b")
FORBIDDEN_BODY = {"error": {"code": "forbidden", "message": "Accesul la API este permis doar prin aplicația Arhivar."}}


class OriginVerification(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, active: str,
                 rest_api_id: str, rest_api_logical_id: str, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        if active not in SLOTS:
            raise ValueError(f"origin_secret_active must be one of {SLOTS}, not {active!r}")
        self.secrets = {slot: secretsmanager.Secret(
            self, f"Secret{slot.upper()}",
            secret_name=f"arhivar/{stage}/origin-verify-{slot}",
            description=f"Arhivar: CloudFront's origin header for the API (slot {slot})",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=64),
            removal_policy=removal_policy,
        ) for slot in SLOTS}
        self.active = active
        stack = Stack.of(self)
        self.web_acl = wafv2.CfnWebACL(
            self, "ApiAcl",
            name=f"arhivar-{stage}-api-origin",
            # Changes with the active slot: CloudFormation updates the ACL and so re-reads both
            # secrets (it resolves dynamic references only for resources it updates).
            description=f"Arhivar {stage} - only CloudFront, origin header slot {active}",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=403, custom_response_body_key="forbidden"))),
            custom_response_bodies={"forbidden": wafv2.CfnWebACL.CustomResponseBodyProperty(
                content_type="APPLICATION_JSON",
                content=json.dumps(FORBIDDEN_BODY, ensure_ascii=False, separators=(",", ":")))},
            rules=[wafv2.CfnWebACL.RuleProperty(
                name="from-cloudfront", priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(allow={}),
                statement=wafv2.CfnWebACL.StatementProperty(or_statement=wafv2.CfnWebACL.OrStatementProperty(
                    statements=[self._header_is(secret) for secret in self.secrets.values()])),
                visibility_config=_visibility(f"arhivar-{stage}-api-from-cloudfront"))],
            visibility_config=_visibility(f"arhivar-{stage}-api-origin"),
        )
        # The stage is made by the SAM transform from the Chalice REST API: "<Api>.Stage" is
        # SAM's reference to it (its name, and a dependency on it).
        stage_arn = Fn.join("", [f"arn:{stack.partition}:apigateway:{stack.region}::/restapis/",
                                 rest_api_id, "/stages/", Fn.ref(f"{rest_api_logical_id}.Stage")])
        association = wafv2.CfnWebACLAssociation(self, "ApiAclAssociation", resource_arn=stage_arn,
                                                 web_acl_arn=self.web_acl.attr_arn)
        Validations.of(association).acknowledge(Acknowledgment(
            id="CloudFormation-Validate::F1020",
            reason=f"{rest_api_logical_id}.Stage is the SAM transform's reference to the stage it generates"))

    @property
    def header_value(self) -> str:
        """What CloudFront sends: a dynamic reference to the active secret."""
        return self.secrets[self.active].secret_value.unsafe_unwrap()

    @staticmethod
    def _header_is(secret: secretsmanager.Secret) -> wafv2.CfnWebACL.StatementProperty:
        return wafv2.CfnWebACL.StatementProperty(byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                single_header={"Name": ORIGIN_HEADER.lower()}),
            positional_constraint="EXACTLY",
            search_string=secret.secret_value.unsafe_unwrap(),
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]))


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    # No sampled requests: they show the request headers, the origin secret among them.
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False)

"""CloudFront's web ACL: a WAF of scope CLOUDFRONT exists only in us-east-1, so each stage has a
small second stack there, `arhivar-<stage>-edge`, whose ACL the main stack's distribution uses
(a cross-region reference: CDK passes the ARN through SSM parameters)."""

from __future__ import annotations

import json

from aws_cdk import Environment, Stack, Tags
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from chalicelib.domain.api_keys import RATE_LIMIT_PER_MINUTE
from infra.stages import StageParameters

EDGE_REGION = "us-east-1"
TOO_MANY_REQUESTS = {"error": {"code": "too_many_requests",
                               "message": "Prea multe cereri. Încercați din nou în câteva minute."}}
API_KEY_TOO_MANY = {"error": {"code": "rate_limited",
                              "message": "Prea multe cereri cu această cheie API. Încercați din nou peste un minut."}}
# The edge's ceiling per API key: twice the API's own per-key limit (domain/api_keys.py), so WAF's
# approximate count never refuses what the API would allow, yet a flood stops before Lambda.
API_KEY_EDGE_LIMIT_PER_MINUTE = 2 * RATE_LIMIT_PER_MINUTE
FORBIDDEN = {"error": {"code": "forbidden", "message": "Cererea a fost blocată din motive de securitate."}}
# AWS's common rule set, except the rule that blocks bodies over 8 KB: the API refuses JSON
# bodies over 16 KB itself (SPV import ZIPs no longer pass here: they go straight to S3);
# counted, not blocked.
COMMON_RULES_COUNTED = ("SizeRestrictions_BODY",)


class EdgeStack(Stack):
    def __init__(self, scope: Construct, params: StageParameters) -> None:
        super().__init__(scope, f"{params.stack_name}-edge",
                         env=Environment(account=params.account, region=EDGE_REGION),
                         description=f"Arhivar e-Factura archive ({params.name}): CloudFront's WAF",
                         cross_region_references=True,
                         termination_protection=not params.destroy_stateless)
        Tags.of(self).add("project", "arhivar")
        Tags.of(self).add("stage", params.name)
        prefix = f"arhivar-{params.name}"
        self.web_acl = wafv2.CfnWebACL(
            self, "WebAcl",
            name=f"{prefix}-cloudfront",
            description=f"Arhivar {params.name} - rate limit per IP, AWS managed common rules",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            custom_response_bodies={
                "too-many-requests": _json_body(TOO_MANY_REQUESTS),
                "forbidden": _json_body(FORBIDDEN),
                "api-key-too-many": _json_body(API_KEY_TOO_MANY),
            },
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="rate-per-ip", priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty(
                        custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                            response_code=429, custom_response_body_key="too-many-requests"))),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP", evaluation_window_sec=300,
                            limit=params.waf_rate_limit_per_ip)),
                    visibility_config=_visibility(f"{prefix}-rate-per-ip")),
                wafv2.CfnWebACL.RuleProperty(
                    name="aws-common-rules", priority=1,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name="AWSManagedRulesCommonRuleSet",
                            rule_action_overrides=[wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}))
                                for rule in COMMON_RULES_COUNTED])),
                    visibility_config=_visibility(f"{prefix}-aws-common-rules")),
                _rate_per_api_key(prefix),
            ],
            visibility_config=_visibility(f"{prefix}-cloudfront"),
        )

    @property
    def web_acl_arn(self) -> str:
        return self.web_acl.attr_arn


def _rate_per_api_key(prefix: str) -> wafv2.CfnWebACL.RuleProperty:
    """Requests with `Authorization: ApiKey …`, counted per key (the header's value) over a
    minute: 429 with Retry-After past the ceiling. (API Gateway usage plans cannot do this here:
    they meter only methods that require an API Gateway key, and the web app calls the same
    methods without one; README "API keys for integrators".)"""
    authorization = wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": "authorization"})
    return wafv2.CfnWebACL.RuleProperty(
        name="rate-per-api-key", priority=2,
        action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty(
            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                response_code=429, custom_response_body_key="api-key-too-many",
                response_headers=[wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value="60")]))),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="CUSTOM_KEYS", evaluation_window_sec=60, limit=API_KEY_EDGE_LIMIT_PER_MINUTE,
                custom_keys=[wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(
                    header=wafv2.CfnWebACL.RateLimitHeaderProperty(
                        name="authorization",
                        text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]))],
                scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                    byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                        field_to_match=authorization, positional_constraint="STARTS_WITH", search_string="apikey ",
                        text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(
                            priority=0, type="LOWERCASE")])))),
        visibility_config=_visibility(f"{prefix}-rate-per-api-key"))


def _json_body(body: dict) -> wafv2.CfnWebACL.CustomResponseBodyProperty:
    return wafv2.CfnWebACL.CustomResponseBodyProperty(
        content_type="APPLICATION_JSON", content=json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    # No sampled requests: they would show Authorization headers and URL tokens in the console.
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False)

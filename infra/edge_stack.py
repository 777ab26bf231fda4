"""CloudFront's web ACL: a WAF of scope CLOUDFRONT exists only in us-east-1, so each stage has a
small second stack there, `arhivar-<stage>-edge`, whose ACL the main stack's distribution uses
(a cross-region reference: CDK passes the ARN through SSM parameters)."""

from __future__ import annotations

import json

from aws_cdk import Environment, Stack, Tags
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.stages import StageParameters

EDGE_REGION = "us-east-1"
TOO_MANY_REQUESTS = {"error": {"code": "too_many_requests",
                               "message": "Prea multe cereri. Încercați din nou în câteva minute."}}
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
            ],
            visibility_config=_visibility(f"{prefix}-cloudfront"),
        )

    @property
    def web_acl_arn(self) -> str:
        return self.web_acl.attr_arn


def _json_body(body: dict) -> wafv2.CfnWebACL.CustomResponseBodyProperty:
    return wafv2.CfnWebACL.CustomResponseBodyProperty(
        content_type="APPLICATION_JSON", content=json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    # No sampled requests: they would show Authorization headers and URL tokens in the console.
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False)

"""What surrounds the API: gateway responses, throttling, CloudFront, e-mail, alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Match, Template

from chalicelib.topology import QUEUES
from infra.components.origin import ORIGIN_HEADER
from infra.http_policy import HSTS_MAX_AGE_S, content_security_policy, security_headers

from .conftest import Synthesized, properties, resources, worker_functions


def _rest_api(template: dict[str, Any]) -> dict[str, Any]:
    return properties(template["Resources"]["RestAPI"])


def test_an_unknown_api_route_is_the_local_origins_404(template: dict) -> None:
    responses = _rest_api(template)["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    assert json.loads(missing["responseTemplates"]["application/json"]) == {
        "error": {"code": "not_found", "message": "Resursa nu există."}}


def test_gateway_responses_carry_cors_headers(template: dict, synthesized: Synthesized, stage: str) -> None:
    responses = _rest_api(template)["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "MISSING_AUTHENTICATION_TOKEN"} <= set(responses)
    origin = f"'https://{synthesized.params[stage].domain_name}'"
    for name, response in responses.items():
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == origin, name
        assert "Authorization" in headers["gatewayresponse.header.Access-Control-Allow-Headers"], name


def test_the_api_stage_is_throttled(template: dict, synthesized: Synthesized, stage: str) -> None:
    params = synthesized.params[stage]
    [settings] = _rest_api(template)["MethodSettings"]
    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert settings["ThrottlingRateLimit"] == params.api_rate_limit
    assert settings["ThrottlingBurstLimit"] == params.api_burst_limit
    assert _rest_api(template)["StageName"] == "api"


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
    return properties(distribution)["DistributionConfig"]


def test_cloudfront_forwards_api_calls_uncached_with_every_method(template: dict) -> None:
    config = _distribution(template)
    [api] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert origin["OriginPath"] == "/api" and "CustomOriginConfig" in origin
    assert "execute-api" in json.dumps(origin["DomainName"])
    policy = properties(template["Resources"][api["CachePolicyId"]["Ref"]])["CachePolicyConfig"]
    assert policy["DefaultTTL"] == 0 and policy["MinTTL"] == 0 and policy["MaxTTL"] <= 1
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}
    assert key["CookiesConfig"]["CookieBehavior"] == "all"
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    # AllViewerExceptHostHeader (managed): cookies, query strings and headers reach the API
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert "FunctionAssociations" not in api  # the SPA fallback is for the web origin only


def test_web_is_served_privately_with_an_spa_fallback(template: dict) -> None:
    config = _distribution(template)
    default = config["DefaultCacheBehavior"]
    web_origin = next(o for o in config["Origins"] if o["Id"] == default["TargetOriginId"])
    assert "S3OriginConfig" in web_origin and "OriginAccessControlId" in web_origin
    assert config["DefaultRootObject"] == "index.html"
    assert "CustomErrorResponses" not in config  # they would turn API 404s into index.html
    [association] = default["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    [function] = resources(template, "AWS::CloudFront::Function").values()
    assert "/index.html" in properties(function)["FunctionCode"]


def test_security_headers_are_the_shared_definition(template: dict) -> None:
    # GIVEN the one header set the local origin also sends (infra/http_policy.py)
    # THEN CloudFront's response headers policy sets exactly those values
    [policy] = resources(template, "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = properties(policy)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    SECURITY_HEADERS = security_headers("https://ARCHIVE")
    # The CSP names the archive bucket's regional address (where the browser POSTs SPV imports)
    parts = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Join"][1]
    # (twice: scripts POST uploads to it, and the document dialog frames its PDF preview from it)
    buckets = [p for p in parts if isinstance(p, dict)]
    assert len(buckets) == 2
    for bucket in buckets:
        assert bucket["Fn::GetAtt"][0].startswith("ArchiveBucket") and bucket["Fn::GetAtt"][1] == "RegionalDomainName"
    csp = "".join("ARCHIVE" if isinstance(p, dict) else p for p in parts)
    assert csp == SECURITY_HEADERS["Content-Security-Policy"] == content_security_policy("https://ARCHIVE")
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == SECURITY_HEADERS["Referrer-Policy"]
    assert headers["ContentTypeOptions"]["Override"] is True  # X-Content-Type-Options: nosniff
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert headers["FrameOptions"]["FrameOption"] == SECURITY_HEADERS["X-Frame-Options"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] == HSTS_MAX_AGE_S >= 31536000
    assert hsts["IncludeSubdomains"] is True and hsts["Preload"] is True
    assert SECURITY_HEADERS["Strict-Transport-Security"] == (
        f"max-age={HSTS_MAX_AGE_S}; includeSubDomains; preload")
    config = _distribution(template)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all("ResponseHeadersPolicyId" in b for b in behaviours)


def test_ses_feedback_goes_to_an_sns_topic(template: dict) -> None:
    assembled = Template.from_json(template)
    assembled.has_resource_properties("AWS::SES::ConfigurationSetEventDestination", {
        "EventDestination": Match.object_like({
            "Enabled": True,
            "MatchingEventTypes": Match.array_with(["bounce", "complaint"]),
            "SnsDestination": {"TopicARN": Match.any_value()},
        }),
    })
    assembled.has_resource_properties("AWS::SES::EmailIdentity", {
        "ConfigurationSetAttributes": Match.any_value()})


def _alarmed_dimensions(template: dict[str, Any]) -> list[tuple[str, str, Any]]:
    found = []
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        props = properties(alarm)
        assert props["AlarmActions"], "every alarm notifies the alarm topic"
        found.extend((props["MetricName"], dimension["Name"], dimension["Value"])
                     for dimension in props.get("Dimensions", []))
    return found


def test_every_dead_letter_queue_and_function_raises_an_alarm(template: dict) -> None:
    alarmed = _alarmed_dimensions(template)
    queues = resources(template, "AWS::SQS::Queue")
    dead_letter_ids = [i for i, q in queues.items() if properties(q)["QueueName"].endswith("-dlq")]
    assert len(dead_letter_ids) == len(QUEUES)
    for logical_id in dead_letter_ids:
        assert ("ApproximateNumberOfMessagesVisible", "QueueName",
                {"Fn::GetAtt": [logical_id, "QueueName"]}) in alarmed
    for logical_id in [*worker_functions(template), "APIHandler"]:
        assert ("Errors", "FunctionName", {"Ref": logical_id}) in alarmed, logical_id
    assert any(metric == "ApproximateAgeOfOldestMessage" for metric, _, _ in alarmed)  # sync lag


# -- only CloudFront reaches the API; CloudFront's WAF ------------------------------------------

def _secret_in(value: Any) -> str:
    """The logical id of the secret a CloudFormation dynamic reference reads."""
    parts = value["Fn::Join"][1]
    assert parts[0] == "{{resolve:secretsmanager:" and parts[2] == ":SecretString:::}}", value
    return parts[1]["Ref"]


def test_cloudfront_sends_the_origin_secret_from_secrets_manager(template: dict, synthesized: Synthesized,
                                                                  stage: str) -> None:
    # GIVEN the API origin of the distribution
    config = _distribution(template)
    [api] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    [header] = origin["OriginCustomHeaders"]
    # THEN it adds the origin header, read from the active generated secret at deploy time
    assert header["HeaderName"] == ORIGIN_HEADER
    secret_id = _secret_in(header["HeaderValue"])
    secret = properties(template["Resources"][secret_id])
    active = synthesized.params[stage].origin_secret_active
    assert secret["Name"] == f"arhivar/{stage}/origin-verify-{active}"
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32 and "SecretString" not in secret


def test_the_regional_api_answers_only_requests_with_the_origin_header(template: dict) -> None:
    # GIVEN the regional web ACL of the API stage
    acls = {i: properties(a) for i, a in resources(template, "AWS::WAFv2::WebACL").items()}
    [(acl_id, acl)] = acls.items()
    assert acl["Scope"] == "REGIONAL"
    # THEN it blocks by default (403, the API's error shape) ...
    block = acl["DefaultAction"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 403
    body = json.loads(acl["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "forbidden"
    # ... and allows only the exact value of either origin secret in the header
    [rule] = acl["Rules"]
    assert rule["Action"] == {"Allow": {}}
    matches = [s["ByteMatchStatement"] for s in rule["Statement"]["OrStatement"]["Statements"]]
    assert {m["FieldToMatch"]["SingleHeader"]["Name"] for m in matches} == {ORIGIN_HEADER.lower()}
    assert {m["PositionalConstraint"] for m in matches} == {"EXACTLY"}
    secrets = {properties(template["Resources"][_secret_in(m["SearchString"])])["Name"] for m in matches}
    assert len(secrets) == 2 and all("/origin-verify-" in name for name in secrets)
    # AND no sampled requests (they would show the secret header)
    assert acl["VisibilityConfig"]["SampledRequestsEnabled"] is False
    assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is False
    # AND it is attached to the API stage SAM makes from the Chalice REST API
    [association] = resources(template, "AWS::WAFv2::WebACLAssociation").values()
    assert properties(association)["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    arn = properties(association)["ResourceArn"]["Fn::Join"][1]
    assert {"Ref": "RestAPI"} in arn and {"Ref": "RestAPI.Stage"} in arn


def test_rotating_the_origin_secret_switches_the_slot_and_updates_the_acl(synthesized: Synthesized) -> None:
    # GIVEN two stacks that differ by the active slot, THEN the ACL text differs too (so
    # CloudFormation updates it and re-reads both secrets) and CloudFront sends the other one
    from aws_cdk import App, Stack

    from infra.components.origin import OriginVerification

    found = {}
    for slot in ("a", "b"):
        stack = Stack(App(), "Probe")
        origin = OriginVerification(stack, "Origin", stage="dev", active=slot, rest_api_id="x",
                                    rest_api_logical_id="RestAPI", removal_policy=RemovalPolicy.DESTROY)
        found[slot] = (stack.resolve(origin.web_acl.description), stack.resolve(origin.header_value))
    assert found["a"][0] != found["b"][0]
    assert found["a"][1] != found["b"][1]
    with pytest.raises(ValueError, match="origin_secret_active"):
        OriginVerification(Stack(App(), "Bad"), "Origin", stage="dev", active="c", rest_api_id="x",
                           rest_api_logical_id="RestAPI", removal_policy=RemovalPolicy.DESTROY)


def test_cloudfront_has_a_waf_with_a_rate_limit_per_ip_and_aws_common_rules(
        template: dict, edge_template: dict, synthesized: Synthesized, stage: str) -> None:
    # GIVEN the stage's us-east-1 stack
    [(acl_id, acl)] = [(i, properties(a)) for i, a in resources(edge_template, "AWS::WAFv2::WebACL").items()]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    # THEN a rate-based rule blocks an IP over the stage's limit with a 429 in the API's shape
    rate = rules["rate-per-ip"]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == synthesized.params[stage].waf_rate_limit_per_ip
    response = rate["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "too_many_requests"
    # AND AWS's managed common rule set runs (only the 8 KB body limit counted: the API's is 16 KB)
    managed = rules["aws-common-rules"]["Statement"]["ManagedRuleGroupStatement"]
    assert (managed["VendorName"], managed["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert [o["Name"] for o in managed.get("RuleActionOverrides", [])] == ["SizeRestrictions_BODY"]
    assert rules["aws-common-rules"]["OverrideAction"] == {"None": {}}
    # AND the distribution of the main stack uses that ACL (a cross-region reference: with the
    # recommended flags, CloudFormation's Fn::GetStackOutput of the edge stack)
    reference = _distribution(template)["WebACLId"]["Fn::GetStackOutput"]
    assert reference["StackName"] == f"arhivar-{stage}-edge" and reference["Region"] == "us-east-1"
    output = edge_template["Outputs"][reference["OutputName"]]
    assert output["Value"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_the_waf_limits_each_api_key_above_the_apis_own_per_key_limit(edge_template: dict) -> None:
    from chalicelib.domain.api_keys import RATE_LIMIT_PER_MINUTE
    [acl] = [properties(a) for a in resources(edge_template, "AWS::WAFv2::WebACL").values()]
    rule = {r["Name"]: r for r in acl["Rules"]}["rate-per-api-key"]
    statement = rule["Statement"]["RateBasedStatement"]
    # counted per key (the Authorization header's value), only for `ApiKey` requests, over a minute
    assert statement["AggregateKeyType"] == "CUSTOM_KEYS" and statement["EvaluationWindowSec"] == 60
    assert [k["Header"]["Name"] for k in statement["CustomKeys"]] == ["authorization"]
    match = statement["ScopeDownStatement"]["ByteMatchStatement"]
    assert (match["PositionalConstraint"], match["SearchString"]) == ("STARTS_WITH", "apikey ")
    assert statement["Limit"] > RATE_LIMIT_PER_MINUTE  # never refuses what the API would let through
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": "60"}]
    body = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "rate_limited"

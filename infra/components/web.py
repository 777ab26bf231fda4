"""CloudFront in front of everything: web/ from a private bucket, /api/* to API Gateway."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from infra.http_policy import FRAME_OPTIONS, HSTS_MAX_AGE_S, REFERRER_POLICY, content_security_policy
from infra.packaging import REPO_ROOT

# Pages go to the app shell, asset-looking paths are served or answer 404/403: the rule of the
# local origin (local/web_server.py _static), for the web origin only, so an unknown /api/
# route keeps the API's JSON 404.
SPA_FALLBACK = """function handler(event) {
  var request = event.request;
  var name = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (name.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}"""


class Web(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api_domain: str, api_origin_path: str,
                 api_origin_headers: dict[str, str], web_acl_arn: str,
                 domain_name: str, certificate_arn: str | None, removal_policy: RemovalPolicy,
                 upload_origin: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self, "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
            removal_policy=removal_policy,
        )
        self.headers = cloudfront.ResponseHeadersPolicy(
            self, "SecurityHeaders",
            comment="Arhivar: infra/http_policy.py security_headers (the local origin's too)",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(upload_origin), override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy[
                        REFERRER_POLICY.upper().replace("-", "_")], override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption[FRAME_OPTIONS], override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(HSTS_MAX_AGE_S), include_subdomains=True,
                    preload=True, override=True),
            ),
        )
        # CloudFront forwards Authorization only when it is part of the cache key, and a policy
        # whose TTLs are all 0 may not have one; so: nothing is cached unless the API says so
        # (default 0), never longer than a second, and always per Authorization/cookie/query.
        self.api_cache = cloudfront.CachePolicy(
            self, "ApiCache",
            comment="Arhivar API: no caching, Authorization forwarded",
            default_ttl=Duration.seconds(0), min_ttl=Duration.seconds(0), max_ttl=Duration.seconds(1),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization"),
            cookie_behavior=cloudfront.CacheCookieBehavior.all(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
        )
        spa = cloudfront.Function(self, "SpaFallback", code=cloudfront.FunctionCode.from_inline(SPA_FALLBACK),
                                  runtime=cloudfront.FunctionRuntime.JS_2_0,
                                  comment="Arhivar: extension-less paths -> /index.html")
        # api_origin_headers: the origin secret the API's WAF requires (components/origin.py).
        api_origin = origins.HttpOrigin(api_domain, origin_path=api_origin_path,
                                        custom_headers=api_origin_headers,
                                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY)
        certificate = (acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
                       if certificate_arn else None)
        self.distribution = cloudfront.Distribution(
            self, "Distribution",
            comment=f"Arhivar {domain_name}",
            domain_names=[domain_name] if certificate else None,
            certificate=certificate,
            default_root_object="index.html",
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            web_acl_id=web_acl_arn,  # rate limit per IP, AWS common rules (infra/edge_stack.py)
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
                function_associations=[cloudfront.FunctionAssociation(
                    function=spa, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
                    cache_policy=self.api_cache,
                    # Everything the viewer sent except Host (API Gateway needs its own).
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.headers,
                    compress=True,
                ),
            },
        )
        # With ListBucket a missing asset is a 404 rather than S3's 403 (the OAC grants GetObject).
        self.bucket.add_to_resource_policy(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn],
            principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
            conditions={"StringEquals": {"AWS:SourceArn": Stack.of(self).format_arn(
                service="cloudfront", region="", resource="distribution",
                resource_name=self.distribution.distribution_id)}}))
        s3_deployment.BucketDeployment(
            self, "Content",
            sources=[s3_deployment.Source.asset(str(REPO_ROOT / "web"))],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            memory_limit=256,
        )

"""The public viewer (POST /api/vizualizare, "Vizualizează o factură", no account).

It needs WeasyPrint, which only the render image carries, so it is its own function: the
render_pdf image with the viewer's handler as CMD (one image, built once), reached through the
API's own REST API on its own path. The path is one more entry in the OpenAPI definition
Chalice generates (a Lambda proxy integration), so it shares the API's stage, throttling,
gateway responses, access log and the origin-verifying WAF; CloudFront already forwards /api/*.
The request body is the raw file: application/octet-stream is one of the API's binary media
types, so the function receives it base64-encoded (4 MiB of file stay under Lambda's 6 MB).
"""

from __future__ import annotations

from aws_cdk import Duration, Fn, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components.access import Resources, grant
from infra.components.api import Api
from infra.functions import (
    IMAGE_DOCKERFILES,
    IMAGE_PASSENGERS,
    VIEWER_RESERVED_CONCURRENCY,
    VIEWER_SIZING,
)
from infra.packaging import Packaging

VIEWER_PATH = "/api/vizualizare"  # functions/public_viewer/handler.py PATH
VIEWER_HANDLER = "functions.public_viewer.handler.lambda_handler"
IMAGE = "render_pdf"  # the image the viewer rides in


class PublicViewer(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api: Api, packaging: Packaging,
                 environment: dict[str, str], resources: Resources,
                 log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        context = packaging.image_context(IMAGE, IMAGE_DOCKERFILES[IMAGE], IMAGE_PASSENGERS[IMAGE])
        self.function = lambda_.DockerImageFunction(
            self, "Function",
            code=lambda_.DockerImageCode.from_image_asset(str(context), cmd=[VIEWER_HANDLER],
                                                          platform=ecr_assets.Platform.LINUX_AMD64),
            memory_size=VIEWER_SIZING.memory_mb,
            timeout=Duration.seconds(VIEWER_SIZING.timeout_s or 29),
            reserved_concurrent_executions=VIEWER_RESERVED_CONCURRENCY,
            environment=environment,
            architecture=lambda_.Architecture.X86_64,
            log_group=logs.LogGroup(self, "Logs", retention=log_retention),
            tracing=lambda_.Tracing.ACTIVE,
            description=f"Arhivar public viewer ({VIEWER_HANDLER})",
        )
        grant(self.function, VIEWER_SIZING.access, resources)
        stack = Stack.of(self)
        self.function.add_permission(
            "ApiGatewayInvoke", principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=stack.format_arn(service="execute-api", resource=api.rest_api.ref,
                                        resource_name=f"*/POST{VIEWER_PATH}"))
        api.rest_api.add_property_override(f"DefinitionBody.paths.{VIEWER_PATH}", {"post": {
            "consumes": ["application/octet-stream"],
            "produces": ["application/json"],
            "responses": {"200": {"description": "200 response"}},
            "x-amazon-apigateway-integration": {
                "type": "aws_proxy",
                "httpMethod": "POST",
                "uri": Fn.sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                              "functions/${Arn}/invocations", {"Arn": self.function.function_arn}),
                "passthroughBehavior": "when_no_match",
            },
        }})

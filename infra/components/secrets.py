"""The ANAF tokens' KMS key and the ANAF client secret (created empty, filled by the operator)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

# Never change this text: CloudFormation would write it over the operator's value.
PLACEHOLDER = "SET-ME: the client secret of Arhivar's ANAF OAuth application"


class Secrets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.tokens_key = kms.Key(
            self, "TokensKey", alias=f"alias/arhivar-{stage}-anaf-tokens",
            description="Arhivar: ANAF OAuth tokens (encryption context = credential id)",
            enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)
        self.anaf_client_secret_name = f"arhivar/{stage}/anaf-client-secret"
        self.anaf_client_secret = secretsmanager.Secret(
            self, "AnafClientSecret",
            secret_name=self.anaf_client_secret_name,
            description="The client secret of Arhivar's ANAF OAuth application (fill it in)",
            secret_string_value=SecretValue.unsafe_plain_text(PLACEHOLDER),
            removal_policy=RemovalPolicy.RETAIN,
        )

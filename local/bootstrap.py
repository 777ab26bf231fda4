"""Create every AWS resource of a deployment in moto, from the definitions the code uses.

Tables come from the pynamodb models, queues and schedules from chalicelib.topology, names from
the settings. Running it twice changes nothing (it is idempotent), so a stack can always be
bootstrapped again. In AWS the CDK app creates the same resources from the same definitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from chalicelib.domain.passwords import PASSWORD_POLICY
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, error_code
from chalicelib.storage.keys import IMPORT_UPLOADS_EXPIRE_DAYS
from chalicelib.storage.models import ALL_MODELS, bind_models, ttl_attribute_name
from chalicelib.topology import QUEUES, SCHEDULES, user_pool_client_name, user_pool_name

DLQ_RETENTION_S = 14 * 24 * 3600  # SQS's maximum: time to look at what failed


@dataclass(frozen=True)
class BootstrapResult:
    """What only exists after the bootstrap ran (AWS picks these ids)."""

    cognito_user_pool_id: str
    cognito_client_id: str

    def as_environment(self) -> dict[str, str]:
        return {
            "ARHIVAR_COGNITO_USER_POOL_ID": self.cognito_user_pool_id,
            "ARHIVAR_COGNITO_CLIENT_ID": self.cognito_client_id,
        }


def bootstrap(settings: Settings, *, anaf_client_secret: str, trusted_signers: bytes) -> BootstrapResult:
    ensure_tables(settings)
    ensure_bucket(settings)
    ensure_trusted_signers(settings, trusted_signers)
    ensure_queues(settings)
    ensure_kms_key(settings)
    ensure_secret(settings, anaf_client_secret)
    ensure_sender(settings)
    ensure_schedules(settings)
    pool_id, client_id = ensure_user_pool(settings)
    return BootstrapResult(pool_id, client_id)


def ensure_tables(settings: Settings) -> None:
    bind_models(settings)
    dynamodb = aws_client(settings, "dynamodb")
    for model in ALL_MODELS:
        model.create_table(wait=True)
        ttl_name = ttl_attribute_name(model)
        if ttl_name is None:
            continue
        described = dynamodb.describe_time_to_live(TableName=model.Meta.table_name)
        if described["TimeToLiveDescription"].get("TimeToLiveStatus") != "ENABLED":
            dynamodb.update_time_to_live(
                TableName=model.Meta.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_name},
            )


def upload_cors_rule(settings: Settings) -> dict:
    """The browser's presigned POST of an SPV import (services/imports.py), from the web app."""
    return {"AllowedOrigins": [settings.public_url.rstrip("/")], "AllowedMethods": ["POST"],
            "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}


def ensure_bucket(settings: Settings) -> None:
    s3 = aws_client(settings, "s3")
    try:
        s3.create_bucket(
            Bucket=settings.archive_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.region},
            ObjectLockEnabledForBucket=True,  # originals are kept immutable (DESIGN.md §4)
        )
    except ClientError as error:
        if error_code(error) != "BucketAlreadyOwnedByYou":
            raise
    s3.put_public_access_block(
        Bucket=settings.archive_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(
        Bucket=settings.archive_bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    # As in AWS (infra/components/archive.py): SPV import uploads go away after two days, and
    # the browser may POST them straight to the bucket from the web app's origin.
    s3.put_bucket_lifecycle_configuration(Bucket=settings.archive_bucket, LifecycleConfiguration={"Rules": [
        {"ID": "imports-expire", "Filter": {"Prefix": "imports/"}, "Status": "Enabled",
         "Expiration": {"Days": IMPORT_UPLOADS_EXPIRE_DAYS},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}]})
    s3.put_bucket_cors(Bucket=settings.archive_bucket, CORSConfiguration={"CORSRules": [upload_cors_rule(settings)]})


def ensure_trusted_signers(settings: Settings, bundle: bytes) -> None:
    """Locally the sandbox signs as the Ministry of Finance with its own certificate, so its
    chain goes where an operator's override would (replacing the MF certificates the code ships)."""
    aws_client(settings, "s3").put_object(Bucket=settings.archive_bucket, Key=settings.trusted_signers_key,
                                          Body=bundle, ContentType="application/x-pem-file")


def ensure_queues(settings: Settings) -> None:
    sqs = aws_client(settings, "sqs")
    for spec in QUEUES:
        dlq_url = _ensure_queue(sqs, spec.dead_letter_name(settings),
                                {"MessageRetentionPeriod": str(DLQ_RETENTION_S)})
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        _ensure_queue(sqs, spec.name(settings), {
            "VisibilityTimeout": str(spec.visibility_timeout_s),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
            ),
        })


def _ensure_queue(sqs, name: str, attributes: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    try:
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def ensure_kms_key(settings: Settings) -> None:
    kms = aws_client(settings, "kms")
    alias = settings.tokens_kms_key
    if not alias.startswith("alias/"):
        raise ValueError("locally the tokens key is named by an alias (alias/...)")
    try:
        kms.describe_key(KeyId=alias)
        return
    except ClientError as error:
        if error_code(error) != "NotFoundException":
            raise
    key_id = kms.create_key(Description="Arhivar: ANAF OAuth tokens")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)


def ensure_secret(settings: Settings, value: str) -> None:
    secrets = aws_client(settings, "secretsmanager")
    try:
        secrets.create_secret(Name=settings.anaf_client_secret_name, SecretString=value)
    except ClientError as error:
        if error_code(error) != "ResourceExistsException":
            raise
        secrets.put_secret_value(SecretId=settings.anaf_client_secret_name, SecretString=value)


def ensure_sender(settings: Settings) -> None:
    aws_client(settings, "ses").verify_email_identity(EmailAddress=settings.ses_sender)


def ensure_schedules(settings: Settings) -> None:
    events = aws_client(settings, "events")
    for schedule in SCHEDULES:
        events.put_rule(
            Name=schedule.rule_name(settings),
            ScheduleExpression=schedule.expression,
            State="ENABLED",
            Description=f"Arhivar: invoke {schedule.target}",
        )


def ensure_user_pool(settings: Settings) -> tuple[str, str]:
    cognito = aws_client(settings, "cognito-idp")
    name = user_pool_name(settings)
    pool_id = _find(cognito.list_user_pools(MaxResults=60)["UserPools"], name, "Name", "Id")
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=name,
            Policies={"PasswordPolicy": {
                "MinimumLength": PASSWORD_POLICY.min_length,
                "RequireUppercase": PASSWORD_POLICY.require_uppercase,
                "RequireLowercase": PASSWORD_POLICY.require_lowercase,
                "RequireNumbers": PASSWORD_POLICY.require_digits,
                "RequireSymbols": PASSWORD_POLICY.require_symbols,
            }},
            UsernameAttributes=["email"],
            # Self sign-up off: users are created only through the API (AdminCreateUser,
            # services/accounts.py); the public client's SignUp is refused.
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            # No AutoVerifiedAttributes: Arhivar e-mails its own codes (services/accounts.py).
            AccountRecoverySetting={
                "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]
            },
            MfaConfiguration="OPTIONAL",  # two-factor login (TOTP) chosen per user
        )["UserPool"]["Id"]
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
            SoftwareTokenMfaConfiguration={"Enabled": True})
    client_name = user_pool_client_name(settings)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = _find(clients, client_name, "ClientName", "ClientId")
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=client_name,
            GenerateSecret=False,  # a browser app cannot keep a secret
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                               "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED",
        )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _find(items: list[dict], name: str, name_key: str, id_key: str) -> str | None:
    for item in items:
        if item[name_key] == name:
            return item[id_key]
    return None

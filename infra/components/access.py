"""Least-privilege grants, one function per kind of resource; used for the API and workers."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from infra.functions import Access

# Exactly the admin calls of chalicelib/storage/identity.py (sign_up, initiate_auth and
# change_password are public Cognito calls and need no IAM).
COGNITO_ADMIN_ACTIONS = (
    "cognito-idp:AdminGetUser", "cognito-idp:AdminConfirmSignUp",
    "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminDeleteUser",
)

# An append-only table: new items (conditional PutItem) and reading by key; no UpdateItem,
# DeleteItem, BatchWriteItem or Scan.
APPEND_ONLY_ACTIONS = ("dynamodb:PutItem", "dynamodb:Query")


@dataclass(frozen=True)
class Resources:
    """What functions may be granted access to."""

    tables: dict[str, dynamodb.Table]  # settings field -> table
    archive: s3.Bucket
    queues: dict[str, sqs.Queue]  # topology key -> queue
    tokens_key: kms.Key
    anaf_secret: secretsmanager.Secret
    user_pool: cognito.UserPool
    mail_resources: list[str]  # SES identity and configuration set ARNs


def grant(grantee: iam.IGrantable, access: Access, resources: Resources) -> None:
    for field in access.tables_rw:
        resources.tables[field].grant_read_write_data(grantee)
    for field in access.tables_ro:
        if field not in access.tables_rw:
            resources.tables[field].grant_read_data(grantee)
    for field in access.tables_append:
        if field in access.tables_rw or field in access.tables_ro:
            raise ValueError(f"{field} is append-only: not also read/write or read")
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=list(APPEND_ONLY_ACTIONS), resources=[resources.tables[field].table_arn]))
    for pattern in access.archive_read:
        resources.archive.grant_read(grantee, pattern)
    for pattern in access.archive_write:
        resources.archive.grant_put(grantee, pattern)  # includes s3:PutObjectRetention (Object Lock)
    for pattern in access.archive_retention:
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetObjectRetention"], resources=[resources.archive.arn_for_objects(pattern)]))
    for key in access.queues_send:
        resources.queues[key].grant_send_messages(grantee)
    if access.tokens_key:
        # Encrypt/decrypt ANAF tokens and (GenerateDataKey*) the KMS-wrapped MAC keys of links.
        resources.tokens_key.grant_encrypt_decrypt(grantee)
    if access.anaf_secret:
        resources.anaf_secret.grant_read(grantee)
    if access.mail:
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["ses:SendRawEmail", "ses:SendEmail"], resources=resources.mail_resources))
    if access.cognito_admin:
        resources.user_pool.grant(grantee, *COGNITO_ADMIN_ACTIONS)
    if access.assume_customer_roles:
        grantee.grant_principal.add_to_principal_policy(customer_roles_statement())


def customer_roles_statement() -> iam.PolicyStatement:
    """sts:AssumeRole on the customers' delivery roles (issue 15). Any role: they live in
    accounts Arhivar cannot know in advance. Only with an external id: STS refuses a call
    without one, so a role that trusts Arhivar's account without requiring the id can never be
    assumed, and the id Arhivar passes is the one it generated for that company."""
    return iam.PolicyStatement(
        actions=["sts:AssumeRole"], resources=["arn:*:iam::*:role/*"],
        conditions={"Null": {"sts:ExternalId": "false"}})

"""The bootstrap creates every resource in moto from the code's own definitions, idempotently."""

from __future__ import annotations

import json

from chalicelib.domain.passwords import PASSWORD_POLICY
from chalicelib.storage.aws import aws_client
from chalicelib.storage.models import ALL_MODELS, LIST_FILTER_ATTRIBUTES, ttl_attribute_name
from chalicelib.topology import QUEUES, SCHEDULES, user_pool_name
from local.anaf_sandbox import signing as sandbox_signing
from local.bootstrap import bootstrap


def test_every_table_exists_with_its_indexes_and_ttl(settings):
    dynamodb = aws_client(settings, "dynamodb")
    for model in ALL_MODELS:
        table = dynamodb.describe_table(TableName=model.Meta.table_name)["Table"]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        declared = {index.Meta.index_name for index in model._indexes.values()}
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == declared
        ttl = dynamodb.describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]
        if ttl_attribute_name(model):
            assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": ttl_attribute_name(model)}
    assert "due" in {i["IndexName"] for i in dynamodb.describe_table(
        TableName=settings.companies_table)["Table"]["GlobalSecondaryIndexes"]}


def test_the_documents_lists_indexes_copy_only_what_their_filters_read(settings):
    table = aws_client(settings, "dynamodb").describe_table(TableName=settings.documents_table)["Table"]
    projections = {i["IndexName"]: i["Projection"] for i in table["GlobalSecondaryIndexes"]}
    for name, own_key in (("by_partner", None), ("by_issue_date", "issue_sk"), ("by_kind", None),
                          ("by_number", "number_sk")):
        assert projections[name]["ProjectionType"] == "INCLUDE", name
        assert sorted(projections[name]["NonKeyAttributes"]) == sorted(
            a for a in LIST_FILTER_ATTRIBUTES if a != own_key), name
    assert projections["by_upload"]["ProjectionType"] == projections["by_message"]["ProjectionType"] == "KEYS_ONLY"
    assert not any(p["ProjectionType"] == "ALL" for p in projections.values())


def test_the_archive_bucket_is_private_versioned_and_lockable(settings):
    s3 = aws_client(settings, "s3")
    block = s3.get_public_access_block(Bucket=settings.archive_bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert s3.get_bucket_versioning(Bucket=settings.archive_bucket)["Status"] == "Enabled"
    lock = s3.get_object_lock_configuration(Bucket=settings.archive_bucket)
    assert lock["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"


def test_every_queue_has_a_dead_letter_queue(settings):
    sqs = aws_client(settings, "sqs")
    for spec in QUEUES:
        url = sqs.get_queue_url(QueueName=spec.name(settings))["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(":" + spec.dead_letter_name(settings))
        assert int(redrive["maxReceiveCount"]) == spec.max_receive_count
        assert int(attributes["VisibilityTimeout"]) == spec.visibility_timeout_s > spec.function_timeout_s


def test_key_secret_sender_schedule_and_user_pool_exist(settings):
    kms = aws_client(settings, "kms")
    assert kms.describe_key(KeyId=settings.tokens_kms_key)["KeyMetadata"]["Enabled"] is True
    secret = aws_client(settings, "secretsmanager").get_secret_value(SecretId=settings.anaf_client_secret_name)
    assert secret["SecretString"]
    ses = aws_client(settings, "ses")
    assert settings.ses_sender in ses.list_identities()["Identities"]
    events = aws_client(settings, "events")
    for schedule in SCHEDULES:
        rule = events.describe_rule(Name=schedule.rule_name(settings))
        assert rule["ScheduleExpression"] == schedule.expression
    cognito = aws_client(settings, "cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=settings.cognito_user_pool_id)["UserPool"]
    assert pool["Name"] == user_pool_name(settings)
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == PASSWORD_POLICY.min_length
    client = cognito.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=settings.cognito_client_id)
    assert "ALLOW_REFRESH_TOKEN_AUTH" in client["UserPoolClient"]["ExplicitAuthFlows"]


def test_bootstrap_is_idempotent(settings):
    # GIVEN a bootstrapped stack WHEN the bootstrap runs again THEN nothing is duplicated or replaced
    sqs = aws_client(settings, "sqs")
    queues_before = sorted(sqs.list_queues()["QueueUrls"])
    again = bootstrap(settings, anaf_client_secret="arhivar-local-sandbox-secret",
                      trusted_signers=sandbox_signing.chain_pem())
    assert (again.cognito_user_pool_id, again.cognito_client_id) == (
        settings.cognito_user_pool_id, settings.cognito_client_id)
    assert sorted(sqs.list_queues()["QueueUrls"]) == queues_before
    pools = aws_client(settings, "cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Name"] for p in pools].count(user_pool_name(settings)) == 1
    aliases = aws_client(settings, "kms").list_aliases()["Aliases"]
    assert [a["AliasName"] for a in aliases].count(settings.tokens_kms_key) == 1

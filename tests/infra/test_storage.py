"""Buckets: nothing public; the archive locked, encrypted, versioned, TLS-only, lifecycled."""

from __future__ import annotations

from typing import Any

from .conftest import api_function, properties, resources

ALL_BLOCKED = {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
               "RestrictPublicBuckets": True}


def _archive(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logical_id = api_function(template)["Environment"]["Variables"]["ARHIVAR_ARCHIVE_BUCKET"]["Ref"]
    return logical_id, template["Resources"][logical_id]


def _rules(bucket: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in properties(bucket)["LifecycleConfiguration"]["Rules"]}


def test_no_bucket_is_public(template: dict) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 2  # the archive and the web app
    for logical_id, bucket in buckets.items():
        assert properties(bucket)["PublicAccessBlockConfiguration"] == ALL_BLOCKED, logical_id


def test_every_bucket_refuses_plain_http(template: dict) -> None:
    policies = {properties(p)["Bucket"]["Ref"]: properties(p)["PolicyDocument"]["Statement"]
                for p in resources(template, "AWS::S3::BucketPolicy").values()}
    for logical_id in resources(template, "AWS::S3::Bucket"):
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in policies[logical_id]), logical_id


def test_archive_has_object_lock_kms_and_versions(template: dict) -> None:
    _, bucket = _archive(template)
    props = properties(bucket)
    assert props["ObjectLockEnabled"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "KMSMasterKeyID" in encryption["ServerSideEncryptionByDefault"]
    assert bucket["DeletionPolicy"] == "Retain"


def test_archive_lifecycle(template: dict) -> None:
    _, bucket = _archive(template)
    rules = _rules(bucket)
    by_prefix = {r.get("Prefix"): r for r in rules.values()}
    for prefix in ("originals/", "documents/"):
        [transition] = by_prefix[prefix]["Transitions"]
        assert transition["TransitionInDays"] == 90
        assert transition["StorageClass"] in {"GLACIER_IR", "STANDARD_IA", "GLACIER", "DEEP_ARCHIVE"}
    assert by_prefix["exports/"]["ExpirationInDays"] == 7
    assert by_prefix["imports/"]["ExpirationInDays"] == 2  # SPV import uploads, once imported
    assert any("NoncurrentVersionExpiration" in r and "Prefix" not in r for r in rules.values())


def test_the_archive_takes_browser_uploads_from_the_web_origin_only(template: dict, synthesized, stage: str) -> None:
    # The presigned POST of an SPV import (services/imports.py) comes from the web app
    _, bucket = _archive(template)
    [rule] = properties(bucket)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [synthesized.params[stage].public_url.rstrip("/")]


def test_every_bucket_is_encrypted_and_versioned(template: dict) -> None:
    for logical_id, bucket in resources(template, "AWS::S3::Bucket").items():
        props = properties(bucket)
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, logical_id


def test_each_stage_sets_its_archive_lock(template: dict, stage: str) -> None:
    # prod keeps originals under COMPLIANCE for the legal retention; dev's bucket can be emptied
    variables = api_function(template)["Environment"]["Variables"]
    expected = {"prod": ("COMPLIANCE", None), "dev": ("GOVERNANCE", "1")}[stage]
    assert (variables["ARHIVAR_ARCHIVE_LOCK_MODE"], variables.get("ARHIVAR_ARCHIVE_LOCK_DAYS")) == expected

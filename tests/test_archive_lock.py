"""Originals are locked per stage: COMPLIANCE for the legal retention in prod, GOVERNANCE for a
day in dev and locally, so those buckets can be emptied."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from chalicelib.settings import SettingsError, load_settings
from chalicelib.storage.aws import aws_client
from chalicelib.storage.blobs import ArchiveBucket
from local.environment import LocalPorts, local_environment

TEN_YEARS = datetime(2037, 1, 1, tzinfo=UTC)


def _original(bucket: ArchiveBucket, settings) -> tuple[str, dict]:
    key = f"originals/lock-test/{uuid.uuid4().hex}.zip"
    bucket.put_once(key, b"PK\x03\x04 signed original", "application/zip", retain_until=TEN_YEARS)
    return key, aws_client(settings, "s3").head_object(Bucket=bucket.name, Key=key)


def test_locally_an_original_is_under_governance_for_a_day_and_the_bucket_can_be_emptied(settings):
    # GIVEN the local deployment's settings
    assert (settings.archive_lock_mode, settings.archive_lock_days) == ("GOVERNANCE", 1)
    # WHEN an original is archived with its ten-year retention
    bucket = ArchiveBucket(settings)
    key, head = _original(bucket, settings)
    # THEN it is locked in governance mode for at most a day, not ten years
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] <= datetime.now(UTC) + timedelta(days=1, minutes=1)
    # AND a privileged user can still delete it (emptying a dev bucket works)
    s3 = aws_client(settings, "s3")
    s3.delete_object(Bucket=bucket.name, Key=key, VersionId=head["VersionId"], BypassGovernanceRetention=True)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket.name, Key=key, VersionId=head["VersionId"])


def test_in_prod_an_original_is_under_compliance_for_the_legal_retention(settings):
    # GIVEN prod's lock settings on the same bucket
    bucket = ArchiveBucket(dataclasses.replace(settings, archive_lock_mode="COMPLIANCE", archive_lock_days=None))
    # WHEN an original is archived
    key, head = _original(bucket, settings)
    # THEN compliance mode holds it until the legal retention ends, even against the bypass
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == TEN_YEARS
    s3 = aws_client(settings, "s3")
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket.name, Key=key, VersionId=head["VersionId"], BypassGovernanceRetention=True)


def test_without_a_lock_an_original_carries_no_retention(settings):
    bucket = ArchiveBucket(dataclasses.replace(settings, archive_lock_mode="NONE"))
    _, head = _original(bucket, settings)
    assert "ObjectLockMode" not in head


def test_prod_refuses_anything_but_compliance_for_the_legal_retention():
    environ = {**local_environment(LocalPorts()), "ARHIVAR_STAGE": "prod", "ARHIVAR_WEBHOOKS_ALLOW_LOCAL": "false"}
    with pytest.raises(SettingsError, match="ARHIVAR_STAGE=prod keeps originals under COMPLIANCE"):
        load_settings(environ)
    environ |= {"ARHIVAR_ARCHIVE_LOCK_MODE": "COMPLIANCE"}
    with pytest.raises(SettingsError, match="ARHIVAR_ARCHIVE_LOCK_DAYS unset"):
        load_settings(environ)
    del environ["ARHIVAR_ARCHIVE_LOCK_DAYS"]
    settings = load_settings(environ)
    assert (settings.archive_lock_mode, settings.archive_lock_days) == ("COMPLIANCE", None)


@pytest.mark.parametrize(("variable", "value"), [("ARHIVAR_ARCHIVE_LOCK_MODE", "compliance-ish"),
                                             ("ARHIVAR_ARCHIVE_LOCK_DAYS", "0"),
                                             ("ARHIVAR_ARCHIVE_LOCK_DAYS", "zece")])
def test_a_malformed_lock_setting_stops_the_process(variable, value):
    with pytest.raises(SettingsError, match=variable):
        load_settings({**local_environment(LocalPorts()), variable: value})

"""The adapter to a company's own S3 bucket: STS AssumeRole with the company's external id,
then S3 with the role's temporary credentials (the configured endpoint: moto locally, where
STS answers any role and the role's account gets its own buckets).

Every failure on the customer's side becomes `DeliveryFailed` with its reason
(domain/s3_delivery.py); our own transport failures too, as the "try again" reason.
Credentials are reused per (role, external id) while they are good for a few more minutes.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.s3_delivery import ROLE_SESSION_NAME, DeliveryFailed, s3_failure, sts_failure
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, error_code

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=30)
SESSION_S = 900  # STS's shortest session: enough for a batch
_REUSE_MARGIN_S = 120
# A conditional write lost to another writer (S3 answers 412, or 409 while the other is in flight).
_WRITTEN_MEANWHILE = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


@dataclass(frozen=True)
class Stored:
    sha256: str | None  # the object's SHA-256 (hex), when S3 has its checksum
    message_id: str | None  # the document it was copied from (object metadata)


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


class CustomerBucket:
    """One company's bucket, reached through its role."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            raise DeliveryFailed(s3_failure(error_code(error), _status(error)), str(error)) from error
        except BotoCoreError as error:
            raise DeliveryFailed("bucket_unreachable", type(error).__name__) from error

    def stored(self, key: str) -> Stored | None:
        """What is at `key` (None when nothing is)."""
        try:
            with self._failures():
                head = self._s3.head_object(Bucket=self._bucket, Key=key, ChecksumMode="ENABLED")
        except DeliveryFailed as failure:
            # HEAD has no body: a missing key is a bare 404, a missing bucket too; tell them apart.
            if failure.reason != "bucket_missing" or not self._bucket_exists(key):
                raise
            return None
        metadata = head.get("Metadata") or {}
        checksum = head.get("ChecksumSHA256")  # S3's own, when the object was written with it
        sha256 = base64.b64decode(checksum).hex() if checksum and "-" not in checksum else None
        return Stored(sha256 or metadata.get("arhivar-sha256"), metadata.get("arhivar-message-id"))

    def _bucket_exists(self, key: str) -> bool:
        try:
            with self._failures():
                self._s3.list_objects_v2(Bucket=self._bucket, MaxKeys=1, Prefix=key)
        except DeliveryFailed as failure:
            if failure.reason == "bucket_missing":
                return False
            if failure.reason == "access_denied":  # no ListBucket: HEAD's 404 was the key's
                return True
            raise
        return True

    def put(self, key: str, content: bytes, content_type: str, sha256: str, metadata: dict[str, str], *,
            only_if_absent: bool = False) -> bool:
        """Write the object; S3 checks the SHA-256 we send and keeps it (HEAD returns it).
        `only_if_absent`: a conditional write (If-None-Match: *) that returns False, writing
        nothing, when someone wrote the key meanwhile (two copies of a document at once)."""
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
        condition = {"IfNoneMatch": "*"} if only_if_absent else {}
        try:
            with self._failures():
                self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=content_type,
                                    ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum, Metadata=metadata,
                                    **condition)
        except DeliveryFailed as failure:
            cause = failure.__cause__
            if only_if_absent and isinstance(cause, ClientError) and error_code(cause) in _WRITTEN_MEANWHILE:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        with self._failures():
            self._s3.delete_object(Bucket=self._bucket, Key=key)


class CustomerBuckets:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str, str], tuple[Any, float]] = {}

    def open(self, role_arn: str, external_id: str, bucket: str, *, fresh: bool = False) -> CustomerBucket:
        """The bucket through the assumed role; DeliveryFailed("assume_role_denied") when STS
        refuses. `fresh`: assume again even if cached credentials are still good ("Verifică")."""
        key = (role_arn, external_id)
        with self._lock:
            cached = self._sessions.get(key)
        if cached is None or fresh or cached[1] - time.time() < _REUSE_MARGIN_S:
            cached = (self._assume(role_arn, external_id), time.time() + SESSION_S)
            with self._lock:
                self._sessions[key] = cached
        return CustomerBucket(cached[0], bucket)

    def _assume(self, role_arn: str, external_id: str) -> Any:
        try:
            answer = aws_client(self._settings, "sts").assume_role(
                RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME, ExternalId=external_id,
                DurationSeconds=SESSION_S)
        except ClientError as error:
            raise DeliveryFailed(sts_failure(error_code(error), _status(error)), str(error)) from error
        except BotoCoreError as error:
            raise DeliveryFailed("bucket_unreachable", type(error).__name__) from error
        credentials = answer["Credentials"]
        session: Any = boto3.session.Session()
        return session.client(
            "s3", region_name=self._settings.region, endpoint_url=self._settings.aws_endpoint_url,
            aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"], config=_CONFIG)

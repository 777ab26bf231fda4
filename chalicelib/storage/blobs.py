"""The archive bucket (S3): originals, extracted documents, PDFs and exports."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, error_code, translated_errors

if TYPE_CHECKING:
    from types_boto3_s3.type_defs import PutObjectRequestTypeDef


class ArchiveBucket:
    def __init__(self, settings: Settings) -> None:
        self._s3 = aws_client(settings, "s3")
        self.name = settings.archive_bucket

    def put(self, key: str, data: bytes, content_type: str, *,
            retain_until: datetime | None = None) -> str:
        """Store bytes; return their SHA-256 (hex), which S3 also checks on arrival.
        With `retain_until`, Object Lock (compliance mode) keeps the object unchangeable
        and undeletable until then: the legal original."""
        digest = hashlib.sha256(data)
        request: PutObjectRequestTypeDef = {
            "Bucket": self.name,
            "Key": key,
            "Body": data,
            "ContentType": content_type,
            "ChecksumAlgorithm": "SHA256",
            "ChecksumSHA256": _b64(digest.digest()),
        }
        if retain_until is not None:
            request["ObjectLockMode"] = "COMPLIANCE"
            request["ObjectLockRetainUntilDate"] = retain_until
        with translated_errors("s3"):
            self._s3.put_object(**request)
        return digest.hexdigest()

    def get(self, key: str) -> bytes:
        with translated_errors("s3"):
            return self._s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def download_url(self, key: str, filename: str, expires_s: int = 300) -> str:
        """A short-lived presigned GET that saves under a readable file name."""
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return self._s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.name, "Key": key, "ResponseContentDisposition": disposition},
            ExpiresIn=expires_s,
        )

    def check_reachable(self) -> None:
        """Raise ServiceUnavailable unless the bucket exists and answers."""
        try:
            with translated_errors("s3"):
                self._s3.head_bucket(Bucket=self.name)
        except ClientError as error:  # missing or forbidden: unusable all the same
            raise ServiceUnavailable(details={"bucket": self.name, "code": error_code(error)}) from error


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

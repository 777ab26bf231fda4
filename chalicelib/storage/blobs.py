"""The archive bucket (S3): originals, extracted documents, PDFs and exports."""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, error_code, translated_errors

if TYPE_CHECKING:
    pass


class KeyTaken(Exception):
    """Different bytes already live under a key that is written once."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class StoredObject:
    chunks: Iterator[bytes]
    size: int
    lock_mode: str | None
    retain_until: datetime | None


class ArchiveBucket:
    def __init__(self, settings: Settings) -> None:
        self._s3 = aws_client(settings, "s3")
        self.name = settings.archive_bucket
        self._lock_mode = settings.archive_lock_mode
        self._lock_days = settings.archive_lock_days
        self._upload_origin = upload_origin(settings)
        self._regional = settings.aws_endpoint_url is None
        self._region = settings.region

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store (or replace) bytes; return their SHA-256 (hex), which S3 also checks on arrival."""
        return self._put(key, data, content_type, {})

    def put_once(self, key: str, data: bytes, content_type: str, *,
                 retain_until: datetime | None = None) -> str:
        """Store bytes under a key that nothing may overwrite (`If-None-Match: *`); return their
        SHA-256 (hex). Storing the same bytes again is a no-op (a retry); different bytes raise
        KeyTaken and change nothing. With `retain_until`, Object Lock keeps the object
        unchangeable until then: the legal original. The deployment's settings choose the lock:
        COMPLIANCE (prod: undeletable by anyone), GOVERNANCE (dev, local: a privileged user can
        still empty the bucket) or NONE, and may cap its length (`archive_lock_days`)."""
        extra: dict = {"IfNoneMatch": "*"}
        if retain_until is not None:
            extra |= self._lock(retain_until)
        try:
            return self._put(key, data, content_type, extra)
        except ClientError as error:
            if error_code(error) not in _ALREADY_THERE:
                raise
        digest = hashlib.sha256(data).hexdigest()
        if hashlib.sha256(self.get(key)).hexdigest() != digest:
            raise KeyTaken(key)
        return digest

    def _lock(self, retain_until: datetime) -> dict:
        if self._lock_mode == "NONE":
            return {}
        if self._lock_days is not None:
            retain_until = min(retain_until, datetime.now(UTC) + timedelta(days=self._lock_days))
        return {"ObjectLockMode": self._lock_mode, "ObjectLockRetainUntilDate": retain_until}

    def _put(self, key: str, data: bytes, content_type: str, extra: dict) -> str:
        digest = hashlib.sha256(data)
        with translated_errors("s3", passthrough=lambda e: error_code(e) in _ALREADY_THERE):
            self._s3.put_object(
                Bucket=self.name,
                Key=key,
                Body=data,
                ContentType=content_type,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(digest.digest()),
                **extra,
            )
        return digest.hexdigest()

    def get(self, key: str) -> bytes:
        with translated_errors("s3"):
            return self._s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def get_if_present(self, key: str) -> bytes | None:
        """The object's bytes, or None when the key does not exist (the functions' read grant
        includes s3:ListBucket, so a missing key is a 404, not an access denial)."""
        try:
            return self.get(key)
        except ClientError as error:
            if error_code(error) in {"NoSuchKey", "404"}:
                return None
            raise

    def read_stream(self, key: str, chunk_size: int = 1024 * 1024) -> StoredObject | None:
        """The object's bytes as chunks (bounded memory) with its Object Lock as GetObject reports
        it (one request, no HEAD); None when the key does not exist."""
        try:
            with translated_errors("s3"):
                answer = self._s3.get_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error_code(error) in {"NoSuchKey", "404"}:
                return None
            raise
        return StoredObject(chunks=answer["Body"].iter_chunks(chunk_size), size=answer["ContentLength"],
                            lock_mode=answer.get("ObjectLockMode"),
                            retain_until=answer.get("ObjectLockRetainUntilDate"))

    def download_url(self, key: str, filename: str, expires_s: int = 300, *, inline: bool = False) -> str:
        """A short-lived presigned GET that saves under a readable file name, or (`inline`) that
        the browser shows in place: the document dialog's PDF preview (an <iframe>)."""
        disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}"
        # A framed link must be on the bucket's regional address, the one origin the CSP's
        # frame-src names (boto3 signs for the global one, which the CSP does not allow).
        signer = _regional_signer(self._region) if inline and self._regional else self._s3
        return signer.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.name, "Key": key, "ResponseContentDisposition": disposition},
            ExpiresIn=expires_s,
        )

    def upload_form(self, key: str, max_bytes: int, expires_s: int) -> dict:
        """A presigned POST for the browser: this key only, at most `max_bytes` (S3 refuses a
        larger body: the policy's content-length-range), valid `expires_s` seconds.
        Returns {"url": ..., "fields": {...}}."""
        with translated_errors("s3"):
            form = self._s3.generate_presigned_post(
                Bucket=self.name, Key=key, Fields={"Content-Type": "application/zip"},
                Conditions=[{"Content-Type": "application/zip"}, ["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_s)
        # The bucket's regional address (boto3 names the global one, which redirects new
        # buckets): the one origin the web app's CSP lets scripts reach. The POST's signature
        # covers the policy, not the host.
        return {"url": f"{self._upload_origin}/" if self._regional else form["url"], "fields": form["fields"]}

    def version_of(self, key: str) -> tuple[str, int] | None:
        """(version id, size) of the key's current object, or None when nothing is there."""
        try:
            with translated_errors("s3", passthrough=lambda e: error_code(e) in {"NoSuchKey", "404"}):
                head = self._s3.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error_code(error) in {"NoSuchKey", "404"}:
                return None
            raise
        return str(head.get("VersionId") or "null"), int(head["ContentLength"])

    def get_version(self, key: str, version_id: str) -> bytes:
        """One version's bytes: what was there when a job started, whatever was written since."""
        with translated_errors("s3"):
            return self._s3.get_object(Bucket=self.name, Key=key, VersionId=version_id)["Body"].read()

    def check_reachable(self) -> None:
        """Raise ServiceUnavailable unless the bucket exists and answers."""
        try:
            with translated_errors("s3"):
                self._s3.head_bucket(Bucket=self.name)
        except ClientError as error:  # missing or forbidden: unusable all the same
            raise ServiceUnavailable(details={"bucket": self.name, "code": error_code(error)}) from error


@functools.cache
def _regional_signer(region: str) -> Any:
    """An S3 client that only signs URLs, for https://<bucket>.s3.<region>.amazonaws.com."""
    return boto3.session.Session().client("s3", region_name=region,
                                          endpoint_url=f"https://s3.{region}.amazonaws.com",
                                          config=Config(s3={"addressing_style": "virtual"}))


def upload_origin(settings: Settings) -> str:
    """Where the browser POSTs SPV import uploads: the bucket's regional endpoint in AWS,
    moto's server locally."""
    if settings.aws_endpoint_url:
        return settings.aws_endpoint_url.rstrip("/")
    return f"https://{settings.archive_bucket}.s3.{settings.region}.amazonaws.com"


# 412 when an object exists; 409 when a concurrent conditional write to the key is in flight.
_ALREADY_THERE = {"PreconditionFailed", "ConditionalRequestConflict"}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

"""A write-only file object that streams into one S3 object with a multipart upload.

Bytes are buffered until a part is full (PART_SIZE, above S3's 5 MB minimum), then uploaded, so
memory stays at one part whatever the object's size; an object smaller than one part is a single
PUT. `zipfile.ZipFile` can write into it: it has
`write`, `tell` and `flush` but no `seek`, which puts zipfile in its streaming mode (data
descriptors after each member).
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors

if TYPE_CHECKING:
    from types_boto3_s3.type_defs import CompletedPartTypeDef

PART_SIZE = 8 * 1024 * 1024  # S3: every part but the last ≥ 5 MiB


class MultipartWriter:
    def __init__(self, settings: Settings, key: str, content_type: str, part_size: int = PART_SIZE) -> None:
        self._s3 = aws_client(settings, "s3")
        self._bucket = settings.archive_bucket
        self.key = key
        self._part_size = max(part_size, 5 * 1024 * 1024)
        self._buffer = bytearray()
        self._parts: list[CompletedPartTypeDef] = []
        self._written = 0
        self._upload_id: str | None = None
        self._content_type = content_type
        self.closed = False

    def __enter__(self) -> MultipartWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._written += len(data)
        if len(self._buffer) >= self._part_size:
            # The whole buffer is the part (a little over PART_SIZE): no copy, then a new buffer.
            part, self._buffer = self._buffer, bytearray()
            self._upload(part)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        """Nothing to do: parts leave when full (zipfile calls this when it finishes)."""

    def close(self) -> None:
        """Upload the last part and complete the object."""
        if self.closed:
            return
        if self._upload_id is None:
            # Smaller than one part: a single PUT (one request instead of three).
            with translated_errors("s3"):
                self._s3.put_object(Bucket=self._bucket, Key=self.key, Body=bytes(self._buffer),
                                    ContentType=self._content_type)
            self._buffer = bytearray()
            self.closed = True
            return
        self._upload(bytes(self._buffer))  # the last part may be small
        self._buffer = bytearray()
        with translated_errors("s3"):
            self._s3.complete_multipart_upload(
                Bucket=self._bucket, Key=self.key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts})
        self.closed = True

    def abort(self) -> None:
        if self._upload_id and not self.closed:
            with translated_errors("s3"):
                self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=self._upload_id)
        self.closed = True

    @property
    def size(self) -> int:
        return self._written

    def _upload(self, chunk: bytes | bytearray) -> None:
        with translated_errors("s3"):
            if self._upload_id is None:
                self._upload_id = self._s3.create_multipart_upload(
                    Bucket=self._bucket, Key=self.key, ContentType=self._content_type)["UploadId"]
            number = len(self._parts) + 1
            # botocore sends a bytearray as it is (no copy of the 8 MB part); the stubs list bytes only.
            answer = self._s3.upload_part(Bucket=self._bucket, Key=self.key, UploadId=self._upload_id,
                                          PartNumber=number, Body=chunk)  # type: ignore[arg-type]
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

"""ZIP archives written member by member into a non-seekable stream, with stream-zip.

stream-zip (MIT, https://github.com/uktrade/stream-zip) turns an iterable of members into an
iterable of byte chunks: each member's local header, data and data descriptor are produced as
its chunks are consumed, so nothing but the current chunk is held; the central directory is
kept as compact bytes (about 280 bytes a member with Python's overheads) and written at the end.
ZIP64 is used only when the archive needs it (more than 65 535 members, or offsets or sizes past
4 GiB): every member goes through stream-zip's ZIP_AUTO method, which also upgrades the central
directory by itself.
Members that do not compress (PDFs, ANAF's ZIPs) use deflate level 0: stored blocks, no CPU.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from stream_zip import ZIP_AUTO, MemberFile, stream_zip

CHUNK_SIZE = 256 * 1024
DEFLATE_LEVEL = 6  # zlib's default: what zipfile used
STORE_LEVEL = 0  # deflate's stored blocks
_FILE_MODE = stat.S_IFREG | 0o644
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a ZIP (MS-DOS) date holds


class Sink(Protocol):
    """Where the archive goes: a file, or storage.multipart.MultipartWriter (write-only, no seek)."""

    def write(self, data: bytes, /) -> int: ...


@dataclass(frozen=True)
class Member:
    """One file of the archive. `modified_at` is aware: its wall-clock time is what ZIP tools
    show (the MS-DOS date), the instant goes into the extended timestamp."""

    path: str
    modified_at: datetime
    size: int
    chunks: Iterable[bytes]
    compress: bool = True


def zip_chunks(members: Iterable[Member]) -> Iterable[bytes]:
    """The archive of `members` (consumed lazily, in order) as chunks of CHUNK_SIZE bytes."""
    return stream_zip(_library_members(members), chunk_size=CHUNK_SIZE)


def write_zip(members: Iterable[Member], out: Sink) -> int:
    """Streams the archive into `out` (only `write` is used); returns its size in bytes."""
    written = 0
    for chunk in zip_chunks(members):
        out.write(chunk)
        written += len(chunk)
    return written


def _library_members(members: Iterable[Member]) -> Iterator[MemberFile]:
    for member in members:
        moment = max(member.modified_at, _ZIP_EPOCH.astimezone(member.modified_at.tzinfo))
        level = DEFLATE_LEVEL if member.compress else STORE_LEVEL
        yield member.path, moment, _FILE_MODE, ZIP_AUTO(member.size, level=level), member.chunks

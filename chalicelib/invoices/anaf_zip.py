"""Opening a ``/descarcare`` ZIP as hostile input.

A valid archive has exactly two members, ``<digits>.xml`` and ``semnatura_<same digits>.xml``
(either order), plain names, stored or deflated, unencrypted, within size caps. Members are
inflated here (not by ``zipfile``) with an output cap, so a member that inflates beyond its
declared size (a zip bomb lying in its header) is caught while reading, and every member's
CRC-32 is checked.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from chalicelib.invoices.errors import InvalidAnafZip, InvalidUpload

MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_INVOICE_BYTES = 15 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024 * 1024
MAX_RATIO = 100  # inflated / compressed, checked for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024

_DOCUMENT_NAME = re.compile(r"([0-9]{1,20})\.xml")
_SIGNATURE_NAME = re.compile(r"semnatura_([0-9]{1,20})\.xml")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_ENCRYPTED_FLAGS = 0x0001 | 0x0040  # traditional / strong encryption
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


@dataclass(frozen=True)
class AnafZip:
    upload_index: str
    invoice_name: str
    invoice_xml: bytes
    signature_name: str
    signature_xml: bytes


def _central_directory(content: bytes) -> list[zipfile.ZipInfo]:
    if not content:
        raise InvalidAnafZip("not_a_zip", "empty download")
    if len(content) > MAX_ZIP_BYTES:
        raise InvalidAnafZip("too_large", f"the ZIP is {len(content)} bytes (limit {MAX_ZIP_BYTES})")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return archive.infolist()
    except zipfile.BadZipFile as exc:
        if content.startswith(b"PK\x03\x04"):
            raise InvalidAnafZip("truncated", f"ZIP without a readable central directory: {exc}") from None
        raise InvalidAnafZip("not_a_zip", "the download is not a ZIP archive") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure on hostile bytes is a corrupt ZIP
        raise InvalidAnafZip("corrupt", f"unreadable ZIP directory: {type(exc).__name__}: {exc}") from None


def _check_name(name: str) -> None:
    unsafe = (
        not name
        or name.endswith("/")
        or name.startswith(("/", "\\"))
        or "\\" in name
        or "/" in name
        or ".." in name
        or ":" in name
        or any(ord(c) < 32 for c in name)
    )
    if unsafe:
        raise InvalidAnafZip("unsafe_name", f"unsafe member name {name[:100]!r}")


def _check_entry(info: zipfile.ZipInfo, cap: int) -> None:
    if info.flag_bits & _ENCRYPTED_FLAGS:
        raise InvalidAnafZip("encrypted", f"member {info.filename!r} is encrypted")
    if info.compress_type not in (_STORED, _DEFLATED):
        raise InvalidAnafZip("unsupported_compression",
                             f"member {info.filename!r} uses compression method {info.compress_type}")
    if info.file_size > cap:
        raise InvalidAnafZip("too_large",
                             f"member {info.filename!r} declares {info.file_size} bytes (limit {cap})")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise InvalidAnafZip("zip_bomb",
                             f"member {info.filename!r} declares a compression ratio over {MAX_RATIO}")


def _pick_members(infos: list[zipfile.ZipInfo], upload_index: str | None):
    for info in infos:
        _check_name(info.filename)
    if len(infos) != 2:
        raise InvalidAnafZip("wrong_members", f"expected 2 members, found {len(infos)}")
    documents = [(i, m[1]) for i in infos if (m := _DOCUMENT_NAME.fullmatch(i.filename))]
    signatures = [(i, m[1]) for i in infos if (m := _SIGNATURE_NAME.fullmatch(i.filename))]
    if len(documents) != 1 or len(signatures) != 1 or documents[0][1] != signatures[0][1]:
        names = ", ".join(repr(i.filename[:100]) for i in infos)
        raise InvalidAnafZip("wrong_members",
                             f"expected <index>.xml and semnatura_<index>.xml, found {names}")
    index = documents[0][1]
    if upload_index is not None and index != upload_index:
        raise InvalidAnafZip("index_mismatch", f"the ZIP holds upload {index}, expected {upload_index}")
    return documents[0][0], signatures[0][0], index


def _raw_data(content: bytes, info: zipfile.ZipInfo) -> bytes:
    offset = info.header_offset
    header = content[offset : offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        raise InvalidAnafZip("truncated", f"member {info.filename!r}: local header cut off")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise InvalidAnafZip("corrupt", f"member {info.filename!r}: no local header at its offset")
    name_length, extra_length = fields[9], fields[10]
    local_name = content[offset + _LOCAL_HEADER.size : offset + _LOCAL_HEADER.size + name_length]
    if local_name != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace"):
        raise InvalidAnafZip("corrupt", f"member {info.filename!r}: local and central names differ")
    if fields[2] & _ENCRYPTED_FLAGS:
        raise InvalidAnafZip("encrypted", f"member {info.filename!r} is encrypted (local header)")
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    data = content[start : start + info.compress_size]
    if len(data) < info.compress_size:
        raise InvalidAnafZip("truncated", f"member {info.filename!r}: data cut off")
    return data


def _inflate(data: bytes, info: zipfile.ZipInfo) -> bytes:
    declared = info.file_size
    if info.compress_type == _STORED:
        out = data
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            out = inflater.decompress(data, declared + 1)  # never more than one byte past the declared size
        except zlib.error as exc:
            raise InvalidAnafZip("corrupt", f"member {info.filename!r}: bad deflate data: {exc}") from None
        if len(out) > declared or inflater.unconsumed_tail:
            raise InvalidAnafZip("zip_bomb",
                                 f"member {info.filename!r} inflates beyond its declared {declared} bytes")
        if not inflater.eof:
            raise InvalidAnafZip("truncated", f"member {info.filename!r}: deflate stream ends early")
    if len(out) != declared:
        raise InvalidAnafZip("corrupt", f"member {info.filename!r}: {len(out)} bytes, {declared} declared")
    if zlib.crc32(out) != info.CRC:
        raise InvalidAnafZip("crc_mismatch", f"member {info.filename!r} fails its CRC-32 check")
    return out


def open_anaf_zip(content: bytes, *, upload_index: str | None = None) -> AnafZip:
    """The two members of an ANAF download ZIP; raises ``InvalidAnafZip`` (see its reasons)."""
    document, signature, index = _pick_members(_central_directory(content), upload_index)
    _check_entry(document, MAX_INVOICE_BYTES)
    _check_entry(signature, MAX_SIGNATURE_BYTES)
    return AnafZip(
        upload_index=index,
        invoice_name=document.filename,
        invoice_xml=_inflate(_raw_data(content, document), document),
        signature_name=signature.filename,
        signature_xml=_inflate(_raw_data(content, signature), signature),
    )


# -- an uploaded ZIP of ANAF ZIPs ("Importă arhive SPV") ----------------------------------------

def check_upload(upload: bytes, *, member_cap: int, total_cap: int) -> None:
    """Read every ``.zip`` member of an uploaded ZIP the way the import reads it (at most
    ``member_cap`` bytes each, ``total_cap`` in all) and turn any ``zipfile``/zlib/bz2/lzma
    failure (a corrupt, encrypted or unknown-compression member, a bad CRC, a broken local
    header) into ``InvalidUpload``. What is not a ZIP at all, holds no ``.zip`` member or
    breaks a cap is left to the import to refuse with its own codes; ANAF ZIPs themselves
    are checked by ``open_anaf_zip``.
    """
    try:
        outer = zipfile.ZipFile(io.BytesIO(upload))
    except zipfile.BadZipFile:
        return  # not a ZIP: the import says so (import_not_a_zip)
    except Exception as exc:  # noqa: BLE001 - any parser failure on hostile bytes is a corrupt ZIP
        raise InvalidUpload("corrupt", f"unreadable ZIP directory: {type(exc).__name__}: {exc}") from None
    total = 0
    for info in outer.infolist():
        if info.is_dir() or not info.filename.lower().endswith(".zip"):
            continue
        total += _read_member(outer, info, member_cap)
        if total > total_cap:
            return


def _read_member(outer: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> int:
    name = repr(info.filename[:100])
    if info.flag_bits & _ENCRYPTED_FLAGS:
        raise InvalidUpload("encrypted", f"member {name} is encrypted")
    try:
        with outer.open(info) as member:
            return len(member.read(cap + 1))
    except NotImplementedError as exc:
        raise InvalidUpload("unsupported_compression", f"member {name}: {exc}") from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise InvalidUpload("encrypted", f"member {name}: {exc}") from None
    except zipfile.BadZipFile as exc:
        reason = "crc_mismatch" if "CRC" in str(exc) else "corrupt"
        raise InvalidUpload(reason, f"member {name}: {exc}") from None
    except EOFError as exc:
        raise InvalidUpload("truncated", f"member {name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - zlib.error, OSError (bz2), LZMAError, ValueError, …
        raise InvalidUpload("corrupt", f"member {name}: {type(exc).__name__}: {exc}") from None

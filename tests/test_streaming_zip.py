"""The export's ZIP writer (chalicelib/services/streaming_zip.py, on stream-zip), read back with zipfile."""

from __future__ import annotations

import hashlib
import itertools
import tempfile
import tracemalloc
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chalicelib.services.streaming_zip import CHUNK_SIZE, Member, write_zip

ROMANIA = ZoneInfo("Europe/Bucharest")
MEMBERS = 65_536  # one more than a ZIP without ZIP64 can count
MOMENT = datetime(2026, 7, 3, 9, 30, 12, tzinfo=UTC)


def tiny_members(count: int):
    for number in range(count):
        yield Member(f"Primite/2026-07/f{number:05d}.xml", MOMENT, 4, (b"%04d" % (number % 10_000),))


def test_more_than_65535_members_make_a_zip64_archive_that_zipfile_reads(tmp_path):
    # GIVEN 65 536 tiny members, then a big compressible one fed in chunks, a stored one and a
    # name with diacritics (the shapes of an export: XML, PDF, index.csv)
    big = [bytes([65 + i % 26]) * 100_000 for i in range(12)]  # 1.2 MB in 12 chunks
    pdf = hashlib.sha256(b"pdf").digest() * 1000
    tail = [
        Member("Primite/2026-07/2026-07-03_FCT-1_ACME SRL.pdf", MOMENT.astimezone(ROMANIA), len(pdf), (pdf,),
               compress=False),
        Member("Trimise/2026-07/Factură_Șoseaua Ștefan.xml", MOMENT.astimezone(ROMANIA), 6,
               (b"<a/>\n\n",)),
        Member("index.csv", MOMENT.astimezone(ROMANIA), sum(map(len, big)), iter(big)),
    ]
    target = tmp_path / "export.zip"
    # WHEN they are streamed into a write-only file
    with target.open("wb") as out:
        size = write_zip(itertools.chain(tiny_members(MEMBERS), tail), out)
    # THEN the archive has ZIP64 end records and zipfile reads every member back intact
    data = target.read_bytes()
    assert size == len(data)
    assert b"PK\x06\x06" in data[-200:] and b"PK\x06\x07" in data[-200:]  # ZIP64 end record + locator
    with zipfile.ZipFile(target) as archive:
        infos = archive.infolist()
        assert len(infos) == MEMBERS + 3
        assert archive.testzip() is None  # every CRC checks
        assert archive.read("Primite/2026-07/f00000.xml") == b"0000"
        assert archive.read("Primite/2026-07/f65535.xml") == b"5535"
        assert archive.read("index.csv") == b"".join(big)
        assert archive.read("Trimise/2026-07/Factură_Șoseaua Ștefan.xml") == b"<a/>\n\n"
        stored = archive.getinfo("Primite/2026-07/2026-07-03_FCT-1_ACME SRL.pdf")
        assert archive.read(stored) == pdf
        assert stored.compress_size < stored.file_size + 100  # stored blocks: no growth
        index = archive.getinfo("index.csv")
        assert index.compress_type == zipfile.ZIP_DEFLATED and index.compress_size < index.file_size // 100
        # the wall-clock time of Romania, a regular file readable by all
        assert index.date_time == (2026, 7, 3, 12, 30, 12)
        assert index.external_attr >> 16 == 0o100644


def traced_peak(count: int) -> int:
    payload = hashlib.sha512(b"pdf").digest() * 64  # 4 KiB a member, stored
    members = (Member(f"Primite/2026-07/f{n:05d}.pdf", MOMENT, len(payload), (payload,), compress=False)
               for n in range(count))
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as out:
            write_zip(members, out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_only_by_the_central_directory_record_of_each_member():
    # GIVEN archives of 2 000 and 10 000 members WHEN each is written, memory traced
    small, large = traced_peak(2_000), traced_peak(10_000)
    # THEN the peak does not hold the archive (over 4 KiB a member), only each member's
    # central-directory record (about 280 bytes with Python's overheads) over a fixed base
    per_member = (large - small) / 8_000
    assert per_member < 400, f"{per_member:.0f} bytes a member"
    assert small < 2_000 * 400 + CHUNK_SIZE * 4


def test_a_small_archive_stays_zip32(tmp_path):
    target = tmp_path / "small.zip"
    with target.open("wb") as out:
        write_zip(tiny_members(3), out)
    data = target.read_bytes()
    assert b"PK\x06\x06" not in data
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == [f"Primite/2026-07/f{n:05d}.xml" for n in range(3)]
        assert archive.testzip() is None


def test_a_time_before_1980_is_written_as_the_earliest_zip_date(tmp_path):
    with tempfile.TemporaryFile() as out:
        write_zip([Member("old.xml", datetime(1970, 1, 1, tzinfo=UTC), 1, (b"x",))], out)
        out.seek(0)
        with zipfile.ZipFile(out) as archive:
            assert archive.getinfo("old.xml").date_time[0] == 1980
            assert archive.read("old.xml") == b"x"

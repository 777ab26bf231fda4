"""Download ZIPs are opened as hostile input: only ANAF's two-member shape gets through."""

from __future__ import annotations

import zlib

import pytest

from chalicelib.invoices.anaf_zip import MAX_INVOICE_BYTES, open_anaf_zip
from chalicelib.invoices.errors import InvalidAnafZip
from tests.invoices.builders import Member, invoice_xml, make_zip
from tests.invoices.conftest import SAMPLES

SIGNATURE = b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>'


def two(index: str = "5100000123", **document) -> list[Member]:
    return [Member(f"{index}.xml", document.pop("data", invoice_xml()), **document),
            Member(f"semnatura_{index}.xml", SIGNATURE)]


def reason(content: bytes, **kwargs) -> str:
    with pytest.raises(InvalidAnafZip) as caught:
        open_anaf_zip(content, **kwargs)
    return caught.value.reason


def test_real_production_zip_opens_into_its_two_members():
    # GIVEN a production ZIP with the document member first
    content = (SAMPLES / "prod-error-5935607155.zip").read_bytes()
    # WHEN it is opened
    opened = open_anaf_zip(content, upload_index="5935607155")
    # THEN the members are named after the upload index and hold the real bytes
    assert opened.upload_index == "5935607155"
    assert opened.invoice_name == "5935607155.xml"
    assert opened.signature_name == "semnatura_5935607155.xml"
    assert opened.invoice_xml.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    assert len(opened.invoice_xml) == 294 and len(opened.signature_xml) == 3512


def test_real_production_zip_with_the_signature_first_opens_the_same_way():
    content = (SAMPLES / "prod-error-6552704998.zip").read_bytes()
    opened = open_anaf_zip(content)
    assert opened.upload_index == "6552704998"
    assert opened.invoice_xml.lstrip().startswith(b"<?xml") and b"Index_incarcare" in opened.invoice_xml
    assert opened.signature_xml.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><Signature')


def test_a_zip_for_another_upload_is_refused_when_the_index_is_known():
    content = (SAMPLES / "prod-error-5935607155.zip").read_bytes()
    assert reason(content, upload_index="5935607156") == "index_mismatch"


def test_stored_members_are_accepted():
    opened = open_anaf_zip(make_zip([Member("42.xml", b"<a/>", method=0), Member("semnatura_42.xml", SIGNATURE)]))
    assert opened.invoice_xml == b"<a/>"


@pytest.mark.parametrize("name", ["../5100000123.xml", "/etc/5100000123.xml", "a\\b.xml", "x/5100000123.xml",
                                  "C:5100000123.xml", "dir/"])
def test_unsafe_member_names_are_refused(name):
    members = [Member(name, b"<a/>"), Member("semnatura_5100000123.xml", SIGNATURE)]
    assert reason(make_zip(members)) == "unsafe_name"


@pytest.mark.parametrize("names", [
    ("5100000123.xml", "signature_5100000123.xml"),
    ("5100000123.xml", "semnatura_5100000124.xml"),
    ("factura.xml", "semnatura_5100000123.xml"),
    ("5100000123.xml", "5100000124.xml"),
    ("5100000123.XML", "semnatura_5100000123.xml"),
])
def test_members_not_named_as_anaf_names_them_are_refused(names):
    members = [Member(names[0], b"<a/>"), Member(names[1], SIGNATURE)]
    assert reason(make_zip(members)) == "wrong_members"


def test_a_third_member_is_refused():
    members = [*two(), Member("readme.txt", b"hello")]
    assert reason(make_zip(members)) == "wrong_members"


def test_a_single_member_is_refused():
    assert reason(make_zip(two()[:1])) == "wrong_members"


def test_encrypted_members_are_refused():
    assert reason(make_zip(two(flags=0x0801))) == "encrypted"


def test_compression_other_than_stored_or_deflate_is_refused():
    assert reason(make_zip(two(method=12, data=b"BZh91AY&SY"))) == "unsupported_compression"


def test_a_flipped_crc_is_caught():
    content = make_zip(two(crc=zlib.crc32(invoice_xml()) ^ 1))
    assert reason(content) == "crc_mismatch"


def test_a_zip_bomb_lying_about_its_size_is_stopped_at_the_declared_size():
    # GIVEN a member declaring 1 000 bytes that inflates to 64 MB of zeros
    bomb = Member("5100000123.xml", b"\0" * (64 * 1024 * 1024), declared_size=1000)
    content = make_zip([bomb, Member("semnatura_5100000123.xml", SIGNATURE)])
    # WHEN opened THEN it is refused without inflating past the declared size
    assert len(content) < 1024 * 1024
    assert reason(content) == "zip_bomb"


def test_an_honest_zip_bomb_is_refused_by_its_compression_ratio():
    content = make_zip(two(data=b"<a>" + b" " * (14 * 1024 * 1024) + b"</a>"))
    assert reason(content) == "zip_bomb"


def test_a_member_declaring_more_than_the_cap_is_refused_before_inflating():
    content = make_zip(two(declared_size=MAX_INVOICE_BYTES + 1))
    assert reason(content) == "too_large"


def test_a_member_shorter_than_declared_is_corrupt():
    content = make_zip(two(declared_size=len(invoice_xml()) + 10))
    assert reason(content) in {"truncated", "corrupt"}


def test_a_truncated_download_is_reported_as_truncated():
    content = (SAMPLES / "prod-error-6552704998.zip").read_bytes()
    assert reason(content[: len(content) // 2]) == "truncated"


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b'{"eroare":"S-au facut deja 10 descarcari"}',
                                     b"<html>Request Rejected</html>"])
def test_bytes_that_are_not_a_zip_are_refused(content):
    assert reason(content) == "not_a_zip"


def test_a_damaged_central_directory_is_corrupt_not_a_crash():
    content = bytearray((SAMPLES / "prod-error-5935607155.zip").read_bytes())
    cd = content.rfind(b"PK\x01\x02")
    content[cd + 42 : cd + 46] = (10**6).to_bytes(4, "little")  # local header offset past the end
    assert reason(bytes(content)) in {"corrupt", "truncated"}

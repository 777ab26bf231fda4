"""The one XML parser refuses entity tricks, DTDs and oversized input, and stays bounded."""

from __future__ import annotations

import time

import pytest

from chalicelib.invoices.errors import InvalidInvoice, UnsafeXml
from chalicelib.invoices.ubl import detect_document, parse_error_message, parse_invoice, parse_summary
from chalicelib.invoices.xml import parse_xml
from tests.invoices.builders import invoice_xml

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


def reason(call, data: bytes) -> str:
    with pytest.raises(UnsafeXml) as caught:
        call(data)
    return caught.value.reason


@pytest.mark.parametrize("call", [parse_xml, parse_summary, parse_invoice, parse_error_message, detect_document])
@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion_laughs", "external_dtd"])
def test_documents_with_a_doctype_are_refused_by_every_entry_point(call, data):
    assert reason(call, data) == "doctype"


def test_a_doctype_hidden_in_utf16_is_refused_too():
    data = XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    assert reason(parse_xml, b"\xff\xfe" + data.encode("utf-16-le")) == "doctype"


def test_a_100_mb_deeply_nested_input_is_refused_before_parsing():
    # GIVEN ~100 MB of nested elements
    data = b"<a>" * (17 * 1024 * 1024) + b"</a>" * 16
    started = time.perf_counter()
    # THEN it is refused on size, quickly
    assert reason(parse_xml, data) == "too_large"
    assert time.perf_counter() - started < 1.0


def test_deep_nesting_under_the_size_cap_hits_the_parser_depth_limit():
    data = b"<a>" * 1_000_000 + b"</a>" * 1_000_000
    started = time.perf_counter()
    assert reason(parse_xml, data) == "malformed"
    assert time.perf_counter() - started < 2.0


def test_a_text_node_over_libxml2s_limit_is_refused():
    data = b"<a>" + b"x" * (11 * 1024 * 1024) + b"</a>"
    assert reason(parse_xml, data) == "malformed"


@pytest.mark.parametrize("data", [b"", b"   ", b"not xml", b"<a><b></a>", b'{"eroare": "x"}'])
def test_garbage_is_malformed_or_empty_not_a_crash(data):
    assert reason(parse_xml, data) in {"empty", "malformed"}


def test_well_formed_xml_that_is_not_an_invoice_is_an_invalid_invoice():
    with pytest.raises(InvalidInvoice) as caught:
        parse_summary(b"<html><body>Request Rejected</body></html>")
    assert caught.value.reason == "not_an_invoice"


def test_a_normal_invoice_still_parses():
    assert parse_summary(invoice_xml()).number == "TST-1"

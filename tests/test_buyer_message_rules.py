"""The RASP file and the message text rules (domain/buyer_messages.py)."""

from __future__ import annotations

import pytest
from lxml import etree

from chalicelib.domain.buyer_messages import (
    MAX_TEXT,
    RASP_NAMESPACE,
    InvalidMessageText,
    State,
    clean_text,
    label,
    rasp_xml,
)


def test_rasp_file_is_anafs_header_with_the_index_and_the_text_escaped():
    xml = rasp_xml("5001234567", 'Preț greșit: 10 < 12 & "TVA" 21%\nRugăm stornare.')
    root = etree.fromstring(xml)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>")
    assert root.tag == f"{{{RASP_NAMESPACE}}}header" and len(root) == 0
    assert root.get("index_incarcare") == "5001234567"
    assert root.get("message") == 'Preț greșit: 10 < 12 & "TVA" 21%\nRugăm stornare.'


def test_rasp_file_needs_a_numeric_index():
    with pytest.raises(ValueError, match="upload index"):
        rasp_xml("12a", "Mesaj")


def test_text_is_trimmed_and_its_line_ends_unified():
    assert clean_text("  Rândul unu\r\nRândul doi\r ") == "Rândul unu\nRândul doi"


@pytest.mark.parametrize("text", ["", "  ab  ", "x" * (MAX_TEXT + 1), "ab\x07cd", "ab\ufffecd", "ab\uffffcd"])
def test_text_outside_the_rules_is_refused_in_romanian(text):
    with pytest.raises(InvalidMessageText) as caught:
        clean_text(text)
    assert caught.value.status == 400 and caught.value.message_ro.startswith("Mesajul")


def test_labels_quote_anaf_for_refusals_only():
    assert label(State.PROCESSING, None) == "în prelucrare"
    assert label(State.ACCEPTED, None) == "acceptat de ANAF"
    refused = "XML cu erori nepreluat de sistem"
    assert label(State.REFUSED, refused) == f"respins de ANAF: {refused}"

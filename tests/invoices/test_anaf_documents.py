"""ANAF's error documents and buyer messages are read, and told apart from invoices."""

from __future__ import annotations

import pytest

from chalicelib.invoices.anaf_zip import open_anaf_zip
from chalicelib.invoices.errors import InvalidInvoice
from chalicelib.invoices.models import DocumentKind
from chalicelib.invoices.ubl import detect_document, parse_buyer_message, parse_error_message
from local.anaf_sandbox import documents
from tests.invoices.conftest import SAMPLES


@pytest.mark.parametrize(("index", "text"), [
    ("5935607155", "Factura a mai fost transmisa anterior cu index=5896677868 si data incarcare=2026-01-20"),
    ("6552704998", "Factura a mai fost transmisa anterior cu index=6552704990 si data incarcare=2026-07-13"),
])
def test_real_production_error_messages_are_read(index, text):
    opened = open_anaf_zip((SAMPLES / f"prod-error-{index}.zip").read_bytes())
    assert detect_document(opened.invoice_xml) is DocumentKind.ERROR_MESSAGE
    message = parse_error_message(opened.invoice_xml)
    assert message.upload_index == index
    assert message.seller_cif == "22354360"
    assert message.errors == (text,)


def test_every_error_of_a_message_is_kept_with_its_line_breaks():
    errors = [*documents.SEEDED_ERRORS, "E: validari globale\n eroare regula: R6.1: CIF-ul vanzatorului"]
    xml = documents.error_document("5100000001", "18547290", errors)
    message = parse_error_message(xml)
    assert len(message.errors) == 4
    assert message.errors[0].startswith("E: validari globale  SCHEMATRON   eroare: [BR-CO-15]")
    assert "\n eroare regula: R6.1" in message.errors[3]


def test_a_buyer_message_is_read_as_the_sandbox_serves_it():
    xml = documents.buyer_message("5100000777", documents.BUYER_MESSAGES[0])
    assert detect_document(xml) is DocumentKind.BUYER_MESSAGE
    message = parse_buyer_message(xml)
    assert message.upload_index == "5100000777"
    assert message.text == documents.BUYER_MESSAGES[0] and not message.truncated


def test_a_very_long_buyer_message_is_capped_and_flagged():
    message = parse_buyer_message(documents.buyer_message("1", "<script>x</script>" + "a" * 10_000))
    assert message.text.startswith("<script>x</script>") and len(message.text) == 4000 and message.truncated


def test_an_invoice_is_not_an_error_message():
    with pytest.raises(InvalidInvoice) as caught:
        parse_error_message((SAMPLES / "anaf-example-credit-note.xml").read_bytes())
    assert caught.value.reason == "not_an_error_message"


def test_unknown_roots_are_unknown_documents():
    assert detect_document(b'<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1"/>') is DocumentKind.UNKNOWN

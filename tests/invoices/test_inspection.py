"""The public viewer's reading of a dropped file: detection and the verdict's wording (pure)."""

from __future__ import annotations

import pytest

from chalicelib.invoices.inspection import (
    MAX_FILE_BYTES,
    ViewerRefused,
    inspect_file,
    signer_name,
    verdict_of,
)
from chalicelib.invoices.models import DocumentKind
from chalicelib.invoices.signature import SignatureCheck
from chalicelib.invoices.trust import TrustedSigners
from tests.invoices.builders import invoice_xml

SUBJECT = r"CN=Ministerul Finantelor\, DGTI,O=MFP,C=RO"


def test_the_signer_is_named_by_the_common_name_of_its_certificate():
    assert signer_name(SUBJECT) == "Ministerul Finantelor, DGTI"
    assert signer_name("O=Only An Organisation,C=RO") == "O=Only An Organisation,C=RO"
    assert signer_name(None) is None


@pytest.mark.parametrize(("check", "status", "changed", "words"), [
    (SignatureCheck("valid", "ok", SUBJECT, "1A", "detached"), "trusted", None, "Ministerului Finanțelor"),
    (SignatureCheck("invalid", "digest_mismatch", format="detached"), "invalid", "document",
     "factura a fost modificată"),
    (SignatureCheck("invalid", "document_mismatch", format="enveloped"), "invalid", "document", "factura"),
    (SignatureCheck("invalid", "bad_signature_value", format="detached"), "invalid", "signature", "semnăturii"),
    (SignatureCheck("unknown", "untrusted_signer", "CN=ANAF TEST", "2", "enveloped"), "test_environment", None,
     "mediul de test ANAF (ANAF TEST)"),
    (SignatureCheck("unknown", "untrusted_signer", "CN=Altcineva", "3", "detached"), "untrusted", None,
     "(Altcineva) nu este"),
    (SignatureCheck("unknown", "unsupported_algorithm"), "unverifiable", None, "nu poate fi verificată"),
])
def test_each_check_becomes_a_verdict_that_says_what_happened(check, status, changed, words):
    verdict = verdict_of(check)
    assert (verdict.status, verdict.changed, verdict.reason) == (status, changed, check.reason)
    assert words in verdict.message


@pytest.mark.parametrize("content", [
    invoice_xml(),
    b"\xef\xbb\xbf" + invoice_xml(),
    invoice_xml().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
], ids=["plain", "utf-8-bom", "utf-16"])
def test_a_loose_invoice_xml_is_read_unsigned(content):
    inspection = inspect_file(content, TrustedSigners(()))
    assert (inspection.source, inspection.kind, inspection.verdict.status) == ("xml", DocumentKind.INVOICE,
                                                                                "unsigned")
    assert inspection.renderable and inspection.signature_status == "unknown"


@pytest.mark.parametrize(("content", "code", "status"), [
    (b"", "viewer_empty_file", 400),
    (b"GIF89a", "viewer_unsupported_file", 400),
    (b"PK\x05\x06" + b"\0" * 18, "viewer_invalid_zip", 400),
    (b"<" + b"a" * MAX_FILE_BYTES, "viewer_file_too_large", 413),
])
def test_what_the_viewer_does_not_read_is_refused_with_a_stable_code(content, code, status):
    with pytest.raises(ViewerRefused) as refused:
        inspect_file(content, TrustedSigners(()))
    assert (refused.value.code, refused.value.status) == (code, status)

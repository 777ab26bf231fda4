"""The Ministry of Finance signature: real production ZIPs verify; tampering is invalid;
an unknown signer or an unsupported form is unknown, never valid."""

from __future__ import annotations

import base64

import pytest

from chalicelib.invoices.anaf_zip import open_anaf_zip
from chalicelib.invoices.signature import verify_signature
from chalicelib.invoices.trust import TrustedSigners
from tests.invoices.builders import invoice_xml, sign_enveloped, throwaway_signer
from tests.invoices.conftest import CERTS, SAMPLES


def production(index: str):
    return open_anaf_zip((SAMPLES / f"prod-error-{index}.zip").read_bytes())


@pytest.mark.parametrize(("index", "subject", "serial"), [
    ("5935607155", "CN=Ministerul Finantelor Publice,", "137287F5D9E01F57F4F2C4BBD330DDD5F90BF90F"),
    ("6552704998", "CN=Ministerul Finantelor,", "1A3A16A92680B123FF4C002C3732F67D93F4FB06"),
])
def test_real_production_signatures_are_valid_with_the_mf_certificates(mf_trust, index, subject, serial):
    opened = production(index)
    check = verify_signature(opened.invoice_xml, opened.signature_xml, mf_trust)
    assert (check.status, check.reason, check.format) == ("valid", "ok", "detached")
    assert check.signer_subject.startswith(subject) and check.signer_serial == serial


def test_one_flipped_byte_in_the_document_is_invalid(mf_trust):
    opened = production("5935607155")
    tampered = opened.invoice_xml.replace(b"5896677868", b"5896677869")
    check = verify_signature(tampered, opened.signature_xml, mf_trust)
    assert (check.status, check.reason) == ("invalid", "digest_mismatch")


def test_even_whitespace_matters_in_the_detached_form(mf_trust):
    opened = production("6552704998")
    check = verify_signature(opened.invoice_xml + b"\n", opened.signature_xml, mf_trust)
    assert check.status == "invalid"


def test_a_forged_digest_without_a_new_signature_value_is_invalid(mf_trust):
    # GIVEN a changed document whose new digest is written into SignedInfo
    import hashlib
    opened = production("5935607155")
    tampered = opened.invoice_xml.replace(b"2026-01-20", b"2026-01-21")
    old = base64.b64encode(hashlib.sha256(opened.invoice_xml).digest())
    new = base64.b64encode(hashlib.sha256(tampered).digest())
    signature = opened.signature_xml.replace(old, new)
    assert signature != opened.signature_xml
    # THEN the RSA signature over SignedInfo no longer verifies
    check = verify_signature(tampered, signature, mf_trust)
    assert (check.status, check.reason) == ("invalid", "bad_signature_value")


def test_a_trust_bundle_without_the_signer_gives_unknown():
    opened = production("6552704998")  # signed by 0_mf2627_1.pem
    others = TrustedSigners.from_pem(b"".join(p.read_bytes() for p in sorted(CERTS.glob("*.pem"))
                                              if p.name != "0_mf2627_1.pem"))
    check = verify_signature(opened.invoice_xml, opened.signature_xml, others)
    assert (check.status, check.reason) == ("unknown", "untrusted_signer")
    assert check.signer_serial == "1A3A16A92680B123FF4C002C3732F67D93F4FB06"


def test_an_empty_trust_bundle_trusts_nobody():
    opened = production("5935607155")
    assert verify_signature(opened.invoice_xml, opened.signature_xml, TrustedSigners.from_pem(b"")).status == "unknown"


@pytest.mark.parametrize(("old", "new", "reason"), [
    (b"xmldsig#rsa-sha1", b"xmldsig#dsa-sha1", "unsupported_algorithm"),
    (b"xmlenc#sha256", b"xmlenc#ripemd160", "unsupported_algorithm"),
    (b"REC-xml-c14n-20010315", b"REC-xml-c14n11", "unsupported_algorithm"),
    (b'<Reference URI="">', b'<Reference URI="#other">', "unsupported_format"),
    (b"<X509Certificate>", b"<X509CertificateX>", "no_certificate"),
])
def test_unsupported_or_incomplete_signatures_are_unknown(mf_trust, old, new, reason):
    opened = production("5935607155")
    signature = opened.signature_xml.replace(old, new)
    if b"X509CertificateX>" in signature:
        signature = signature.replace(b"</X509Certificate>", b"</X509CertificateX>")
    check = verify_signature(opened.invoice_xml, signature, mf_trust)
    assert (check.status, check.reason) == ("unknown", reason)


@pytest.mark.parametrize("signature", [b"", b"garbage", b"<a><b></a>",
                                       b'<!DOCTYPE x [<!ENTITY e "x">]><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>',
                                       b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>'])
def test_malformed_signature_documents_are_unknown(mf_trust, signature):
    check = verify_signature(b"<a/>", signature, mf_trust)
    assert check.status == "unknown" and check.reason == "malformed_signature"


def test_a_document_without_any_signature_is_unknown(mf_trust):
    check = verify_signature(invoice_xml(), invoice_xml(), mf_trust)
    assert (check.status, check.reason) == ("unknown", "unsupported_format")


# --- enveloped form (ANAF's test environment) --------------------------------------------------

@pytest.fixture(scope="module")
def signer():
    return throwaway_signer()


def test_an_enveloped_signature_verifies(signer):
    document = invoice_xml()
    signed = sign_enveloped(document, signer)
    check = verify_signature(document, signed, TrustedSigners.from_pem(signer.pem))
    assert (check.status, check.reason, check.format) == ("valid", "ok", "enveloped")
    assert "CN=ANAF TEST (throwaway)" in check.signer_subject


def test_an_enveloped_signature_laid_out_after_signing_as_anaf_does_verifies(signer):
    # GIVEN ANAF's test-environment habit: line breaks added inside and after the signature
    document = invoice_xml()
    signed = sign_enveloped(document, signer, anaf_layout=True)
    assert b"<SignedInfo>\n<CanonicalizationMethod" in signed and b"</Signature>\n</Invoice>" in signed
    # THEN it still verifies, and tampering is still caught
    trusted = TrustedSigners.from_pem(signer.pem)
    assert verify_signature(document, signed, trusted).status == "valid"
    tampered = signed.replace(b">119.00<", b">118.00<")
    assert verify_signature(document, tampered, trusted).reason == "digest_mismatch"


def test_a_changed_amount_inside_the_enveloped_signature_member_is_invalid(signer):
    document = invoice_xml()
    signed = sign_enveloped(document, signer).replace(b">119.00<", b">1190.00<")
    check = verify_signature(document, signed, TrustedSigners.from_pem(signer.pem))
    assert (check.status, check.reason) == ("invalid", "digest_mismatch")


def test_a_document_member_that_differs_from_the_enveloped_content_is_invalid(signer):
    document = invoice_xml()
    signed = sign_enveloped(document, signer)
    check = verify_signature(invoice_xml(payable="1.00"), signed, TrustedSigners.from_pem(signer.pem))
    assert (check.status, check.reason) == ("invalid", "document_mismatch")


def test_an_enveloped_signature_by_an_unknown_key_is_unknown(signer, mf_trust):
    document = invoice_xml()
    check = verify_signature(document, sign_enveloped(document, signer), mf_trust)
    assert (check.status, check.reason, check.format) == ("unknown", "untrusted_signer", "enveloped")

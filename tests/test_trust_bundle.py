"""The Ministry of Finance certificates ship with the code; an object in the archive bucket
overrides them. Through the same accessor the API and the workers use, against moto's S3."""

from __future__ import annotations

import uuid

import pytest

from chalicelib import dependencies
from chalicelib.invoices.anaf_zip import open_anaf_zip
from chalicelib.invoices.signature import verify_signature
from chalicelib.invoices.trust import BUNDLED_CERTS, TrustedSigners, bundled_pem
from chalicelib.storage.aws import aws_client
from local.anaf_sandbox import signing as sandbox_signing
from tests.fixtures import ANAF_SAMPLES

PRODUCTION_ZIPS = ("prod-error-5935607155.zip", "prod-error-6552704998.zip")


@pytest.fixture
def override_key(local_stack, monkeypatch) -> str:
    """A trust override key of this test's own (the stack's key holds the sandbox chain)."""
    key = f"config/trust-test-{uuid.uuid4().hex}.pem"
    monkeypatch.setenv("ARHIVAR_TRUSTED_SIGNERS_KEY", key)
    dependencies.reset()
    yield key
    monkeypatch.undo()
    dependencies.reset()


def _put(key: str, body: bytes) -> None:
    settings = dependencies.settings()
    aws_client(settings, "s3").put_object(Bucket=settings.archive_bucket, Key=key, Body=body)


def _verify(trusted: TrustedSigners, name: str):
    opened = open_anaf_zip((ANAF_SAMPLES / name).read_bytes())
    return verify_signature(opened.invoice_xml, opened.signature_xml, trusted)


def test_the_shipped_bundle_is_every_mf_certificate_inside_chalicelib():
    pems = sorted(BUNDLED_CERTS.glob("*.pem"))
    assert BUNDLED_CERTS.parent.name == "invoices" and BUNDLED_CERTS.parents[1].name == "chalicelib"
    assert len(pems) == 6
    assert all("Ministerul Finantelor" in c.subject.rfc4514_string() for c in TrustedSigners.bundled().certificates)
    assert bundled_pem().count(b"-----BEGIN CERTIFICATE-----") == 6


@pytest.mark.parametrize("name", PRODUCTION_ZIPS)
def test_without_an_override_real_anaf_zips_verify_as_trusted(override_key, name):
    # GIVEN a deployment where nobody uploaded a trust bundle
    settings = dependencies.settings()
    assert settings.trusted_signers_key == override_key
    assert dependencies.archive().get_if_present(override_key) is None
    # WHEN the functions load their trusted signers
    trusted = dependencies.trusted_signers()
    # THEN the shipped MF certificates verify real production ZIPs
    assert len(trusted.certificates) == 6
    check = _verify(trusted, name)
    assert (check.status, check.reason) == ("valid", "ok")


def test_an_override_in_the_archive_bucket_wins(override_key):
    # GIVEN an operator's bundle holding only the sandbox's signer and root
    _put(override_key, sandbox_signing.chain_pem())
    # WHEN the functions load their trusted signers
    trusted = dependencies.trusted_signers()
    # THEN the override replaces the shipped bundle: its signer is trusted, MF's are not
    assert trusted.trusts(sandbox_signing.signer_certificate())
    assert len(trusted.certificates) == 2
    for name in PRODUCTION_ZIPS:
        check = _verify(trusted, name)
        assert (check.status, check.reason) == ("unknown", "untrusted_signer")


@pytest.mark.parametrize("body", [b"", b"not a certificate\n",
                                  b"-----BEGIN CERTIFICATE-----\nbm90IERFUg==\n-----END CERTIFICATE-----\n"])
def test_an_override_without_certificates_falls_back_to_the_shipped_bundle(override_key, body):
    # GIVEN a mistaken upload (empty, no certificate in it, an unreadable certificate)
    _put(override_key, body)
    # WHEN the functions load their trusted signers
    trusted = dependencies.trusted_signers()
    # THEN they keep trusting MF rather than nobody
    assert not trusted.trusts(sandbox_signing.signer_certificate())
    assert _verify(trusted, PRODUCTION_ZIPS[0]).status == "valid"


def test_the_local_stack_overrides_with_the_sandbox_chain(local_stack):
    # GIVEN the local stack's bootstrap (the sandbox signs with its own certificate)
    dependencies.reset()
    trusted = dependencies.trusted_signers()
    # THEN the sandbox's signer is trusted locally, through the override
    assert trusted.trusts(sandbox_signing.signer_certificate())

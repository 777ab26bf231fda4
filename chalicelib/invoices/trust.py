"""Which certificates may sign ANAF download ZIPs.

The Ministry of Finance's signing certificates ship with the code (``mf_certs/``, packaged
with the API and every worker), so a deployment verifies signatures from its first sync. An
operator may override them with a PEM bundle in the archive bucket (when MF rotates its seal
before a release ships the new certificate); an override replaces the shipped bundle.

A signer is trusted when its certificate is in the bundle (exact DER match, SHA-256
fingerprint), or when it is directly issued and signed by a CA certificate of the bundle.
Nothing is ever fetched (no AIA, no OCSP/CRL): the bundle is the whole truth. Validity dates
are not enforced, because archived messages stay verifiable after the seal expires.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

logger = logging.getLogger(__name__)

BUNDLED_CERTS = Path(__file__).resolve().with_name("mf_certs")  # MF signing certificates, 2020-2027


def bundled_pem() -> bytes:
    """The shipped Ministry of Finance certificates as one PEM bundle."""
    return b"".join(path.read_bytes() for path in sorted(BUNDLED_CERTS.glob("*.pem")))


def fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


@dataclass(frozen=True)
class TrustedSigners:
    certificates: tuple[x509.Certificate, ...]
    _fingerprints: frozenset[bytes] = field(init=False, repr=False)
    _authorities: tuple[x509.Certificate, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fingerprints", frozenset(fingerprint(c) for c in self.certificates))
        object.__setattr__(self, "_authorities", tuple(c for c in self.certificates if _is_ca(c)))

    @classmethod
    def from_pem(cls, bundle: bytes) -> TrustedSigners:
        """Every certificate of a PEM bundle (an empty bundle trusts nobody)."""
        if b"-----BEGIN CERTIFICATE-----" not in bundle:
            return cls(())
        return cls(tuple(x509.load_pem_x509_certificates(bundle)))

    @classmethod
    def bundled(cls) -> TrustedSigners:
        """The Ministry of Finance certificates shipped with the code."""
        return cls.from_pem(bundled_pem())

    @classmethod
    def with_override(cls, override: bytes | None) -> TrustedSigners:
        """The operator's bundle when there is one holding a certificate, else the shipped one
        (an empty, certificate-less or unreadable override is a mistake, not a wish to trust
        nobody: it is logged and the shipped bundle stays)."""
        if override is not None:
            try:
                trusted = cls.from_pem(override)
            except ValueError:
                trusted = cls(())
            if trusted.certificates:
                return trusted
            logger.warning("trust override ignored: it holds no readable certificate")
        return cls.bundled()

    def trusts(self, cert: x509.Certificate) -> bool:
        if fingerprint(cert) in self._fingerprints:
            return True
        for authority in self._authorities:
            if authority.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(authority)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return True
        return False

"""Regenerate the sandbox-only keys and certificates in this folder.

SANDBOX ONLY. These keys sign nothing real: they let the ANAF sandbox produce deterministic
detached signatures (a "Ministerul Finantelor" seal under a sandbox root CA) and RS512 JWTs.
They were generated once and committed so signatures stay identical across runs; run this
script only to rotate them (python -m local.anaf_sandbox.certs.make_certs), then commit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

HERE = Path(__file__).resolve().parent
ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")


def _key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _write_key(name: str, key: rsa.RSAPrivateKey) -> None:
    (HERE / name).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def main() -> None:
    not_before = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    not_after = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)

    ca_key = _key(3072)
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Arhivar Sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Arhivar Sandbox Root CA (NOT ANAF)"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    signer_key = _key(2048)
    signer_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ministerul Finantelor"),
            x509.NameAttribute(ORGANIZATION_IDENTIFIER, "25886108"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Ministerul Finantelor"),
        ]
    )
    signer_cert = (
        x509.CertificateBuilder()
        .subject_name(signer_name)
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    jwt_key = _key(2048)

    _write_key("sandbox-root-ca.key.pem", ca_key)
    (HERE / "sandbox-root-ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_key("sandbox-mf-signer.key.pem", signer_key)
    (HERE / "sandbox-mf-signer.pem").write_bytes(
        signer_cert.public_bytes(serialization.Encoding.PEM)
    )
    _write_key("sandbox-oauth-jwt.key.pem", jwt_key)


if __name__ == "__main__":
    main()

"""Production-form download ZIPs: the file plus a detached XMLDSig by a sandbox MF seal.

The signature mirrors the production samples byte for byte in shape: root
``<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">``, inclusive C14N 1.0 SignedInfo,
rsa-sha1 SignatureMethod, one ``Reference URI=""`` without Transforms whose sha256
DigestValue is over the raw bytes of ``<id>.xml``, base64 wrapped at 76 characters with
``&#13;`` line ends (Java's MIME encoder), and KeyInfo with X509SubjectName + X509Certificate.

The keys under ``certs/`` are SANDBOX ONLY (generated once by ``certs/make_certs.py``);
RSA PKCS#1 v1.5 is deterministic, so the same file always gets the same signature.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import struct
import zlib
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

CERTS = Path(__file__).resolve().parent / "certs"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@cache
def signer_key() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key((CERTS / "sandbox-mf-signer.key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@cache
def signer_certificate() -> x509.Certificate:
    return x509.load_pem_x509_certificate((CERTS / "sandbox-mf-signer.pem").read_bytes())


@cache
def chain_pem() -> bytes:
    """Signer first, then the sandbox root CA (what ``/__sandbox/certs/chain.pem`` serves)."""
    return (CERTS / "sandbox-mf-signer.pem").read_bytes() + (CERTS / "sandbox-root-ca.pem").read_bytes()


def _rfc2253(name: x509.Name) -> str:
    """Java's X500Principal.getName() form: unknown OIDs as #hex of the DER value."""
    labels = {"2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.6": "C", "2.5.4.11": "OU", "2.5.4.7": "L"}
    parts = []
    for rdn in reversed(name.rdns):
        for attr in rdn:
            oid = attr.oid.dotted_string
            value = attr.value if isinstance(attr.value, str) else attr.value.decode()
            if oid in labels:
                parts.append(f"{labels[oid]}={value}")
            else:
                raw = value.encode("utf-8")
                parts.append(f"{oid}=#0c{len(raw):02x}{raw.hex()}")
    return ",".join(parts)


def _wrap_b64(data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "&#13;\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _signed_info(digest_b64: str) -> str:
    return (
        f'<SignedInfo><CanonicalizationMethod Algorithm="{C14N}"/>'
        f'<SignatureMethod Algorithm="{RSA_SHA1}"/>'
        f'<Reference URI=""><DigestMethod Algorithm="{SHA256}"/>'
        f"<DigestValue>{digest_b64}</DigestValue></Reference></SignedInfo>"
    )


@cache
def _key_info() -> str:
    cert = signer_certificate()
    der = cert.public_bytes(serialization.Encoding.DER)
    return (
        f"<KeyInfo><X509Data><X509SubjectName>{_rfc2253(cert.subject)}</X509SubjectName>"
        f"<X509Certificate>{_wrap_b64(der)}</X509Certificate></X509Data></KeyInfo>"
    )


def canonical_signed_info(signature_xml: bytes) -> bytes:
    """Inclusive C14N 1.0 of the SignedInfo element (in its document context).

    The element is deep-copied first: with libxml2 2.14, ``tostring(method="c14n")`` on a
    non-root element wrongly emits ``xmlns=""`` on grandchildren (DigestMethod,
    DigestValue), which breaks verification of the real ANAF signatures. The copy keeps the
    inherited default namespace, so its C14N is the spec's (and Java's) SignedInfo bytes.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(signature_xml, parser)
    signed_info = root.find(f"{{{DSIG}}}SignedInfo")
    return etree.tostring(copy.deepcopy(signed_info), method="c14n")


def detached_signature(content: bytes) -> bytes:
    """``semnatura_<id>.xml`` for the raw bytes of ``<id>.xml``."""
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="no"?><Signature xmlns="{DSIG}">'
    unsigned = f"{head}{_signed_info(digest)}<SignatureValue/></Signature>".encode()
    value = signer_key().sign(canonical_signed_info(unsigned), padding.PKCS1v15(), hashes.SHA1())
    return (
        f"{head}{_signed_info(digest)}<SignatureValue>{_wrap_b64(value)}</SignatureValue>"
        f"{_key_info()}</Signature>"
    ).encode()


# --- ZIP, the way Java's ZipOutputStream writes it (as the production samples show) --------

_FLAGS = 0x0808  # data descriptor follows each member; UTF-8 names


def _dos_time(local_dt) -> tuple[int, int]:
    t = (local_dt.hour << 11) | (local_dt.minute << 5) | (local_dt.second // 2)
    d = ((local_dt.year - 1980) << 9) | (local_dt.month << 5) | local_dt.day
    return t, d


def build_zip(members: list[tuple[str, bytes]], local_dt) -> bytes:
    """A deflated ZIP of ``members`` in the given order, deterministic for its inputs."""
    out = bytearray()
    central = bytearray()
    t, d = _dos_time(local_dt)
    for name, data in members:
        raw_name = name.encode("utf-8")
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        crc = zlib.crc32(data)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, _FLAGS, 8, t, d, 0, 0, 0, len(raw_name), 0)
        out += raw_name + packed
        out += struct.pack("<IIII", 0x08074B50, crc, len(packed), len(data))
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, _FLAGS, 8, t, d, crc, len(packed), len(data),
            len(raw_name), 0, 0, 0, 0, 0, offset,
        )
        central += raw_name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_offset, 0)
    return bytes(out)


def download_zip(id_solicitare: str, content: bytes, local_dt, signature_first: bool) -> bytes:
    """The ``/descarcare`` answer: ``<id>.xml`` and ``semnatura_<id>.xml``."""
    members = [(f"{id_solicitare}.xml", content), (f"semnatura_{id_solicitare}.xml", detached_signature(content))]
    if signature_first:
        members.reverse()
    return build_zip(members, local_dt)

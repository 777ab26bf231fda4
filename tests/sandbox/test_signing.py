"""Download ZIPs in production form, with a detached MF-style signature that verifies."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

import pytest
import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.signing import canonical_signed_info
from local.anaf_sandbox.testing import running_sandbox
from tests.fixtures import ANAF_SAMPLES

from .conftest import START

DSIG = {"d": "http://www.w3.org/2000/09/xmldsig#"}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def verify_detached(zip_bytes: bytes, trusted: x509.Certificate | None = None) -> str:
    """Verify a production-form ANAF ZIP; returns the signer subject. Raises on failure."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        names = zf.namelist()
        content_name = next(n for n in names if not n.startswith("semnatura_"))
        content, signature = zf.read(content_name), zf.read(f"semnatura_{content_name}")
    root = etree.fromstring(signature, PARSER)
    assert etree.QName(root).localname == "Signature"
    digest = base64.b64decode(root.findtext("d:SignedInfo/d:Reference/d:DigestValue", namespaces=DSIG))
    if digest != hashlib.sha256(content).digest():
        raise InvalidSignature("digest mismatch")
    cert = x509.load_der_x509_certificate(base64.b64decode(root.findtext(".//d:X509Certificate", namespaces=DSIG)))
    if trusted is not None:
        assert cert == trusted
    value = base64.b64decode(root.findtext("d:SignatureValue", namespaces=DSIG))
    cert.public_key().verify(value, canonical_signed_info(signature), padding.PKCS1v15(), hashes.SHA1())
    return root.findtext(".//d:X509SubjectName", namespaces=DSIG)


def _published_chain(sb) -> list[x509.Certificate]:
    pem = requests.get(f"{sb.base_url}/__sandbox/certs/chain.pem", timeout=10).content
    return x509.load_pem_x509_certificates(pem)


def _first_download(sb, api, cif):
    listing = api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()
    m = next(m for m in listing["mesaje"] if m["tip"] == "FACTURA PRIMITA")
    return m, api("descarcare", params={"id": m["id"]})


def test_downloaded_zip_signature_verifies_with_the_published_chain(sb, api, world):
    # GIVEN the published chain (signer, root) WHEN a received invoice is downloaded
    signer, root = _published_chain(sb)
    signer.verify_directly_issued_by(root)  # the chain holds
    _m, response = _first_download(sb, api, world["companies"][0]["cif"])
    assert response.headers["Content-Type"] == "application/zip"
    # THEN its detached signature verifies with the published signer certificate
    subject = verify_detached(response.content, trusted=signer)
    assert subject == "CN=Ministerul Finantelor,2.5.4.97=#0c083235383836313038,O=Ministerul Finantelor,C=RO"


def test_a_tampered_byte_fails_verification(sb, api, world):
    _, response = _first_download(sb, api, world["companies"][0]["cif"])
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in members if not n.startswith("semnatura_"))
    members[name] = members[name].replace(b"<cbc:ID>", b"<cbc:ID>X", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(InvalidSignature):
        verify_detached(buf.getvalue())
    # and a forged digest (content and digest changed together) fails on the RSA signature
    sig = members[f"semnatura_{name}"]
    forged_digest = base64.b64encode(hashlib.sha256(members[name]).digest())
    old = etree.fromstring(sig, PARSER).findtext(".//d:DigestValue", namespaces=DSIG).encode()
    members[f"semnatura_{name}"] = sig.replace(old, forged_digest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(InvalidSignature):
        verify_detached(buf.getvalue())


def test_signature_document_has_the_production_shape(sb, api, world):
    m, response = _first_download(sb, api, world["companies"][0]["cif"])
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        assert sorted(zf.namelist()) == sorted([f"{m['id_solicitare']}.xml", f"semnatura_{m['id_solicitare']}.xml"])
        sig = zf.read(f"semnatura_{m['id_solicitare']}.xml")
        infos = zf.infolist()
    assert all(i.compress_type == zipfile.ZIP_DEFLATED and i.flag_bits & 0x08 for i in infos)
    assert sig.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">')
    root = etree.fromstring(sig, PARSER)
    si = root.find("d:SignedInfo", DSIG)
    assert si.find("d:CanonicalizationMethod", DSIG).get("Algorithm") == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert si.find("d:SignatureMethod", DSIG).get("Algorithm") == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    refs = si.findall("d:Reference", DSIG)
    assert len(refs) == 1 and refs[0].get("URI") == "" and refs[0].find("d:Transforms", DSIG) is None
    assert refs[0].find("d:DigestMethod", DSIG).get("Algorithm") == "http://www.w3.org/2001/04/xmlenc#sha256"
    assert b"&#13;\n" in sig  # Java MIME base64 line ends, as in production


def test_member_order_varies_by_message_and_bytes_are_deterministic(sb, api, world):
    cif = world["companies"][0]["cif"]
    ids = [m["id"] for m in api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()["mesaje"]][:8]
    firsts = set()
    for mid in ids:
        with zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": mid}).content)) as zf:
            firsts.add(zf.namelist()[0].startswith("semnatura_"))
    assert firsts == {True, False}
    # GIVEN a second sandbox with the same seed and start THEN the same message has the same bytes
    mine = sb.messages(cif)["messages"]
    with running_sandbox(SandboxConfig(seed=1, start_time=START)) as other:
        theirs = other.messages(cif)["messages"]
    assert [(m["id"], m["sha256"]) for m in mine] == [(m["id"], m["sha256"]) for m in theirs]


@pytest.mark.parametrize("sample", ["prod-error-5935607155.zip", "prod-error-6552704998.zip"])
def test_the_same_verification_accepts_real_production_zips(sample):
    # Guards the verifier (and canonical_signed_info's libxml2 work-around) against reality.
    data = (ANAF_SAMPLES / sample).read_bytes()
    assert "Ministerul Finantelor" in verify_detached(data)

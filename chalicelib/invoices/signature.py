"""Checking the Ministry of Finance signature of a download ZIP (API.md §6.3).

Two forms:

- **detached** (production): ``semnatura_<id>.xml`` is a ``ds:Signature`` document with one
  ``Reference URI=""`` without transforms whose digest is over the RAW bytes of ``<id>.xml``;
- **enveloped** (ANAF's test environment): ``semnatura_<id>.xml`` is the whole document with
  a ``ds:Signature`` inside its root; the reference applies the enveloped-signature transform
  and the digest is over the canonical form of the document without that element. The
  signed content must also be the ``<id>.xml`` member (same canonical form).

The outcome is never an exception: ``valid`` (digest, RSA signature and trusted signer),
``invalid`` (the document or signature was altered) or ``unknown`` (untrusted signer,
unsupported algorithm or form, unreadable signature document). ``reason`` is a stable code.

Checked against real files: the production ZIPs in tests/fixtures/anaf (detached, rsa-sha1
over inclusive C14N) and ANAF test-environment ZIPs published by OCA/l10n-romania, which
verify only when two layout quirks are allowed: ANAF signs a compact signature and then adds
line breaks inside it and after it (see ``_without_layout`` and ``_enveloped_contents``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from chalicelib.invoices.canonical import (
    canonicalize_document,
    canonicalize_element,
    inclusive_namespace_prefixes,
    remove_keeping_tail,
)
from chalicelib.invoices.errors import UnsafeXml
from chalicelib.invoices.trust import TrustedSigners
from chalicelib.invoices.xml import parse_xml

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
DS = f"{{{DSIG_NS}}}"

C14N_METHODS = {  # algorithm -> (exclusive, with_comments)
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
SIGNATURE_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}
DIGEST_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
ENVELOPED_TRANSFORM = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
DEFAULT_C14N = (False, False)  # XMLDSig: a node-set becomes octets by inclusive C14N 1.0

Status = Literal["valid", "invalid", "unknown"]
Form = Literal["detached", "enveloped"]


@dataclass(frozen=True)
class SignatureCheck:
    status: Status
    reason: str  # ok | digest_mismatch | bad_signature_value | document_mismatch | untrusted_signer
    #              | unsupported_format | unsupported_algorithm | malformed_signature | no_certificate
    signer_subject: str | None = None
    signer_serial: str | None = None  # hexadecimal, upper case
    format: Form | None = None
    detail: str = ""


class _Unknown(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _Invalid(_Unknown):
    pass


# --- reading the signature -------------------------------------------------------------------


def _one(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = parent.findall(DS + tag)
    if len(found) != 1:
        raise _Unknown("malformed_signature", f"expected one {what}, found {len(found)}")
    return found[0]


def _algorithm(el: etree._Element, table: dict, what: str):
    algorithm = el.get("Algorithm", "")
    if algorithm not in table:
        raise _Unknown("unsupported_algorithm", f"{what} {algorithm[:200]!r} is not supported")
    return table[algorithm]


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Unknown("malformed_signature", f"{what} is not base64") from None


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    certs = []
    for el in signature.iterfind(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"):
        try:
            certs.append(x509.load_der_x509_certificate(_b64(el.text, "X509Certificate")))
        except ValueError:
            raise _Unknown("malformed_signature", "X509Certificate is not a DER certificate") from None
    if not certs:
        raise _Unknown("no_certificate", "the signature carries no X509Certificate")
    return certs


def _check_reference(reference: etree._Element, form: Form, document_xml: bytes,
                     signature_root: etree._Element, signature_el: etree._Element) -> None:
    """Raise ``_Invalid`` unless the reference's digest matches what it signs."""
    if reference.get("URI") != "":
        raise _Unknown("unsupported_format", f"Reference URI {reference.get('URI')!r} is not supported")
    digest_name = _algorithm(_one(reference, "DigestMethod", "DigestMethod"), DIGEST_METHODS, "DigestMethod")
    declared = _b64(_one(reference, "DigestValue", "DigestValue").text, "DigestValue")
    transforms = list(reference.iterfind(f"{DS}Transforms/{DS}Transform"))
    if form == "detached":
        if transforms:
            raise _Unknown("unsupported_format", "a detached signature with transforms is not supported")
        if hashlib.new(digest_name, document_xml).digest() != declared:
            raise _Invalid("digest_mismatch", "the document's digest differs from the signed one")
        return
    algorithms = [t.get("Algorithm", "") for t in transforms]
    if not algorithms or algorithms[0] != ENVELOPED_TRANSFORM or len(algorithms) > 2:
        raise _Unknown("unsupported_format", f"unsupported transforms {algorithms!r}")
    c14n, prefixes = DEFAULT_C14N, None
    if len(algorithms) == 2:
        c14n = _algorithm(transforms[1], C14N_METHODS, "Transform")
        prefixes = inclusive_namespace_prefixes(transforms[1])
    for signed in _enveloped_contents(signature_root, signature_el, c14n[0], prefixes):
        if hashlib.new(digest_name, signed).digest() == declared:
            _check_same_document(signed, document_xml, c14n, prefixes)
            return
    raise _Invalid("digest_mismatch", "the signed content's digest differs from the signed one")


def _enveloped_contents(root: etree._Element, signature_el: etree._Element, exclusive: bool, prefixes):
    """The document without its signature, canonical (URI="" leaves comments out).

    First as the transform defines it (the text after the signature stays); then, when that
    text is whitespace only, without it: ANAF's test environment appends the signature
    together with a line break after signing, as its real ZIPs show.
    """
    tail = signature_el.tail
    without_tail = None
    if tail and tail.strip() == "":
        without_tail = copy.deepcopy(root)
        for dropped in without_tail.findall(DS + "Signature"):  # the copy of signature_el, a child
            without_tail.remove(dropped)
    remove_keeping_tail(signature_el)
    yield canonicalize_document(root, exclusive, False, prefixes)
    if without_tail is not None:
        yield canonicalize_document(without_tail, exclusive, False, prefixes)


def _check_same_document(signed: bytes, document_xml: bytes, c14n, prefixes) -> None:
    try:
        document = parse_xml(document_xml, keep_comments=True)
    except UnsafeXml as exc:
        raise _Invalid("document_mismatch", f"the document member is unreadable: {exc.reason}") from None
    if canonicalize_document(document, c14n[0], False, prefixes) != signed:
        raise _Invalid("document_mismatch", "the document member differs from the signed content")


def _parse_signature(signature_xml: bytes) -> tuple[etree._Element, etree._Element, Form]:
    try:
        root = parse_xml(signature_xml, keep_comments=True)
    except UnsafeXml as exc:
        raise _Unknown("malformed_signature", f"signature document: {exc}") from None
    if root.tag == DS + "Signature":
        return root, root, "detached"
    found = root.findall(DS + "Signature")
    if len(found) != 1:
        raise _Unknown("unsupported_format", f"no single ds:Signature in <{etree.QName(root).localname}>")
    return root, found[0], "enveloped"


def _check(document_xml: bytes, root: etree._Element, signature: etree._Element, form: Form,
           trusted: TrustedSigners) -> SignatureCheck:
    signed_info = _one(signature, "SignedInfo", "SignedInfo")
    c14n_el = _one(signed_info, "CanonicalizationMethod", "CanonicalizationMethod")
    exclusive, with_comments = _algorithm(c14n_el, C14N_METHODS, "CanonicalizationMethod")
    hash_class = _algorithm(_one(signed_info, "SignatureMethod", "SignatureMethod"), SIGNATURE_METHODS,
                            "SignatureMethod")
    references = signed_info.findall(DS + "Reference")
    if len(references) != 1:
        raise _Unknown("unsupported_format", f"expected one Reference, found {len(references)}")
    signature_value = _b64(_one(signature, "SignatureValue", "SignatureValue").text, "SignatureValue")
    certs = _certificates(signature)
    prefixes = inclusive_namespace_prefixes(c14n_el)
    canonical_infos = [canonicalize_element(signed_info, exclusive, with_comments, prefixes)]
    if form == "enveloped":
        compact = _without_layout(signed_info)
        canonical_infos.append(canonicalize_element(compact, exclusive, with_comments, prefixes))

    _check_reference(references[0], form, document_xml, root, signature)  # mutates the tree: last use
    signer = _verify_value(certs, signature_value, canonical_infos, hash_class)
    subject, serial = signer.subject.rfc4514_string(), format(signer.serial_number, "X")
    if not trusted.trusts(signer):
        return SignatureCheck("unknown", "untrusted_signer", subject, serial, form,
                              "the signer certificate is not in the trusted bundle")
    return SignatureCheck("valid", "ok", subject, serial, form)


def _without_layout(signed_info: etree._Element) -> etree._Element:
    """SignedInfo without whitespace-only text between its elements.

    ANAF's test environment signs a compact SignedInfo and line-breaks the signature
    afterwards (its real ZIPs verify only this way); whitespace-only text there carries no
    meaning, so accepting this form does not weaken the check.
    """
    clone = copy.deepcopy(signed_info)
    for el in clone.iter():
        if el.text is not None and not el.text.strip() and len(el):
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return clone


def _verify_value(certs: list[x509.Certificate], signature_value: bytes, canonical_infos: list[bytes],
                  hash_class) -> x509.Certificate:
    rsa_certs = [(c, key) for c in certs if isinstance(key := c.public_key(), rsa.RSAPublicKey)]
    if not rsa_certs:
        raise _Unknown("unsupported_algorithm", "the signer key is not RSA")
    for cert, key in rsa_certs:
        for canonical_info in dict.fromkeys(canonical_infos):
            try:
                key.verify(signature_value, canonical_info, padding.PKCS1v15(), hash_class())
            except InvalidSignature:
                continue
            return cert
    raise _Invalid("bad_signature_value", "the SignatureValue does not verify with the certificate")


def verify_signature(document_xml: bytes, signature_xml: bytes, trusted: TrustedSigners) -> SignatureCheck:
    """Check ``semnatura_<id>.xml`` against ``<id>.xml``; see the module docstring."""
    try:
        root, signature, form = _parse_signature(signature_xml)
    except _Unknown as exc:
        return SignatureCheck("unknown", exc.reason, detail=exc.detail)
    try:
        return _check(document_xml, root, signature, form, trusted)
    except _Invalid as exc:
        return SignatureCheck("invalid", exc.reason, format=form, detail=exc.detail)
    except _Unknown as exc:
        return SignatureCheck("unknown", exc.reason, format=form, detail=exc.detail)

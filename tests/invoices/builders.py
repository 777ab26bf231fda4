"""Test-only builders: hand-made ZIPs (including lying ones), a small CIUS-RO invoice, and an
enveloped XMLDSig signer with a throwaway key (the form ANAF's test environment serves)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import struct
import zlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


# --- ZIPs ---------------------------------------------------------------------------------------

@dataclass
class Member:
    name: str
    data: bytes
    method: int = 8  # 0 stored, 8 deflate, 12 bzip2 (data is then left as is)
    declared_size: int | None = None  # lie about the inflated size
    crc: int | None = None  # lie about the CRC
    flags: int = 0x0800  # UTF-8 names; 0x0001 = encrypted


def make_zip(members: list[Member]) -> bytes:
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        if m.method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            packed = c.compress(m.data) + c.flush()
        else:
            packed = m.data
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        size = len(m.data) if m.declared_size is None else m.declared_size
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, m.flags, m.method, 0, 0x21, crc, len(packed), size,
                           len(name), 0)
        out += name + packed
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, m.flags, m.method, 0, 0x21, crc,
                               len(packed), size, len(name), 0, 0, 0, 0, 0, offset)
        central += name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_offset, 0)
    return bytes(out)


# --- a small CIUS-RO invoice ------------------------------------------------------------------

def invoice_xml(*, number: str = "TST-1", name: str = "Consultanță", note: str = "Mulțumim",
                payable: str = "119.00", extra_root: str = "", drop: str = "") -> bytes:
    """A minimal valid CIUS-RO invoice; ``drop`` removes the first line containing that text."""
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1</cbc:CustomizationID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:IssueDate>2026-03-02</cbc:IssueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:Note>{note}</cbc:Note>
 <cbc:DocumentCurrencyCode>RON</cbc:DocumentCurrencyCode>{extra_root}
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PostalAddress><cbc:StreetName>Str. Lungă 1</cbc:StreetName><cbc:CityName>SECTOR1</cbc:CityName>
   <cbc:CountrySubentity>RO-B</cbc:CountrySubentity><cac:Country><cbc:IdentificationCode>RO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>RO18547290</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Furnizor SRL</cbc:RegistrationName><cbc:CompanyID>J40/1/2020</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PostalAddress><cbc:CityName>Cluj-Napoca</cbc:CityName><cbc:CountrySubentity>RO-CJ</cbc:CountrySubentity>
   <cac:Country><cbc:IdentificationCode>RO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyLegalEntity><cbc:RegistrationName>Client SA</cbc:RegistrationName><cbc:CompanyID>14399840</cbc:CompanyID></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="RON">19.00</cbc:TaxAmount>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="RON">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="RON">19.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="RON">100.00</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="RON">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="RON">119.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="RON">{payable}</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="HUR">2</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="RON">100.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>{name}</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="RON">50.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</Invoice>
"""
    if drop:
        lines = text.split("\n")
        index = next(i for i, line in enumerate(lines) if drop in line)
        text = "\n".join(lines[:index] + lines[index + 1 :])
    return text.encode("utf-8")


# --- enveloped XMLDSig (ANAF test-environment form) -----------------------------------------

@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def throwaway_signer(common_name: str = "ANAF TEST (throwaway)") -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "RO")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return Signer(key, cert)


def sign_enveloped(document: bytes, signer: Signer, *, anaf_layout: bool = False) -> bytes:
    """The document with an enveloped ds:Signature appended to its root (exc-c14n, rsa-sha256).

    ``anaf_layout``: afterwards add line breaks inside and after the signature, as ANAF's test
    environment does to its (compact) signatures once they are signed.
    """
    root = etree.fromstring(document)
    signed = etree.tostring(root.getroottree(), method="c14n", exclusive=True)
    digest = base64.b64encode(hashlib.sha256(signed).digest()).decode()
    ds = f"{{{DSIG}}}"
    signature = etree.SubElement(root, ds + "Signature", nsmap={None: DSIG})
    info = etree.SubElement(signature, ds + "SignedInfo")
    etree.SubElement(info, ds + "CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(info, ds + "SignatureMethod", Algorithm=RSA_SHA256)
    reference = etree.SubElement(info, ds + "Reference", URI="")
    transforms = etree.SubElement(reference, ds + "Transforms")
    etree.SubElement(transforms, ds + "Transform", Algorithm=ENVELOPED)
    etree.SubElement(transforms, ds + "Transform", Algorithm=EXC_C14N)
    etree.SubElement(reference, ds + "DigestMethod", Algorithm=SHA256)
    etree.SubElement(reference, ds + "DigestValue").text = digest
    # Canonicalise SignedInfo on its own (a copy as a root: no in-place C14N, see signature.py).
    standalone = etree.fromstring(etree.tostring(info))
    value = signer.key.sign(etree.tostring(standalone, method="c14n", exclusive=True),
                            padding.PKCS1v15(), hashes.SHA256())
    etree.SubElement(signature, ds + "SignatureValue").text = base64.b64encode(value).decode()
    der = signer.certificate.public_bytes(serialization.Encoding.DER)
    x509_data = etree.SubElement(etree.SubElement(signature, ds + "KeyInfo"), ds + "X509Data")
    etree.SubElement(x509_data, ds + "X509Certificate").text = base64.b64encode(der).decode()
    if anaf_layout:
        for el in signature.iter():
            if len(el):
                el.text = "\n"
            el.tail = "\n"
    return etree.tostring(root, encoding="UTF-8")

"""The public viewer's reading of one dropped file ("Vizualizează o factură", no account).

`inspect_file(content)` takes an ANAF download ZIP or a loose e-Factura XML, applies the same
hostile-input rules as the archive (`open_anaf_zip`, the hardened XML parser), checks the
Ministry of Finance signature against the shipped trust bundle and says, in Romanian, what the
verdict means. Pure: nothing is stored, nothing is fetched; it raises `ViewerRefused` (a 4xx
with a stable code) for what it will not read. Rendering (WeasyPrint) is the caller's job:
functions/public_viewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chalicelib.domain.errors import ArhivarError
from chalicelib.invoices.anaf_documents import detect_document, parse_buyer_message, parse_error_message
from chalicelib.invoices.anaf_zip import open_anaf_zip
from chalicelib.invoices.errors import InvalidAnafZip, InvalidInvoice, UnsafeXml
from chalicelib.invoices.models import DocumentKind
from chalicelib.invoices.signature import SignatureCheck, verify_signature
from chalicelib.invoices.trust import TrustedSigners

# The request reaches the function base64-encoded (API Gateway's binary media types): 4 MiB
# become 5.6 MB, under Lambda's 6 MB request limit. ANAF's own upload limit is 10 MB of XML,
# but a download ZIP of that is far smaller (XML deflates ~10x).
MAX_FILE_BYTES = 4 * 1024 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CN = re.compile(r"(?:^|,)CN=((?:[^,\\]|\\.)+)")


class ViewerRefused(ArhivarError):
    """What the viewer will not read; `code` and `status` come per instance."""

    def __init__(self, code: str, message_ro: str, *, status: int = 400, reason: str = "") -> None:
        super().__init__(message_ro, details={"reason": reason} if reason else None)
        self.code = code
        self.status = status


_ZIP_MESSAGES = {
    "zip_bomb": "Arhiva se dezarhivează mult peste dimensiunea declarată (posibilă „bombă ZIP”) "
                "și a fost refuzată.",
    "too_large": "Arhiva conține fișiere prea mari pentru vizualizare.",
    "encrypted": "Arhiva este protejată cu parolă; arhivele descărcate din SPV nu au parolă.",
    "wrong_members": "Arhiva nu are forma unei descărcări din SPV: trebuie să conțină exact "
                     "factura <index>.xml și semnătura semnatura_<index>.xml.",
    "unsafe_name": "Arhiva conține nume de fișiere nepermise.",
}
_ZIP_DEFAULT = "Arhiva ZIP este deteriorată sau incompletă. Descărcați-o din nou din SPV."


@dataclass(frozen=True)
class Verdict:
    """The signature verdict as the page shows it.

    status: trusted | test_environment | untrusted | invalid | unverifiable | unsigned;
    changed (status invalid): document (the invoice XML changed after signing) or signature.
    """

    status: str
    message: str
    signer: str | None = None
    changed: str | None = None
    reason: str = ""

    def as_json(self) -> dict:
        return {"status": self.status, "message": self.message, "signer": self.signer,
                "changed": self.changed, "reason": self.reason}


@dataclass(frozen=True)
class Inspection:
    source: str  # zip | xml
    file_name: str  # the document's name inside the ZIP, or "factura.xml"
    upload_index: str | None
    kind: DocumentKind
    xml: bytes
    verdict: Verdict
    messages: tuple[str, ...] = field(default=())  # ANAF's errors, or the buyer's message

    @property
    def renderable(self) -> bool:
        return self.kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)

    @property
    def signature_status(self) -> str:
        """What the PDF footer says (RenderContext.signature_status)."""
        return {"trusted": "valid", "invalid": "invalid"}.get(self.verdict.status, "unknown")


def signer_name(subject: str | None) -> str | None:
    """The certificate's common name, or the whole subject when it has none."""
    if not subject:
        return None
    found = _CN.search(subject)
    return found.group(1).replace("\\", "") if found else subject


def verdict_of(check: SignatureCheck) -> Verdict:
    signer = signer_name(check.signer_subject)
    if check.status == "valid":
        return Verdict("trusted", f"Semnătură validă a Ministerului Finanțelor ({signer}). "
                                  "Factura este exact cea transmisă prin SPV.", signer, reason=check.reason)
    if check.status == "invalid":
        if check.reason in ("digest_mismatch", "document_mismatch"):
            return Verdict("invalid", "Semnătură invalidă: factura a fost modificată după ce Ministerul "
                                      "Finanțelor a semnat-o.", signer, "document", check.reason)
        return Verdict("invalid", "Semnătură invalidă: fișierul semnăturii a fost modificat.",
                       signer, "signature", check.reason)
    if check.reason == "untrusted_signer" and check.format == "enveloped":
        # ANAF's test environment: an enveloped signature by its self-signed test certificate.
        return Verdict("test_environment", f"Semnătură din mediul de test ANAF ({signer}): corectă, "
                                           "dar fără valoare fiscală.", signer, reason=check.reason)
    if check.reason == "untrusted_signer":
        return Verdict("untrusted", f"Semnătura este corectă, dar semnatarul ({signer}) nu este "
                                    "Ministerul Finanțelor.", signer, reason=check.reason)
    return Verdict("unverifiable", "Semnătura nu poate fi verificată: formatul ei nu este cel folosit "
                                   "de ANAF.", reason=check.reason)


UNSIGNED = Verdict("unsigned", "Fișierul XML nu are semnătură. Doar arhiva ZIP descărcată din SPV "
                               "conține semnătura Ministerului Finanțelor.")


def inspect_file(content: bytes, trusted: TrustedSigners) -> Inspection:
    """Read a dropped ZIP or XML; raises ViewerRefused."""
    if not content:
        raise ViewerRefused("viewer_empty_file", "Fișierul este gol. Alegeți arhiva ZIP descărcată "
                                                 "din SPV sau factura XML.")
    if len(content) > MAX_FILE_BYTES:
        raise ViewerRefused("viewer_file_too_large", "Fișierul depășește 4 MB, limita vizualizării "
                                                     "fără cont.", status=413)
    if content.startswith(_ZIP_MAGIC):
        return _inspect_zip(content, trusted)
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _inspect_xml(content)
    raise ViewerRefused("viewer_unsupported_file", "Fișierul nu este nici o arhivă ZIP din SPV, nici "
                                                   "o factură XML.")


def _inspect_zip(content: bytes, trusted: TrustedSigners) -> Inspection:
    try:
        archive = open_anaf_zip(content)
    except InvalidAnafZip as error:
        raise ViewerRefused("viewer_invalid_zip", _ZIP_MESSAGES.get(error.reason, _ZIP_DEFAULT),
                            reason=error.reason) from None
    kind = _kind(archive.invoice_xml)
    verdict = verdict_of(verify_signature(archive.invoice_xml, archive.signature_xml, trusted))
    return Inspection("zip", archive.invoice_name, archive.upload_index, kind, archive.invoice_xml,
                      verdict, _messages(kind, archive.invoice_xml))


def _inspect_xml(content: bytes) -> Inspection:
    kind = _kind(content)
    if kind not in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE):
        raise ViewerRefused("viewer_not_an_invoice", "Fișierul XML nu este o factură e-Factura "
                                                     "(Invoice sau CreditNote UBL).")
    return Inspection("xml", "factura.xml", None, kind, content, UNSIGNED)


def _kind(xml: bytes) -> DocumentKind:
    try:
        return detect_document(xml)
    except UnsafeXml as error:
        raise ViewerRefused("viewer_unsafe_xml", "Fișierul XML nu poate fi citit în siguranță: este "
                                                 "deteriorat sau conține construcții refuzate "
                                                 "(DOCTYPE, entități).", reason=error.reason) from None


def _messages(kind: DocumentKind, xml: bytes) -> tuple[str, ...]:
    try:
        if kind == DocumentKind.ERROR_MESSAGE:
            return parse_error_message(xml).errors
        if kind == DocumentKind.BUYER_MESSAGE:
            return (parse_buyer_message(xml).text,)
    except (UnsafeXml, InvalidInvoice) as error:
        raise ViewerRefused("viewer_unsafe_xml", "Mesajul ANAF din arhivă nu poate fi citit.",
                            reason=error.reason) from None
    return ()

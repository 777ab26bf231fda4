"""Errors of the invoice layer: each carries a stable ``reason`` code next to the class code.

They belong to the domain hierarchy (``ArhivarError``) so the one place that maps errors to
HTTP can handle them; the English ``detail`` is for logs, ``message_ro`` for people.
"""

from __future__ import annotations

from chalicelib.domain.errors import ArhivarError


class InvoiceLayerError(ArhivarError):
    """Base: content from ANAF (or stored from it) that this layer refuses to trust."""

    code = "invalid_document"
    status = 422
    message_ro = "Documentul primit de la ANAF nu poate fi citit."

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail or reason
        super().__init__(details={"reason": reason, "detail": self.detail})

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


class InvalidAnafZip(InvoiceLayerError):
    """The download ZIP is not the two-member archive ANAF serves (or is hostile).

    Reasons: not_a_zip, truncated, corrupt, too_large, wrong_members, unsafe_name,
    index_mismatch, encrypted, unsupported_compression, zip_bomb, crc_mismatch.
    """

    code = "invalid_anaf_zip"
    message_ro = "Arhiva descărcată de la ANAF nu este validă."


class UnsafeXml(InvoiceLayerError):
    """XML refused before or while parsing. Reasons: empty, too_large, doctype, malformed."""

    code = "unsafe_xml"
    message_ro = "Fișierul XML nu poate fi citit în siguranță."


class InvalidInvoice(InvoiceLayerError):
    """Well-formed XML that is not a usable invoice / ANAF document.

    Reasons: not_an_invoice, not_an_error_message, not_a_buyer_message, missing_<field>,
    bad_amount_<field>, bad_date_<field>.
    """

    code = "invalid_invoice"
    message_ro = "Factura nu conține datele obligatorii sau are valori greșite."


class InvalidUpload(InvalidAnafZip):
    """An uploaded ZIP of ANAF ZIPs ("Importă arhive SPV") whose members cannot be read:
    a 400 for the person who uploaded it, never a 500.

    Reasons: corrupt, encrypted, unsupported_compression, crc_mismatch, truncated.
    """

    code = "import_invalid_zip"
    status = 400
    message_ro = ("Arhiva încărcată nu poate fi citită: este deteriorată, protejată cu parolă sau "
                  "comprimată cu o metodă necunoscută. Descărcați-o din nou din SPV.")

"""ANAF's own documents found in download ZIPs, and which kind a document is.

- ERORI FACTURA: ``<header xmlns="mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"
  Index_incarcare=".." Cif_emitent=".."><Error errorMessage=".."/>...</header>``
- MESAJ CUMPARATOR (as the ANAF sandbox serves it, the RASP request the buyer filed):
  ``<header xmlns="mfp:anaf:dgti:spv:reqMesaj:v1" index_incarcare=".." message=".."/>``
"""

from __future__ import annotations

from chalicelib.invoices.errors import InvalidInvoice
from chalicelib.invoices.models import MAX_TEXT, BuyerMessage, DocumentKind, ErrorMessage
from chalicelib.invoices.values import NS_CREDIT_NOTE, NS_INVOICE
from chalicelib.invoices.xml import parse_xml, root_name

NS_ERRORS = "mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"  # sic: "Factuta", as ANAF spells it
NS_BUYER_MESSAGE = "mfp:anaf:dgti:spv:reqMesaj:v1"
MAX_ERRORS = 500

_KINDS = {
    (NS_INVOICE, "Invoice"): DocumentKind.INVOICE,
    (NS_CREDIT_NOTE, "CreditNote"): DocumentKind.CREDIT_NOTE,
    (NS_ERRORS, "header"): DocumentKind.ERROR_MESSAGE,
    (NS_BUYER_MESSAGE, "header"): DocumentKind.BUYER_MESSAGE,
}


def detect_document(xml: bytes) -> DocumentKind:
    """The kind of document by its root element (reads only up to the root start tag).

    An Invoice root is INVOICE here even with type code 381; ``parse_summary`` tells.
    Raises ``UnsafeXml`` for empty, DOCTYPE-bearing or malformed input.
    """
    return _KINDS.get(root_name(xml), DocumentKind.UNKNOWN)


def _digits(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.isascii() and value.isdigit() and len(value) <= 20 else ""


def parse_error_message(xml: bytes) -> ErrorMessage:
    root = parse_xml(xml)
    if root.tag != f"{{{NS_ERRORS}}}header":
        raise InvalidInvoice("not_an_error_message", f"root element {root.tag!r} is not an ANAF error header")
    errors = []
    for error in root.iterchildren(f"{{{NS_ERRORS}}}Error"):
        text = (error.get("errorMessage") or error.text or "").strip()
        if text:
            errors.append(text[:MAX_TEXT])
        if len(errors) >= MAX_ERRORS:
            break
    return ErrorMessage(
        upload_index=_digits(root.get("Index_incarcare")),
        seller_cif=_digits(root.get("Cif_emitent")),
        errors=tuple(errors),
    )


def parse_buyer_message(xml: bytes) -> BuyerMessage:
    root = parse_xml(xml)
    if root.tag != f"{{{NS_BUYER_MESSAGE}}}header":
        raise InvalidInvoice("not_a_buyer_message", f"root element {root.tag!r} is not a buyer message")
    text = (root.get("message") or "").strip()
    return BuyerMessage(
        upload_index=_digits(root.get("index_incarcare")),
        text=text[:MAX_TEXT],
        truncated=len(text) > MAX_TEXT,
    )

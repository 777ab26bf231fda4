"""Reading the documents of a download ZIP: UBL invoices / credit notes and ANAF's messages.

- ``parse_summary(xml)``: the fast index view (``DocumentSummary``);
- ``parse_invoice(xml)``: the full view for rendering (``Invoice``);
- ``parse_error_message(xml)`` / ``parse_buyer_message(xml)``: ERORI FACTURA / MESAJ CUMPARATOR;
- ``detect_document(xml)``: which of these a document is, by its root element.
"""

from chalicelib.invoices.anaf_documents import detect_document, parse_buyer_message, parse_error_message
from chalicelib.invoices.ubl_invoice import parse_invoice
from chalicelib.invoices.ubl_summary import parse_summary

__all__ = ["detect_document", "parse_buyer_message", "parse_error_message", "parse_invoice", "parse_summary"]

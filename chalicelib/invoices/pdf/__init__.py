"""Invoice PDFs (issue 6). Imports WeasyPrint: only functions/render_pdf imports this package,
never the API (a test checks that importing `app` leaves WeasyPrint unloaded)."""

from chalicelib.invoices.pdf.renderer import (
    RenderResult,
    render_html,
    render_invoice,
    render_invoice_xml,
)
from chalicelib.invoices.pdf.view import RenderContext

__all__ = ["RenderContext", "RenderResult", "render_html", "render_invoice", "render_invoice_xml"]

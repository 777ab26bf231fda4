"""Rendering helpers for the PDF tests: one fixed footer context, text extraction with pypdf."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from chalicelib.invoices.pdf import RenderContext, RenderResult, render_invoice_xml

CONTEXT = RenderContext(upload_index="5012345678", message_id="3001234567", signature_status="valid",
                        archived_at=datetime(2026, 11, 30, 17, 5, tzinfo=UTC))


@dataclass(frozen=True)
class Rendered:
    result: RenderResult
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def flat(self) -> str:
        """The text with line breaks as spaces (wrapped cells join up again, also at hyphens)."""
        return flatten(self.text)


def flatten(text: str) -> str:
    return " ".join(text.replace("-\n", "-").split())


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def render(xml: bytes, context: RenderContext = CONTEXT) -> Rendered:
    result = render_invoice_xml(xml, context)
    assert result.ok, (result.reason, result.detail)
    assert result.pdf.startswith(b"%PDF-")
    return Rendered(result, pdf_pages(result.pdf))


@pytest.fixture(scope="session")
def rendered_cache() -> dict:
    return {}

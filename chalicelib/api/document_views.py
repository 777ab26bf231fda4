"""Documents, invoices and exports → the JSON shapes openapi.json declares (Document,
DocumentDetail, Export). Money stays text (decimal, never a float)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.api.views import iso
from chalicelib.invoices.models import Invoice, Party
from chalicelib.services.documents import LinesPage, superseded_note
from chalicelib.services.exports import filters_of
from chalicelib.storage.document_queries import Page
from chalicelib.storage.documents import Document
from chalicelib.storage.exports import Export

FIRST_LINES = LinesPage()  # the detail without lines_offset/lines_limit


def document(item: Document) -> dict[str, Any]:
    return {
        "message_id": item.message_id,
        "sk": item.sk,
        "kind": item.kind,
        "created_at": iso(item.created_at),
        "partner": _partner(item),
        "number": item.number,
        "document_type": item.document_type,
        "type_code": item.type_code,
        "anaf_text": _anaf_text(item),
        "issue_date": item.issue_date,
        "due_date": item.due_date,
        "total": item.total,
        "total_with_vat": item.total_with_vat,
        "vat_total": item.vat_total,
        "currency": item.currency,
        "signature_status": item.signature_status or "unknown",
        "pdf_status": item.pdf_status or "pending",
        "upload_index": item.upload_index,
        # The message id of the verified original that replaced this document (hidden then).
        "superseded_by": str(item.superseded_by).rsplit("#", 1)[-1] if item.superseded_by else None,
        "accounting_export": ({"export_id": item.accounting_export_id, "exported_at": iso(item.accounting_exported_at)}
                              if item.accounting_export_id else None),
        # A received invoice's review state (domain/reviews.py; absent: archived before reviews).
        "review_state": (item.review_state or "to_review") if item.kind == "received" else None,
    }


def _partner(item: Document) -> dict[str, Any]:
    """The other side; an error message names the company itself (it uploaded the invoice
    ANAF refused), which is no partner."""
    if item.partner_cif is not None and item.partner_cif == item.cif:
        return {"name": None, "cif": None}
    return {"name": item.partner_name, "cif": item.partner_cif}


ANAF_TEXT_MAX = 300


def _anaf_text(item: Document) -> str | None:
    """An error's or a buyer message's first line, what the list shows instead of "—"."""
    if item.kind not in ("error", "buyer_message") or not item.messages:
        return None
    for message in item.messages:
        for line in str(message).splitlines():
            if line.strip():
                return line.strip()[:ANAF_TEXT_MAX]
    return None


def page(result: Page) -> dict[str, Any]:
    return {
        "documents": [document(item) for item in result.documents],
        "next_cursor": result.next_cursor,
        "prev_cursor": result.prev_cursor,
        "total": {"value": result.total, "exact": result.total_exact},
        "partial": result.partial,
        "order": result.order,
    }


def detail(item: Document, invoice: Invoice | None, lines: LinesPage = FIRST_LINES) -> dict[str, Any]:
    view = document(item)
    view.update({
        "original_sha256": item.original_sha256,
        "original_size": int(item.original_size) if item.original_size is not None else None,
        "signature_reason": item.signature_reason,
        "anaf_details": item.anaf_details,
        "parse_status": item.parse_status,
        "messages": list(item.messages or []),
        "superseded_note": superseded_note(item),
        "invoice": invoice_view(invoice, lines) if invoice is not None else None,
    })
    return view


def invoice_view(invoice: Invoice, lines: LinesPage = FIRST_LINES) -> dict[str, Any]:
    """The parsed invoice with one page of its lines (`line_count` in all, `lines_next_offset`
    to ask for the next page, null after the last)."""
    page, next_offset = lines.of(invoice.lines)
    return {
        "kind": invoice.kind.value,
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "currency": invoice.currency,
        "tax_currency": invoice.tax_currency,
        "supplier": _party(invoice.supplier),
        "customer": _party(invoice.customer),
        "lines": [{
            "id": line.id, "name": line.name, "description": line.description,
            "quantity": _text(line.quantity), "unit_code": line.unit_code,
            "unit_price": _text(line.unit_price), "net_amount": _text(line.net_amount),
            "vat_category": line.vat_category, "vat_percent": _text(line.vat_percent),
        } for line in page],
        "line_count": len(invoice.lines),
        "lines_offset": lines.offset,
        "lines_next_offset": next_offset,
        "vat_breakdown": [{
            "category": vat.category, "percent": _text(vat.percent), "taxable": _text(vat.taxable),
            "tax": _text(vat.tax), "exemption_reason": vat.exemption_reason,
        } for vat in invoice.vat_breakdown],
        "totals": _plain(invoice.totals),
        "notes": list(invoice.notes),
        "payment_terms": list(invoice.payment_terms),
        "payment_means": [{"code": m.code, "name": m.name, "payment_id": m.payment_id,
                           "iban": m.account.iban if m.account else None} for m in invoice.payment_means],
        "attachments": [{"filename": a.filename, "mime": a.mime, "size": a.size} for a in invoice.attachments],
    }


def _party(party: Party) -> dict[str, Any]:
    address = party.address
    return {
        "name": party.name, "cif": party.cif, "vat_id": party.vat_id,
        "registration_number": party.registration_number,
        "address": ", ".join(p for p in (address.street, address.additional_street, address.city,
                                         address.county, address.country) if p),
        "email": party.contact.email, "phone": party.contact.phone,
        "iban": [account.iban for account in party.bank_accounts],
    }


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return _text(value) if isinstance(value, (Decimal, date, datetime)) else value


def _text(value: Decimal | date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return value.isoformat()


def export(item: Export, url: str | None) -> dict[str, Any]:
    return {
        "export_id": item.export_id,
        "format": item.format or "zip",
        "status": item.status,
        "progress": int(item.progress or 0),
        "done": int(item.done or 0),
        "total": int(item.total) if item.total is not None else None,
        "size": int(item.size) if item.size is not None else None,
        "url": url,
        "filename": None,
        "created_at": iso(item.created_at),
        "expires_at": iso(item.expires_at),
        "filters": filters_of(item),
    }

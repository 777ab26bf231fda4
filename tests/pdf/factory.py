"""Invoices for the PDF tests and the PDF benchmark, made by the ANAF sandbox's CIUS-RO generator.

Deterministic: a fixed world seed and a fixed RNG seed per kind of invoice, so snapshots are
stable. Also reads the real ANAF samples kept in tests/fixtures/anaf.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import random
from decimal import Decimal

from local.anaf_sandbox import documents, ubl
from local.anaf_sandbox.pdf import tiny_pdf
from local.anaf_sandbox.world import build_world
from tests.fixtures import ANAF_SAMPLES

SAMPLES = ANAF_SAMPLES
ISSUE_DATE = dt.date(2026, 10, 14)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def parties() -> tuple[ubl.Party, ubl.Party]:
    world = build_world(7)
    seller = next(c for c in world.companies if c.party.vat_payer).party
    buyer = next(p for p in world.partners if p.party.vat_payer).party
    return seller, buyer


def document(lines: int, *, seed: int = 1, credit_note: bool = False, currency: str = "RON",
             ron_rate: Decimal = Decimal(1), attachment: bool = False, number: str | None = None,
             note: str = "Vă mulțumim pentru colaborare!") -> ubl.Document:
    seller, buyer = parties()
    rng = random.Random(f"arhivar-pdf-tests:{seed}:{lines}:{credit_note}:{currency}")
    doc = documents.make_document(
        rng, seller=seller, buyer=buyer, number=number or f"ARH-{1000 + lines}",
        issue_date=ISSUE_DATE, credit_note=credit_note, line_count=lines, max_lines=lines)
    attachments: tuple[ubl.Attachment, ...] = ()
    if attachment:
        pdf = tiny_pdf(f"Factura {doc.number}")
        attachments = (ubl.Attachment(
            filename=f"{doc.number}.pdf", mime_code="application/pdf",
            content_b64=base64.b64encode(pdf).decode("ascii"),
            description="Reprezentare vizuală a facturii"),)
    return dataclasses.replace(doc, currency=currency, ron_rate=ron_rate, attachments=attachments, note=note,
                               due_date=ISSUE_DATE + dt.timedelta(days=30))


def xml(lines: int = 1, **kwargs) -> bytes:
    return ubl.render(document(lines, **kwargs))


def self_billing_xml(lines: int = 3) -> bytes:
    return xml(lines, seed=5).replace(b"<cbc:InvoiceTypeCode>380<", b"<cbc:InvoiceTypeCode>389<")


def negative_xml() -> bytes:
    """A 380 invoice that reverses an earlier one with negative quantities (a "storno")."""
    doc = document(2, seed=9)
    lines = tuple(dataclasses.replace(line, quantity=-line.quantity) for line in doc.lines)
    return ubl.render(dataclasses.replace(doc, lines=lines, note="Stornare factura ARH-0999"))


def party(name: str, **changes) -> ubl.Party:
    seller, _ = parties()
    return dataclasses.replace(seller, name=name, **changes)

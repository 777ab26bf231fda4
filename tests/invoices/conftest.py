"""Fixtures for the invoice layer: the real ANAF files (tests/fixtures/anaf), the Ministry of
Finance certificates, and a corpus of ZIPs downloaded over HTTP from the ANAF sandbox
(with what the sandbox's generator put in each, to cross-check the parsers)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
import requests

from chalicelib.invoices.trust import TrustedSigners
from local.anaf_sandbox import SandboxConfig, documents, ubl
from local.anaf_sandbox.clock import local
from local.anaf_sandbox.testing import running_sandbox
from tests.fixtures import ANAF_SAMPLES, MF_CERTS

SAMPLES = ANAF_SAMPLES
CERTS = MF_CERTS


@pytest.fixture(scope="session")
def mf_trust() -> TrustedSigners:
    """The real Ministry of Finance signing certificates (2020-2027), as the code ships them."""
    return TrustedSigners.bundled()


@dataclass(frozen=True)
class SandboxZip:
    """One /descarcare answer and, for invoices, the document the sandbox generated."""

    message: dict  # the listaMesajeFactura entry
    kind: str  # invoice | credit_note | error | rasp (the sandbox's own record)
    content: bytes  # the ZIP bytes
    seller_cif: str
    buyer_cif: str
    document: ubl.Document | None  # generator truth for invoices and credit notes
    errors: tuple[str, ...]
    referenced_index: str


@dataclass(frozen=True)
class SandboxCorpus:
    zips: tuple[SandboxZip, ...]
    chain_pem: bytes  # /__sandbox/certs/chain.pem: sandbox MF signer + sandbox root CA
    root_pem: bytes

    def of_kind(self, kind: str) -> list[SandboxZip]:
        return [z for z in self.zips if z.kind == kind]

    def first(self, predicate) -> SandboxZip:
        return next(z for z in self.zips if predicate(z))


def _generated(sandbox, upload) -> ubl.Document | None:
    """The document exactly as messages.render_upload makes it (same seeded generator)."""
    if upload.kind not in ("invoice", "credit_note") or upload.raw is not None:
        return None
    rng = random.Random(f"{sandbox.config.seed}:upload:{upload.index}")
    return documents.make_document(
        rng,
        seller=sandbox.world.company(upload.seller_cif).party,
        buyer=sandbox.world.company(upload.buyer_cif).party,
        number=upload.number,
        issue_date=local(upload.created_ms / 1000).date(),
        credit_note=upload.kind == "credit_note",
        line_count=upload.line_count,
    )


def _wanted(zips: list[SandboxZip]) -> bool:
    docs = [z.document for z in zips if z.document is not None]
    return (
        any(z.kind == "credit_note" for z in zips)
        and any(z.kind == "error" for z in zips)
        and any(z.kind == "rasp" for z in zips)
        and any(d.currency == "EUR" for d in docs)
        and any(d.attachments for d in docs)
        and any(len(d.lines) == 200 for d in docs)
    )


@pytest.fixture(scope="session")
def sandbox_corpus() -> SandboxCorpus:
    """Real sandbox ZIPs over HTTP: seeded history plus admin-made 200-line / credit note /
    error / buyer-message uploads, for companies until every kind wanted is present."""
    with running_sandbox(SandboxConfig(seed=11)) as sb:
        chain = requests.get(f"{sb.base_url}/__sandbox/certs/chain.pem", timeout=30).content
        root = requests.get(f"{sb.base_url}/__sandbox/certs/root.pem", timeout=30).content
        world = sb.world()
        certificates = world["certificates"]
        zips: list[SandboxZip] = []
        for company in [c for c in world["companies"] if c["in_spv"]][:4]:
            cif = company["cif"]
            cert = next((c for c in certificates if cif in c["cifs"]), None)
            if cert is None:
                continue
            if not zips:
                sb.add_invoices(kind="invoice", seller_cif=cif, lines=200)
                sb.add_invoices(kind="credit_note", seller_cif=cif)
                sb.add_invoices(kind="error", seller_cif=cif)
                sb.add_invoices(kind="rasp", buyer_cif=cif)
            session = requests.Session()
            session.headers.update(sb.bearer(cert["serial"]))
            listing = session.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 60, "cif": cif},
                                  timeout=30).json()
            for message in listing.get("mesaje", []):
                answer = session.get(f"{sb.api_url}/descarcare", params={"id": message["id"]}, timeout=30)
                assert answer.headers["Content-Type"] == "application/zip", answer.text[:200]
                upload = sb.sandbox.store.upload(message["id_solicitare"])
                zips.append(SandboxZip(
                    message=message, kind=upload.kind, content=answer.content,
                    seller_cif=upload.seller_cif, buyer_cif=upload.buyer_cif,
                    document=_generated(sb.sandbox, upload), errors=tuple(upload.errors),
                    referenced_index=upload.referenced_index,
                ))
            if _wanted(zips):
                break
    assert _wanted(zips), "the sandbox corpus lacks a wanted kind; pick another seed"
    return SandboxCorpus(tuple(zips), chain, root)

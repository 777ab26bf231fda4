"""Uploads and the SPV messages they produce, for the seeded world and for live uploads.

One upload (an invoice filed by its seller) produces, as in SPV:
- ``ok``: FACTURA TRIMISA for the seller and FACTURA PRIMITA for the buyer (each only when
  that party is a company in the sandbox's SPV; partners have no SPV here),
- ``nok``: ERORI FACTURA for the CIF that filed it,
- a buyer message (RASP): MESAJ CUMPARATOR for the buyer and for the seller.

Content bytes are never stored for seeded traffic: they are re-derived from
(seed, upload index) on demand, so memory holds only small metadata records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import documents, ubl
from .clock import data_creare, local
from .world import Company, World

TIP_SENT = "FACTURA TRIMISA"
TIP_RECEIVED = "FACTURA PRIMITA"
TIP_ERRORS = "ERORI FACTURA"
TIP_BUYER_MESSAGE = "MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS"  # UNCONFIRMED wire value
FILTERS = {"E": {TIP_ERRORS}, "T": {TIP_SENT}, "P": {TIP_RECEIVED}, "R": {TIP_BUYER_MESSAGE}}

DAY_MS = 86_400_000


@dataclass
class Upload:
    """One file as filed to /upload (seeded, arrived, or uploaded through the API)."""

    index: str  # index_incarcare == id_solicitare
    cif: str  # the CIF it was filed for (the ``cif`` query parameter)
    kind: str  # invoice | credit_note | error | rasp
    seller_cif: str
    buyer_cif: str
    created_ms: int
    status: str = "ok"  # ok | nok | XML cu erori nepreluat de sistem
    download_id: str | None = None  # the id of the message the uploader downloads
    raw: bytes | None = None  # bytes as uploaded (live uploads only)
    errors: tuple[str, ...] = ()
    number: str = ""
    line_count: int | None = None
    referenced_index: str = ""  # RASP: the invoice the buyer writes about
    issue_date: str = ""  # cbc:IssueDate of a live upload (seeded invoices are issued the day they are filed)
    final_status: str = ""  # the outcome while status is "in prelucrare"


    def issue_year(self) -> str:
        """The year the invoice was issued: ANAF's duplicate check compares these."""
        return self.issue_date[:4] if self.issue_date else str(local(self.created_ms / 1000).year)


@dataclass(frozen=True)
class Message:
    """One entry of listaMesaje*: every field ANAF sends, plus where its file comes from."""

    id: str
    id_solicitare: str
    cif: str
    tip: str
    detalii: str
    created_ms: int
    upload: Upload = field(compare=False, repr=False)

    def as_json(self) -> dict[str, str]:
        return {
            "data_creare": data_creare(self.created_ms),
            "cif": self.cif,
            "id_solicitare": self.id_solicitare,
            "detalii": self.detalii,
            "tip": self.tip,
            "id": self.id,
        }


def detalii_for(upload: Upload, tip: str) -> str:
    if tip == TIP_ERRORS:
        return f"Erori de validare identificate la factura primita cu id_incarcare={upload.index}"
    if tip == TIP_BUYER_MESSAGE:  # wording UNCONFIRMED: sandbox choice
        return (
            f"Mesaj cumparator cu id_incarcare={upload.index} pentru factura cu "
            f"id_incarcare={upload.referenced_index} emisa de cif_emitent={upload.seller_cif} "
            f"pentru cif_beneficiar={upload.buyer_cif}"
        )
    return (
        f"Factura cu id_incarcare={upload.index} emisa de cif_emitent={upload.seller_cif} "
        f"pentru cif_beneficiar={upload.buyer_cif}"
    )


def invoice_number(company_cif: str, counter: int, credit_note: bool) -> str:
    prefix = "FCN" if credit_note else "FCT"
    return f"{prefix}{company_cif[-3:]}-{counter:05d}"


def render_upload(seed: int, upload: Upload, world_lookup) -> bytes:
    """The file bytes of an upload (re-derived for seeded traffic)."""
    if upload.raw is not None:
        return upload.raw
    if upload.kind == "error":
        return documents.error_document(upload.index, upload.seller_cif, list(upload.errors))
    rng = random.Random(f"{seed}:upload:{upload.index}")
    if upload.kind == "rasp":
        return documents.buyer_message(upload.referenced_index, rng.choice(documents.BUYER_MESSAGES))
    seller: Company = world_lookup(upload.seller_cif)
    buyer: Company = world_lookup(upload.buyer_cif)
    doc = documents.make_document(
        rng,
        seller=seller.party,
        buyer=buyer.party,
        number=upload.number,
        issue_date=local(upload.created_ms / 1000).date(),
        credit_note=upload.kind == "credit_note",
        line_count=upload.line_count,
    )
    return ubl.render(doc)


class Traffic:
    """Draws seeded uploads between the world's companies and partners."""

    def __init__(self, seed: int, world: World) -> None:
        self.seed = seed
        self.world = world
        self._counters: dict[str, int] = {}

    def next_number(self, seller_cif: str, credit_note: bool) -> str:
        n = self._counters.get(seller_cif, 0) + 1
        self._counters[seller_cif] = n
        return invoice_number(seller_cif, n, credit_note)

    def draw(self, rng: random.Random, created_ms: int, index: str, with_errors: bool = True) -> Upload:
        w = self.world
        companies = [c for c in w.companies if c.cif != w.volume_cif]
        roll = rng.random()
        kind = "credit_note" if rng.random() < 0.1 else "invoice"
        if roll < 0.35:  # a partner sells to one of our companies
            seller, buyer = rng.choice(w.selling_partners), rng.choice(companies)
        elif roll < 0.65:  # trade inside the SPV world: sent for one, received for the other
            seller, buyer = rng.sample(companies, 2)
        elif roll < 0.85:  # one of ours sells to a partner
            seller, buyer = rng.choice(companies), rng.choice(w.partners)
        elif roll < 0.93 and with_errors:  # one of ours files an invoice that fails validation
            seller, buyer = rng.choice(companies), rng.choice(w.partners + tuple(companies))
            return Upload(
                index=index, cif=seller.cif, kind="error", seller_cif=seller.cif, buyer_cif=buyer.cif,
                created_ms=created_ms, status="nok", errors=(rng.choice(documents.SEEDED_ERRORS),),
            )
        else:  # a buyer message about an earlier invoice
            buyer, seller = rng.choice(companies), rng.choice(w.selling_partners + tuple(companies))
            if seller.cif == buyer.cif:
                seller = rng.choice(w.selling_partners)
            return Upload(
                index=index, cif=buyer.cif, kind="rasp", seller_cif=seller.cif, buyer_cif=buyer.cif,
                created_ms=created_ms, referenced_index=str(int(index) - rng.randint(1000, 90000)),
            )
        return Upload(
            index=index, cif=seller.cif, kind=kind, seller_cif=seller.cif, buyer_cif=buyer.cif,
            created_ms=created_ms, number=self.next_number(seller.cif, kind == "credit_note"),
        )


def messages_of(upload: Upload, in_spv, new_id) -> list[Message]:
    """The SPV messages an upload produces once processed (see module docstring)."""
    out: list[Message] = []

    def add(cif: str, tip: str) -> None:
        if in_spv(cif):
            m = Message(new_id(), upload.index, cif, tip, detalii_for(upload, tip), upload.created_ms, upload)
            out.append(m)

    if upload.status == "nok":
        add(upload.cif, TIP_ERRORS)
    elif upload.kind == "rasp" and upload.status == "ok":
        add(upload.buyer_cif, TIP_BUYER_MESSAGE)
        if upload.seller_cif != upload.buyer_cif:
            add(upload.seller_cif, TIP_BUYER_MESSAGE)
    elif upload.status == "ok":
        add(upload.seller_cif, TIP_SENT)
        add(upload.buyer_cif, TIP_RECEIVED)
    return out


def uploader_message(upload: Upload, download_id: str) -> Message:
    """The filing CIF's own download of a processed upload it is no party to (see store)."""
    tip = TIP_ERRORS if upload.status == "nok" else TIP_BUYER_MESSAGE if upload.kind == "rasp" else TIP_SENT
    return Message(download_id, upload.index, upload.cif, tip, detalii_for(upload, tip), upload.created_ms, upload)


def seeded_history(seed: int, world: World, traffic: Traffic, now_ms: int) -> list[Upload]:
    """About 35 uploads per company over the last 70 days (some already past the window)."""
    rng = random.Random(f"{seed}:history")
    count = 35 * len(world.companies)
    times = sorted(now_ms - rng.randint(60_000, 70 * DAY_MS) for _ in range(count))
    uploads = []
    index = 5_100_000_000 + rng.randint(0, 99_999)
    for i, t in enumerate(times):
        index += rng.randint(1, 4000)
        up = traffic.draw(random.Random(f"{seed}:history:{i}"), t, str(index))
        uploads.append(up)
    # The most recent seeded invoice is the largest: 200 lines.
    big = next(u for u in reversed(uploads) if u.kind == "invoice")
    big.line_count = 200
    return uploads

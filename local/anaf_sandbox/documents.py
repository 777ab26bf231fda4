"""Seeded content of the files ANAF serves: invoices, credit notes, error and buyer messages.

Every function takes a ``random.Random`` that the caller derives from (seed, what, index),
so the same message always has the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from . import ubl
from .pdf import tiny_pdf

# VAT rates: 19/9 until 31.07.2025, 21/11 from 01.08.2025 (Law 141/2025); 5 unchanged.
RATE_CHANGE = dt.date(2025, 8, 1)

_ITEMS = (
    ("Servicii de consultanță fiscală și contabilă pentru luna în curs", "HUR", 150, 400, "S"),
    ("Hârtie copiator A4 80 g/m² – top 500 coli, albă, certificată FSC", "H87", 18, 32, "S"),
    ("Pâine albă feliată 500 g", "H87", 4, 9, "R"),
    ("Ulei de floarea-soarelui presat la rece, sticlă 1 l", "H87", 9, 16, "R"),
    ("Manual școlar „Limba și literatura română” clasa a V-a", "H87", 20, 45, "B"),
    ("Transport marfă rutier București – Cluj-Napoca, camion 24 t", "C62", 1800, 3500, "S"),
    ("Închiriere utilaj excavator șenilat cu operator, tarif pe oră", "HUR", 180, 320, "S"),
    ("Energie electrică activă consumată – perioada de facturare curentă", "KWH", Decimal("0.6"), Decimal("1.3"), "S"),
    ("Cazare în cameră dublă, mic dejun inclus, stațiunea Băile Herculane", "DAY", 220, 480, "R"),
    ("Licență software gestiune stocuri, abonament lunar, utilizator nominal", "C62", 90, 250, "S"),
    ("Ciment Portland CEM II/A-LL 42,5 R, sac 40 kg", "H87", 28, 39, "S"),
    ("Medicamente eliberate cu prescripție – compensate", "H87", 12, 95, "R"),
    ("Mentenanță preventivă instalație de climatizare și verificare agent frigorific R32", "C62", 350, 900, "S"),
    ("Curs de formare profesională „Contabilitate și fiscalitate” – scutit conform art. 292", "C62", 600, 1500, "E"),
    ("Mere Ionatan românești, calitatea I, ladă 10 kg", "KGM", 3, 7, "R"),
    ("Șuruburi autoforante zincate 4,2×19 mm, cutie 1000 buc.", "XBX", 35, 70, "S"),
    ("Servicii de pază și protecție obiectiv, tură de 12 ore", "HUR", 25, 45, "S"),
    (("Lucrări de renovare și zugrăvire spații comerciale, conform deviz nr. 14/2026, "
      "inclusiv materiale și manoperă"), "C62", 4000, 15000, "S"),
    ("Carte „Istoria românilor” ediție cartonată", "H87", 40, 120, "B"),
    ("Închiriere spațiu de birouri – chirie lunară, clădirea Ștefănești Business Center", "MON", 2500, 9000, "E"),
)
_LONG_SUFFIX = " – livrare conform comenzii, ambalaj inclus, garanție 24 luni și certificat de calitate"
_EXEMPTION = ("VATEX-EU-132", "Scutit fără drept de deducere conform art. 292 din Codul fiscal")


def _rates(issue_date: dt.date, legacy: bool) -> dict[str, Decimal]:
    """Standard (S), reduced (R), books (B) and exempt (E) rates for the issue date."""
    if issue_date < RATE_CHANGE or legacy:
        return {"S": Decimal(19), "R": Decimal(9), "B": Decimal(5), "E": Decimal(0)}
    return {"S": Decimal(21), "R": Decimal(11), "B": Decimal(5), "E": Decimal(0)}


def _line_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.70:
        return rng.randint(1, 8)
    if roll < 0.95:
        return rng.randint(9, 40)
    return rng.randint(41, 200)


def _money_between(rng: random.Random, low: float | Decimal, high: float | Decimal) -> Decimal:
    cents = rng.randint(int(Decimal(low) * 100), int(Decimal(high) * 100))
    return Decimal(cents) / 100


def make_lines(rng: random.Random, issue_date: dt.date, count: int) -> tuple[ubl.Line, ...]:
    legacy = rng.random() < 0.05  # a correction for deliveries before 01.08.2025
    rates = _rates(issue_date, legacy)
    lines = []
    for _ in range(count):
        name, unit, low, high, kind = rng.choice(_ITEMS)
        long_name = rng.random() < 0.1 and len(name) + len(_LONG_SUFFIX) <= 200
        description = name + _LONG_SUFFIX if long_name else ""
        quantity = Decimal(rng.randint(1, 40)) if unit != "KWH" else Decimal(rng.randint(100, 5000))
        if unit in {"KGM", "HUR"} and rng.random() < 0.3:
            quantity += Decimal(rng.choice((25, 50, 75))) / 100
        lines.append(
            ubl.Line(
                name=name[:100],  # CIUS-RO: item name at most 100 characters
                description=description,
                quantity=quantity,
                unit_code=unit,
                unit_price=_money_between(rng, low, high),
                vat_category="E" if kind == "E" else "S",
                vat_percent=rates[kind],
                seller_item_id=f"ART-{rng.randint(1000, 99999)}",
            )
        )
    return tuple(lines)


def make_document(
    rng: random.Random,
    *,
    seller: ubl.Party,
    buyer: ubl.Party,
    number: str,
    issue_date: dt.date,
    credit_note: bool = False,
    line_count: int | None = None,
    max_lines: int = 200,
) -> ubl.Document:
    """A seeded invoice or credit note between two parties, amounts consistent."""
    count = min(line_count or _line_count(rng), max_lines)
    eur = rng.random() < 0.15
    attachments: tuple[ubl.Attachment, ...] = ()
    if rng.random() < 0.12:
        pdf = tiny_pdf(f"Factura {number} - copie vizuala")
        attachments = (
            ubl.Attachment(
                filename=f"{number}.pdf",
                mime_code="application/pdf",
                content_b64=base64.b64encode(pdf).decode("ascii"),
                description="Reprezentare vizuală a facturii",
            ),
        )
    lines = make_lines(rng, issue_date, count)
    return ubl.Document(
        number=number,
        issue_date=issue_date,
        due_date=issue_date + dt.timedelta(days=rng.choice((0, 15, 30, 45, 60))),
        seller=seller,
        buyer=buyer,
        lines=lines,
        credit_note=credit_note,
        currency="EUR" if eur else "RON",
        ron_rate=Decimal(rng.randint(49500, 51200)) / 10000 if eur else Decimal(1),
        note=rng.choice(("", "Vă mulțumim pentru colaborare!", "Plata în termen de 30 de zile.",
                         "Marfa rămâne proprietatea vânzătorului până la plata integrală.")),
        preceding_invoice=f"{number.split('-')[0]}-{rng.randint(1, 999)}" if credit_note else "",
        preceding_issue_date=issue_date - dt.timedelta(days=rng.randint(1, 40)) if credit_note else None,
        exemption_code=_EXEMPTION[0],
        exemption_reason=_EXEMPTION[1],
        attachments=attachments,
    )


# --- ANAF's own documents ------------------------------------------------------------------

ERROR_NS = "mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"  # sic: "Factuta", as ANAF spells it

SEEDED_ERRORS = (
    ("E: validari globale  SCHEMATRON   eroare: [BR-CO-15]-Invoice total amount with VAT (BT-112) "
     "= Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110)."),
    ("E: validari globale  SCHEMATRON   eroare: [BR-RO-100]-Daca Codul subentitatii tarii "
     "vanzatorului (BT-39) este RO-B, atunci Orasul vanzatorului (BT-37) trebuie sa fie SECTOR1 - SECTOR6."),
    "E: validari globale  SCHEMATRON   eroare: [BR-16]-An Invoice shall have at least one Invoice line (BG-25).",
)


def error_document(upload_index: str, seller_cif: str, messages: list[str]) -> bytes:
    """The ERORI FACTURA file, byte-shaped like the production samples."""
    errors = "".join(f"    <Error errorMessage={quoteattr(m)}/>\n" for m in messages)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<header xmlns="{ERROR_NS}" Index_incarcare="{upload_index}" Cif_emitent="{seller_cif}">\n'
        f"{errors}</header>\n"
    ).encode()


def buyer_message(referenced_index: str, text: str) -> bytes:
    """A MESAJ CUMPARATOR file: the RASP request as the buyer filed it (sandbox choice)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<header xmlns="mfp:anaf:dgti:spv:reqMesaj:v1" index_incarcare="{referenced_index}" '
        f"message={quoteattr(text)}/>\n"
    ).encode()


BUYER_MESSAGES = (
    "Vă rugăm să emiteți factura de stornare: cantitatea livrată diferă de cea facturată.",
    "Factura nu conține numărul comenzii; vă rugăm să o refaceți.",
    "Prețul unitar nu corespunde ofertei acceptate.",
)

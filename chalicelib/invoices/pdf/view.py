"""The invoice as the PDF shows it: Romanian labels and preformatted text, sizes capped.

`build_view(invoice, context)` turns the parsed model into plain strings and lists; the
template only lays them out (and escapes them: every value here is untrusted text). Caps keep
rendering time and memory bounded whatever the XML holds: long texts are cut with "…", at most
`MAX_LINES` lines (and at most `MAX_LINES_TEXT` characters of line text) are rendered, and
the PDF says when anything was left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.romanian import counted, group_thousands
from chalicelib.invoices.models import (
    Address,
    AllowanceCharge,
    DocumentKind,
    Invoice,
    Line,
    Party,
)
from chalicelib.invoices.pdf.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_percent,
    format_price,
    format_quantity,
    format_rate,
    format_size,
)
from chalicelib.invoices.pdf.labels import (
    DOCUMENT_TYPES,
    country_name,
    county_name,
    payment_means_name,
    signature_text,
    unit_name,
    vat_category_name,
)

# Lines rendered; the rest is in the XML (a note says so). Layout time grows with the lines
# shown (about 10 ms of CPU per plain line, bench/bench_pdf.py): 500 lines is ~26 pages and a few
# seconds, so even a batch of five capped invoices stays far inside the render function's timeout.
MAX_LINES = 500
# Long line texts (up to ~14 000 characters each) would make 500 lines thousands of pages: the
# lines shown also stop at this much text (~40 dense pages).
MAX_LINES_TEXT = 150_000
MAX_NAME = 600  # party and item names
MAX_TEXT = 2000  # descriptions, notes, reasons
MAX_SHORT = 200  # identifiers, codes, references
MAX_ITEMS = 30  # notes, payment terms, attachments, allowances, bank accounts shown


@dataclass(frozen=True)
class RenderContext:
    """What the archive knows about the message, shown in the footer of every page."""

    upload_index: str | None = None  # ANAF's index de încărcare
    message_id: str | None = None  # the download id (id descărcare)
    signature_status: str = "unknown"  # valid | invalid | unknown (and other verifier states)
    archived_at: dt.datetime | None = None


class _Clipper:
    """Cuts texts to a cap and remembers that it did."""

    def __init__(self) -> None:
        self.clipped = False

    def __call__(self, text: str | None, limit: int) -> str:
        if not text:
            return ""
        text = text.strip()
        if len(text) > limit:
            self.clipped = True
            return text[:limit].rstrip() + "…"
        return text

    def items(self, values, limit: int = MAX_ITEMS) -> list:
        values = list(values)
        if len(values) > limit:
            self.clipped = True
        return values[:limit]


@dataclass
class PartyView:
    role: str
    name: str
    trading_name: str
    fields: list[tuple[str, str]]  # (label, value) rows: CIF, Reg. Com., address, IBAN…


@dataclass
class LineView:
    number: str
    name: str
    description: str
    details: list[str]
    code: str
    unit: str
    quantity: str
    price: str
    amount: str
    vat: str
    negative: bool


@dataclass
class VatRow:
    label: str
    percent: str
    taxable: str
    tax: str
    exemption: str


@dataclass
class AllowanceRow:
    kind: str
    reason: str
    base: str
    percent: str
    amount: str
    vat: str


@dataclass
class InvoiceView:
    title: str
    subtitle: str
    type_label: str
    number: str
    facts: list[tuple[str, str]]
    banner: str
    supplier: PartyView
    customer: PartyView
    references: list[tuple[str, str]]
    lines: list[LineView]
    lines_note: str
    lines_cut: bool  # the note is also shown above the table, on the first page
    allowances: list[AllowanceRow]
    vat_rows: list[VatRow]
    totals: list[tuple[str, str, str]]  # (label, amount, css class)
    payable_label: str
    payable: str
    currency: str
    ron_rows: list[tuple[str, str]]
    payment: list[tuple[str, str]]
    payment_terms: list[str]
    notes: list[str]
    attachments: list[str]
    clipped_note: str
    footer: list[tuple[str, str]]
    signature_class: str
    header_title: str


_SECTOR = re.compile(r"^sector\s*([1-6])$", re.IGNORECASE)
_SUBJECT_CODE = re.compile(r"^\s*#[A-Z]{3}#")  # UNTDID 4451 subject of a note: "#AAK#text"


def _city(city: str) -> str:
    match = _SECTOR.match(city.strip())
    return f"Sector {match[1]}" if match else city


def _address_text(address: Address | None, clip: _Clipper) -> str:
    if address is None:
        return ""
    lines = (address.street, address.additional_street, address.address_line)
    parts = [clip(p, MAX_TEXT) for p in lines if p]
    town_parts = (clip(address.postal_zone, MAX_SHORT), clip(_city(address.city), MAX_SHORT))
    town = " ".join(p for p in town_parts if p)
    if town:
        parts.append(town)
    county = county_name(address.county)
    if county:
        parts.append(county if county.startswith("Municipiul") else f"jud. {clip(county, MAX_SHORT)}")
    if address.country and address.country.upper() != "RO":
        parts.append(clip(country_name(address.country), MAX_SHORT))
    return ", ".join(parts)


def _party(role: str, party: Party, clip: _Clipper) -> PartyView:
    rows: list[tuple[str, str]] = []
    cif = party.cif or ""
    if party.vat_id:
        rows.append(("Cod TVA", clip(party.vat_id, MAX_SHORT)))
        if cif and cif not in party.vat_id:
            rows.append(("CIF", cif))
    elif cif:
        rows.append(("CIF", cif))
    elif party.legal_id:
        rows.append(("Cod identificare", clip(party.legal_id, MAX_SHORT)))
    if party.registration_number:
        rows.append(("Reg. Com.", clip(party.registration_number, MAX_SHORT)))
    if party.legal_form and party.legal_form != party.registration_number:
        rows.append(("Informații juridice", clip(party.legal_form, MAX_TEXT)))
    others = [i for i in party.identifiers if i and i not in (cif, party.registration_number, party.vat_id)]
    if others:
        rows.append(("Alte coduri", clip(", ".join(clip.items(others, 5)), MAX_TEXT)))
    address = _address_text(party.address, clip)
    if address:
        rows.append(("Adresa", address))
    for account in clip.items(party.bank_accounts, 5):
        rows.append(("IBAN", clip(account.iban, MAX_SHORT)))
        if account.bank:
            rows.append(("Banca", clip(account.bank, MAX_SHORT)))
        if account.name and account.name != party.name:
            rows.append(("Titular cont", clip(account.name, MAX_NAME)))
    contact = party.contact
    if contact.name:
        rows.append(("Persoană de contact", clip(contact.name, MAX_NAME)))
    if contact.phone:
        rows.append(("Telefon", clip(contact.phone, MAX_SHORT)))
    if contact.email:
        rows.append(("E-mail", clip(contact.email, MAX_SHORT)))
    trading = party.trading_name if party.trading_name and party.trading_name != party.name else ""
    return PartyView(role, clip(party.name, MAX_NAME) or "—", clip(trading, MAX_NAME), rows)


def _vat_label(category: str, percent: Decimal | None) -> str:
    code = (category or "").strip().upper()
    if code in ("S", "") and percent is not None:
        return format_percent(percent)
    if code == "Z":
        return "0%"
    if code == "AE":
        return "taxare inversă"
    if code in ("E", "K", "G", "O"):
        return {"E": "scutit", "K": "scutit IC", "G": "export", "O": "neimpozabil"}[code]
    return format_percent(percent) if percent is not None else code


def _allowance_text(ac: AllowanceCharge, clip: _Clipper, currency: str) -> str:
    kind = "Majorare" if ac.is_charge else "Reducere"
    reason = clip(ac.reason, MAX_TEXT) or clip(ac.reason_code, MAX_SHORT)
    percent = f" ({format_percent(ac.percent)} din {format_money(ac.base_amount)})" if (
        ac.percent is not None and ac.base_amount is not None) else ""
    shown = ac.amount if ac.is_charge else -ac.amount  # an allowance lowers the amount
    text = f"{kind}{percent}: {format_money(shown)} {currency}"
    return f"{text} – {reason}" if reason else text


def _line(index: int, line: Line, clip: _Clipper, currency: str) -> LineView:
    details = [f"Notă: {clip(note, MAX_TEXT)}" for note in clip.items(line.notes, 5)]
    for code in clip.items(line.commodity_codes, 5):
        scheme = f"{clip(code.list_id, 20)} " if code.list_id else ""
        details.append(f"Clasificare {scheme}{clip(code.code, MAX_SHORT)}")
    if line.standard_item_id and line.seller_item_id:
        details.append(f"Cod standard: {clip(line.standard_item_id, MAX_SHORT)}")
    if line.buyer_item_id:
        details.append(f"Cod cumpărător: {clip(line.buyer_item_id, MAX_SHORT)}")
    if line.origin_country:
        details.append(f"Țara de origine: {clip(country_name(line.origin_country), MAX_SHORT)}")
    if line.price_base_quantity not in (None, Decimal(0), Decimal(1)):
        base_unit = unit_name(line.price_base_unit or line.unit_code)
        base = format_quantity(line.price_base_quantity)
        details.append(f"Preț pentru {base} {clip(base_unit, MAX_SHORT)}")
    details.extend(_allowance_text(ac, clip, currency) for ac in clip.items(line.allowances_charges, 10))
    amount = line.net_amount
    negative = (amount is not None and amount < 0) or (line.quantity is not None and line.quantity < 0)
    return LineView(
        number=clip(line.id, 20) or str(index),
        name=clip(line.name, MAX_NAME),
        description=clip(line.description, MAX_TEXT) if line.description != line.name else "",
        details=details,
        code=clip(line.seller_item_id or line.standard_item_id, 60),
        unit=clip(unit_name(line.unit_code), 40),
        quantity=format_quantity(line.quantity),
        price=format_price(line.unit_price),
        amount=format_money(amount),
        vat=_vat_label(line.vat_category, line.vat_percent),
        negative=negative,
    )


def _shown_lines(lines: tuple[Line, ...], clip: _Clipper, currency: str) -> list[LineView]:
    """The first lines, up to `MAX_LINES` lines and `MAX_LINES_TEXT` characters (at least one)."""
    shown: list[LineView] = []
    text = 0
    for index, line in enumerate(lines[:MAX_LINES], start=1):
        view = _line(index, line, clip, currency)
        text += len(view.name) + len(view.description) + sum(len(detail) for detail in view.details)
        if shown and text > MAX_LINES_TEXT:
            break
        shown.append(view)
    return shown


def _title(invoice: Invoice) -> tuple[str, str, str]:
    """(title, subtitle, banner)."""
    negative = invoice.totals.tax_inclusive < 0 or invoice.totals.payable < 0
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        return ("FACTURĂ STORNO / NOTĂ DE CREDIT", "",
                "Notă de credit (stornare): valorile de mai jos diminuează sumele facturate anterior.")
    if invoice.self_billing:
        title = "AUTOFACTURĂ"
        subtitle = "emisă de cumpărător în numele furnizorului"
    else:
        title = {"384": "FACTURĂ CORECTATĂ", "386": "FACTURĂ DE AVANS"}.get(invoice.type_code, "FACTURĂ")
        subtitle = "în scopuri contabile" if invoice.type_code == "751" else ""
    banner = ""
    if negative:
        title = "FACTURĂ STORNO" if title == "FACTURĂ" else f"{title} STORNO"
        banner = ("Factură cu valori negative (stornare): sumele de mai jos diminuează "
                  "sumele facturate anterior.")
    return title, subtitle, banner


def _references(invoice: Invoice, clip: _Clipper) -> list[tuple[str, str]]:
    refs = invoice.references
    rows: list[tuple[str, str]] = []
    for ref in clip.items(refs.billing, 10):
        when = f" din {format_date(ref.issue_date)}" if ref.issue_date else ""
        rows.append(("Factura de referință", f"{clip(ref.id, MAX_SHORT)}{when}"))
    for label, value in (
        ("Comanda", refs.order), ("Comanda vânzătorului", refs.sales_order), ("Contract", refs.contract),
        ("Proiect", refs.project), ("Aviz de însoțire", refs.despatch), ("Recepție", refs.receiving),
        ("Licitație / lot", refs.originator), ("Referința cumpărătorului", refs.buyer_reference),
    ):
        if value:
            rows.append((label, clip(value, MAX_SHORT)))
    period = invoice.period
    if period and (period.start or period.end):
        start, end = format_date(period.start) or "…", format_date(period.end) or "…"
        rows.append(("Perioada facturată", f"{start} – {end}"))
    if invoice.tax_point_date:
        rows.append(("Data exigibilității TVA", format_date(invoice.tax_point_date)))
    delivery = invoice.delivery
    if delivery:
        if delivery.date:
            rows.append(("Data livrării", format_date(delivery.date)))
        place_parts = (clip(delivery.party_name, MAX_NAME), clip(delivery.location_id, MAX_SHORT),
                       _address_text(delivery.address, clip))
        place = ", ".join(p for p in place_parts if p)
        if place:
            rows.append(("Locul livrării", place))
    if invoice.payee_name:
        rows.append(("Beneficiarul plății", clip(invoice.payee_name, MAX_NAME)))
    if invoice.tax_representative_name:
        rows.append(("Reprezentant fiscal", clip(invoice.tax_representative_name, MAX_NAME)))
    return rows


def _totals(invoice: Invoice, currency: str) -> list[tuple[str, str, str]]:
    t = invoice.totals
    rows = [("Total valoare linii (fără TVA)", format_money(t.line_extension), "")]
    if t.allowance_total:
        rows.append(("Reduceri la nivel de document", format_money(-t.allowance_total), ""))
    if t.charge_total:
        rows.append(("Majorări la nivel de document", format_money(t.charge_total), ""))
    if t.allowance_total or t.charge_total or t.tax_exclusive != t.line_extension:
        rows.append(("Total fără TVA", format_money(t.tax_exclusive), "strong"))
    vat = t.vat_total if t.vat_total is not None else t.tax_inclusive - t.tax_exclusive
    rows.append(("TVA", format_money(vat), ""))
    rows.append(("Total cu TVA", format_money(t.tax_inclusive), "strong"))
    if t.prepaid:
        rows.append(("Avans / sumă deja plătită", format_money(-t.prepaid), ""))
    if t.rounding:
        rows.append(("Rotunjire", format_money(t.rounding), ""))
    return rows


def _ron_rows(invoice: Invoice) -> list[tuple[str, str]]:
    if invoice.currency.upper() == "RON":
        return []
    rows: list[tuple[str, str]] = []
    exchange = invoice.exchange
    tax_currency = (invoice.tax_currency or "").upper()
    vat_ron = invoice.totals.vat_total_tax_currency if tax_currency == "RON" else None
    rate = None
    if exchange is not None and exchange.tax_currency.upper() == "RON":
        rate = exchange.declared_rate or exchange.implied_rate
        if exchange.declared_rate:
            rows.append(("Curs de schimb declarat",
                         f"1 {invoice.currency} = {format_rate(exchange.declared_rate)} RON"))
        elif exchange.implied_rate:
            rows.append(("Curs de schimb (din TVA în RON)",
                         f"1 {invoice.currency} = {format_rate(exchange.implied_rate)} RON"))
    if vat_ron is not None:
        rows.append(("TVA în RON", f"{format_money(vat_ron)} RON"))
    if rate:
        t = invoice.totals
        rows.append(("Echivalent total fără TVA", f"{format_money(t.tax_exclusive * rate)} RON"))
        rows.append(("Echivalent total cu TVA", f"{format_money(t.tax_inclusive * rate)} RON"))
    if not rows:
        rows.append(("Echivalent în RON", "factura nu declară TVA în RON (TaxCurrencyCode)"))
    return rows


def _payment(invoice: Invoice, clip: _Clipper) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for means in clip.items(invoice.payment_means, 5):
        label = payment_means_name(means.code, clip(means.name, MAX_SHORT))
        text = f"{label} (cod {clip(means.code, 20)})" if means.code else label
        rows.append(("Modalitate de plată", text))
        if means.account is not None:
            bank = f" – {clip(means.account.bank, MAX_SHORT)}" if means.account.bank else ""
            rows.append(("Cont beneficiar", f"{clip(means.account.iban, MAX_SHORT)}{bank}"))
        if means.payment_id:
            rows.append(("Referința plății", clip(means.payment_id, MAX_SHORT)))
    if invoice.due_date:
        rows.append(("Termen de plată", format_date(invoice.due_date)))
    return rows


def _attachment(att, clip: _Clipper) -> str:
    name = clip(att.filename or att.id, MAX_SHORT) or "fără nume"
    parts = [p for p in (clip(att.mime, 60), format_size(att.size) if att.size else "") if p]
    text = f"{name} ({', '.join(parts)})" if parts else name
    if att.description:
        text += f" – {clip(att.description, MAX_TEXT)}"
    if att.external_uri:
        text += f" – adresă externă (neaccesată): {clip(att.external_uri, MAX_SHORT)}"
    if att.base64_invalid:
        text += " – conținut ilizibil"
    if att.too_large:
        text += " – prea mare pentru a fi extras"
    return text


def build_view(invoice: Invoice, context: RenderContext) -> InvoiceView:
    clip = _Clipper()
    currency = clip(invoice.currency, 10)
    title, subtitle, banner = _title(invoice)
    type_label = DOCUMENT_TYPES.get(invoice.type_code, "")
    facts = [
        ("Seria și numărul", clip(invoice.number, MAX_SHORT)),
        ("Data emiterii", format_date(invoice.issue_date)),
    ]
    if invoice.due_date:
        facts.append(("Data scadenței", format_date(invoice.due_date)))
    facts.append(("Moneda", currency))
    if invoice.exchange and invoice.exchange.declared_rate and invoice.exchange.tax_currency:
        facts.append(("Curs", (f"1 {currency} = {format_rate(invoice.exchange.declared_rate)} "
                               f"{clip(invoice.exchange.tax_currency, 10)}")))
    elif invoice.exchange and invoice.exchange.implied_rate and invoice.exchange.tax_currency:
        facts.append(("Curs (din TVA)", (f"1 {currency} = {format_rate(invoice.exchange.implied_rate)} "
                                         f"{clip(invoice.exchange.tax_currency, 10)}")))
    type_text = clip(invoice.type_code, 10) + (f" – {type_label}" if type_label else "")
    facts.append(("Tip document", type_text))

    total_lines = len(invoice.lines)
    lines = _shown_lines(invoice.lines, clip, currency)
    lines_note = ""
    lines_cut = len(lines) < total_lines
    if lines_cut:
        lines_note = (f"Documentul are {counted(total_lines, 'linie', 'linii')}; sunt afișate primele "
                      f"{group_thousands(len(lines))}. XML-ul complet, cu toate liniile, este păstrat în arhivă.")
    elif total_lines == 0:
        lines_note = "Documentul nu conține linii."

    allowances = [
        AllowanceRow(
            kind="Majorare" if ac.is_charge else "Reducere",
            reason=clip(ac.reason, MAX_TEXT) or clip(ac.reason_code, MAX_SHORT),
            base=format_money(ac.base_amount),
            percent=format_percent(ac.percent),
            amount=format_money(ac.amount if ac.is_charge else -ac.amount),
            vat=_vat_label(ac.vat_category, ac.vat_percent),
        )
        for ac in clip.items(invoice.allowances_charges)
    ]
    vat_rows = [
        VatRow(
            label=vat_category_name(row.category) or clip(row.category, 10),
            percent=format_percent(row.percent if row.percent is not None else Decimal(0)),
            taxable=format_money(row.taxable),
            tax=format_money(row.tax),
            exemption=" – ".join(p for p in (clip(row.exemption_reason_code, MAX_SHORT),
                                             clip(row.exemption_reason, MAX_TEXT)) if p),
        )
        for row in clip.items(invoice.vat_breakdown)
    ]

    signature = (context.signature_status or "unknown").strip().lower()
    footer = [
        ("Index încărcare ANAF", clip(context.upload_index, 60) or "—"),
        ("ID descărcare", clip(context.message_id, 60) or "—"),
        ("Semnătura MF", signature_text(signature)),
    ]
    if context.archived_at:
        footer.append(("Arhivat", format_datetime(context.archived_at)))

    clipped_flag_from_parser = bool(invoice.truncated_fields)
    view = InvoiceView(
        title=title,
        subtitle=subtitle,
        type_label=type_label,
        number=clip(invoice.number, MAX_SHORT),
        facts=facts,
        banner=banner,
        supplier=_party("Furnizor", invoice.supplier, clip),
        customer=_party("Cumpărător", invoice.customer, clip),
        references=_references(invoice, clip),
        lines=lines,
        lines_note=lines_note,
        lines_cut=lines_cut,
        allowances=allowances,
        vat_rows=vat_rows,
        totals=_totals(invoice, currency),
        payable_label="Total de plată",
        payable=format_money(invoice.totals.payable),
        currency=currency,
        ron_rows=_ron_rows(invoice),
        payment=_payment(invoice, clip),
        payment_terms=[clip(t, MAX_TEXT) for t in clip.items(invoice.payment_terms)],
        notes=[clip(_SUBJECT_CODE.sub("", n), MAX_TEXT) for n in clip.items(invoice.notes)],
        attachments=[_attachment(a, clip) for a in clip.items(invoice.attachments)],
        clipped_note="",
        footer=footer,
        signature_class={"valid": "sig-valid", "invalid": "sig-invalid"}.get(signature, "sig-unknown"),
        header_title="",
    )
    view.header_title = (f"{title} nr. {view.number} din {format_date(invoice.issue_date)}"
                         f" · {clip(invoice.supplier.name, 120)}")
    if clip.clipped or clipped_flag_from_parser:
        view.clipped_note = ("Unele texte foarte lungi au fost scurtate în această reprezentare; "
                             "fișierul XML conține textul complet.")
    return view

"""SAGA C's XML for "Import date din fișiere generate" (Diverse → Import date): one file per
invoice, `<Facturi><Factura><Antet>…</Antet><Detalii><Continut><Linie>…</Linie></Continut>
</Detalii><FacturaID>…</FacturaID></Factura></Facturi>`, named `F_<cod fiscal>_<număr>_<dată>.xml`.

The tags and their order are SAGA's manual's (topic "Import date"; README "Export pentru SAGA"
maps each one to the invoice field it is filled from). SAGA files a document under "Intrări"
when the company's fiscal code is the ClientCIF and under "Ieșiri" when it is the FurnizorCIF,
so the direction decides no tag: it is already who is who on the invoice. Dates are written as
SAGA writes them (ZZ.LL.AAAA), numbers with "." for decimals and no thousands separator.
Built with lxml, never by joining strings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from chalicelib.domain.accounting.entries import EntryLine, InvoiceEntry, PartyEntry

# The manual's tag list, in its order. Optional tags (printed "Opțional") are written only when
# there is a value; the others always, empty when the invoice has nothing for them.
HEADER_TAGS = (
    "FurnizorNume", "FurnizorCIF", "FurnizorNrRegCom", "FurnizorCapital", "FurnizorTara",
    "FurnizorLocalitate", "FurnizorJudet", "FurnizorAdresa", "FurnizorTelefon", "FurnizorMail",
    "FurnizorBanca", "FurnizorIBAN", "FurnizorInformatiiSuplimentare", "GUID_cod_client",
    "ClientNume", "ClientInformatiiSuplimentare", "ClientCIF", "ClientNrRegCom", "ClientJudet",
    "ClientTara", "ClientLocalitate", "ClientAdresa", "ClientBanca", "ClientIBAN", "ClientTelefon",
    "ClientMail", "FacturaNumar", "FacturaData", "FacturaScadenta", "FacturaTaxareInversa",
    "FacturaTVAIncasare", "FacturaTip", "FacturaInformatiiSuplimentare", "FacturaMoneda",
    "FacturaGreutate", "FacturaAccize", "FacturaIndexSPV", "Cod",
)
LINE_TAGS = (
    "LinieNrCrt", "Gestiune", "Activitate", "Descriere", "CodArticolFurnizor", "CodArticolClient",
    "GUID_cod_articol", "CodBare", "InformatiiSuplimentare", "UM", "Cantitate", "Pret", "Valoare",
    "ProcTVA", "TVA", "Cont", "TipDeducere", "PretVanzare",
)
OPTIONAL_TAGS = frozenset({
    "GUID_cod_client", "FacturaTip", "FacturaAccize", "Cod", "Gestiune", "Activitate",
    "CodArticolFurnizor", "CodArticolClient", "GUID_cod_articol", "CodBare",
    "InformatiiSuplimentare", "ProcTVA", "Cont", "TipDeducere", "PretVanzare",
    "FacturaMoneda",  # "Opțional pentru RON"
})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True)
class SagaFile:
    name: str
    content: bytes


def saga_file(entry: InvoiceEntry) -> SagaFile:
    return SagaFile(file_name(entry), to_xml(entry))


def file_name(entry: InvoiceEntry) -> str:
    """F_<cod fiscal>_<număr>_<dată>.xml: the issuer's fiscal code (the company's own for
    ieșiri, the supplier's for intrări, as the supplier's SAGA would name it), the number with
    anything but letters, digits, "." and "-" turned into "_", the issue date as ZZ-LL-AAAA
    (SAGA's own file names write dates so; "/" and "." cannot be used in a file name)."""
    cif = re.sub(r"\D", "", entry.supplier.cif) or _part(entry.supplier.cif) or "0"
    return f"F_{cif}_{_part(entry.number)}_{entry.issue_date:%d-%m-%Y}.xml"


def to_xml(entry: InvoiceEntry) -> bytes:
    root = etree.Element("Facturi")
    factura = etree.SubElement(root, "Factura")
    header = etree.SubElement(factura, "Antet")
    for tag in HEADER_TAGS:
        _put(header, tag, _header_value(entry, tag))
    content = etree.SubElement(etree.SubElement(factura, "Detalii"), "Continut")
    for line in entry.lines:
        row = etree.SubElement(content, "Linie")
        for tag in LINE_TAGS:
            _put(row, tag, _line_value(line, tag))
    # "ID unic, din aplicația proprie": ANAF's download id, the same in every export of it.
    etree.SubElement(factura, "FacturaID").text = entry.message_id
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _put(parent: etree._Element, tag: str, value: str) -> None:
    if value or tag not in OPTIONAL_TAGS:
        etree.SubElement(parent, tag).text = value


def _party_value(party: PartyEntry, field: str) -> str:
    return {
        "Nume": party.name, "CIF": party.cif, "NrRegCom": party.registration_number,
        "Tara": party.country, "Localitate": party.city, "Judet": party.county,
        "Adresa": party.address, "Telefon": party.phone, "Mail": party.email,
        "Banca": party.bank, "IBAN": party.iban,
    }.get(field, "")


def _header_value(entry: InvoiceEntry, tag: str) -> str:
    if tag.startswith("Furnizor"):
        return _party_value(entry.supplier, tag.removeprefix("Furnizor"))
    if tag.startswith("Client"):
        return _party_value(entry.customer, tag.removeprefix("Client"))
    match tag:
        case "FacturaNumar":
            return entry.number
        case "FacturaData":
            return saga_date(entry.issue_date)
        case "FacturaScadenta":
            return saga_date(entry.due_date)
        case "FacturaTaxareInversa":
            return "Da" if entry.reverse_charge else "Nu"
        case "FacturaTVAIncasare":
            return "Da" if entry.vat_on_payment else "Nu"
        case "FacturaInformatiiSuplimentare":
            return _information(entry)
        case "FacturaMoneda":
            return "" if entry.currency == "RON" else entry.currency
        case "FacturaIndexSPV":
            return entry.upload_index
    return ""


def _information(entry: InvoiceEntry) -> str:
    parts = [entry.notes] if entry.notes else []
    if entry.declared_rate is not None:
        parts.append(f"Curs din factură: {amount(entry.declared_rate, 4)} RON/{entry.currency}")
    return " | ".join(parts)


def _line_value(line: EntryLine, tag: str) -> str:
    match tag:
        case "LinieNrCrt":
            return str(line.number)
        case "Descriere":
            return line.description
        case "CodArticolFurnizor":
            return line.seller_code
        case "CodArticolClient":
            return line.buyer_code
        case "CodBare":
            return line.barcode
        case "InformatiiSuplimentare":
            return line.details
        case "UM":
            return line.unit
        case "Cantitate":
            return quantity(line.quantity)
        case "Pret":
            return quantity(line.price)
        case "Valoare":
            return amount(line.value)
        case "ProcTVA":
            return quantity(line.vat_percent)
        case "TVA":
            return amount(line.vat)
    return ""


def saga_date(value: dt.date) -> str:
    return f"{value:%d.%m.%Y}"


def amount(value: Decimal, places: int = 2) -> str:
    """A money amount: fixed decimals, "." separator, no exponent."""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def quantity(value: Decimal) -> str:
    """A quantity, price or rate as written (at most 4 decimals), without trailing zeros."""
    text = format(value.quantize(Decimal("0.0001")).normalize(), "f")
    return text if text != "-0" else "0"


def _part(text: str) -> str:
    return _UNSAFE_NAME.sub("_", text).strip("_")[:60]

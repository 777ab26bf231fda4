"""Public company lookup ``POST /api/PlatitorTvaRest/v9/tva`` (API.md §4).

Answers for every seeded company and partner with the full v9 field set, without the
documented-but-dropped ``cod``/``message`` wrapper. Limits: at most 100 CUIs per request
and 1 request per second per client (keyed by remote address on the sandbox clock). The
answers to breaking them are UNCONFIRMED: here 400 (Spring JSON) and 429.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from .http_common import json_response, sandbox, spring_error
from .world import Company

bp = Blueprint("lookup", __name__)
MAX_CUIS = 100


def _upper(text: str) -> str:
    return text.upper()


def _record(c: Company, data: str) -> dict:
    p = c.party
    county = _upper(c.county)
    locality = _upper(c.locality)
    street = _upper(c.street)
    adresa = f"JUD. {county}, {locality}, {street}, NR.{c.street_no}"
    registered = c.registered.isoformat()
    return {
        "date_generale": {
            "cui": int(p.cif),
            "data": data,
            "denumire": _upper(p.name),
            "adresa": adresa,
            "nrRegCom": p.reg_com,
            "telefon": p.phone,
            "fax": "",
            "codPostal": p.postal_zone,
            "act": "",
            "stare_inregistrare": f"INREGISTRAT din data {c.registered.strftime('%d.%m.%Y')}",
            "data_inregistrare": registered,
            "cod_CAEN": c.caen,
            "iban": "",
            "statusRO_e_Factura": c.in_spv,
            "organFiscalCompetent": f"Administrația Județeană a Finanțelor Publice {c.county}",
            "forma_de_proprietate": "PROPR.PRIVATA-CAPITAL PRIVAT AUTOHTON",
            "forma_organizare": "PERSOANA JURIDICA",
            "forma_juridica": ("SOCIETATE COMERCIALĂ PE ACȚIUNI" if p.name.endswith(" SA")
                               else "SOCIETATE COMERCIALĂ CU RĂSPUNDERE LIMITATĂ"),
            "data_inreg_Reg_RO_e_Factura": "2024-01-01" if c.in_spv else "",
        },
        "inregistrare_scop_Tva": {
            "scpTVA": p.vat_payer,
            "perioade_TVA": [
                {
                    "data_inceput_ScpTVA": registered,
                    "data_sfarsit_ScpTVA": "",
                    "data_anul_imp_ScpTVA": "",
                    "mesaj_ScpTVA": "",
                }
            ] if p.vat_payer else [],
        },
        "inregistrare_RTVAI": {
            "dataInceputTvaInc": "", "dataSfarsitTvaInc": "", "dataActualizareTvaInc": "",
            "dataPublicareTvaInc": "", "tipActTvaInc": "", "statusTvaIncasare": False,
        },
        "stare_inactiv": {
            "dataInactivare": "", "dataReactivare": "", "dataPublicare": "", "dataRadiere": "",
            "statusInactivi": False,
        },
        "inregistrare_SplitTVA": {"dataInceputSplitTVA": "", "dataAnulareSplitTVA": "", "statusSplitTVA": False},
        "adresa_sediu_social": {
            "sdenumire_Strada": street, "snumar_Strada": c.street_no, "sdenumire_Localitate": locality,
            "scod_Localitate": "", "sdenumire_Judet": county, "scod_Judet": "", "scod_JudetAuto": c.county_auto,
            "stara": "", "sdetalii_Adresa": "", "scod_Postal": p.postal_zone,
        },
        "adresa_domiciliu_fiscal": {
            "ddenumire_Strada": street, "dnumar_Strada": c.street_no, "ddenumire_Localitate": locality,
            "dcod_Localitate": "", "ddenumire_Judet": county, "dcod_Judet": "", "dcod_JudetAuto": c.county_auto,
            "dtara": "", "ddetalii_Adresa": "", "dcod_Postal": p.postal_zone,
        },
    }


@bp.post("/api/PlatitorTvaRest/v9/tva")
def tva() -> Response:
    sb = sandbox()
    if not sb.allow_lookup(request.remote_addr or "-"):
        return spring_error(429, "Too Many Requests")
    try:
        items = json.loads(request.get_data() or b"null")
    except ValueError:
        return spring_error(400, "JSON invalid")
    if not isinstance(items, list) or not all(isinstance(i, dict) and "cui" in i for i in items):
        return spring_error(400, "Cererea trebuie sa fie o lista de forma [{\"cui\": ..., \"data\": \"AAAA-LL-ZZ\"}]")
    if len(items) > MAX_CUIS:
        return spring_error(400, f"Un request poate contine maxim {MAX_CUIS} de CUI-uri.")
    found, not_found = [], []
    for item in items:
        cui = str(item["cui"]).strip()
        company = sb.world.company(cui) if cui.isdigit() else None
        if company is None:
            not_found.append(int(cui) if cui.isdigit() else item["cui"])
        else:
            found.append(_record(company, str(item.get("data", ""))))
    return json_response({"found": found, "notFound": not_found})

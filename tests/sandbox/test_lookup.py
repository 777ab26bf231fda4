"""PlatitorTvaRest v9: found/notFound with the full field set, 100 CUIs, 1 request/second."""

from __future__ import annotations

import requests

FIELDS = {
    "date_generale": {"cui", "data", "denumire", "adresa", "nrRegCom", "telefon", "fax", "codPostal", "act",
                      "stare_inregistrare", "data_inregistrare", "cod_CAEN", "iban", "statusRO_e_Factura",
                      "organFiscalCompetent", "forma_de_proprietate", "forma_organizare", "forma_juridica"},
    "inregistrare_scop_Tva": {"scpTVA", "perioade_TVA"},
    "inregistrare_RTVAI": {"dataInceputTvaInc", "dataSfarsitTvaInc", "dataActualizareTvaInc", "dataPublicareTvaInc",
                           "tipActTvaInc", "statusTvaIncasare"},
    "stare_inactiv": {"dataInactivare", "dataReactivare", "dataPublicare", "dataRadiere", "statusInactivi"},
    "inregistrare_SplitTVA": {"dataInceputSplitTVA", "dataAnulareSplitTVA", "statusSplitTVA"},
    "adresa_sediu_social": {"sdenumire_Strada", "snumar_Strada", "sdenumire_Localitate", "scod_Localitate",
                            "sdenumire_Judet", "scod_Judet", "scod_JudetAuto", "stara", "sdetalii_Adresa",
                            "scod_Postal"},
    "adresa_domiciliu_fiscal": {"ddenumire_Strada", "dnumar_Strada", "ddenumire_Localitate", "dcod_Localitate",
                                "ddenumire_Judet", "dcod_Judet", "dcod_JudetAuto", "dtara", "ddetalii_Adresa",
                                "dcod_Postal"},
}


def test_every_company_and_partner_is_found_with_the_v9_fields(sb, world):
    everyone = world["companies"] + world["partners"]
    body = requests.post(sb.lookup_url, json=[{"cui": int(c["cif"]), "data": "2026-07-15"} for c in everyone] +
                         [{"cui": 1234567890, "data": "2026-07-15"}], timeout=10).json()
    assert set(body) == {"found", "notFound"}  # v9: no cod/message
    assert body["notFound"] == [1234567890]
    assert [f["date_generale"]["cui"] for f in body["found"]] == [int(c["cif"]) for c in everyone]
    for record, company in zip(body["found"], everyone, strict=True):
        assert {k: set(v) >= FIELDS[k] for k, v in record.items() if k in FIELDS} == dict.fromkeys(FIELDS, True)
        assert record["date_generale"]["denumire"] == company["name"].upper()
        assert isinstance(record["inregistrare_scop_Tva"]["perioade_TVA"], list)
        assert record["date_generale"]["statusRO_e_Factura"] is company["in_spv"]


def test_more_than_100_cuis_is_refused(sb, world):
    items = [{"cui": int(world["companies"][0]["cif"]), "data": "2026-07-15"}] * 101
    r = requests.post(sb.lookup_url, json=items, timeout=10)
    assert r.status_code == 400 and "100" in r.json()["message"]
    sb.advance_clock(2)
    assert requests.post(sb.lookup_url, json=items[:100], timeout=10).status_code == 200


def test_one_request_per_second(sb, world):
    items = [{"cui": int(world["companies"][0]["cif"]), "data": "2026-07-15"}]
    assert requests.post(sb.lookup_url, json=items, timeout=10).status_code == 200
    assert requests.post(sb.lookup_url, json=items, timeout=10).status_code == 429
    sb.advance_clock(1)
    assert requests.post(sb.lookup_url, json=items, timeout=10).status_code == 200

"""descarcare, stareMesaj and ANAF's call budgets, tripping at exactly ANAF's numbers."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

import requests
from lxml import etree

PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
STATUS_NS = "{mfp:anaf:dgti:efactura:stareMesajFactura:v1}"


def _a_message(api, cif, tip="FACTURA PRIMITA"):
    listing = api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()
    return next(m for m in listing["mesaje"] if m["tip"] == tip)


def test_download_serves_the_zip_of_the_admin_view(sb, api, world):
    cif = world["companies"][0]["cif"]
    m = _a_message(api, cif)
    r = api("descarcare", params={"id": m["id"]})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    truth = {x["id"]: x["sha256"] for x in sb.messages(cif)["messages"]}
    assert hashlib.sha256(r.content).hexdigest() == truth[m["id"]]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert len(zf.namelist()) == 2
        invoice = etree.fromstring(zf.read(f"{m['id_solicitare']}.xml"), PARSER)
    assert etree.QName(invoice).localname in ("Invoice", "CreditNote")


def test_error_messages_carry_anafs_error_document(api, world):
    def messages(cif):
        return api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json().get("mesaje", [])

    cif = next(c["cif"] for c in world["companies"]
               if any(m["tip"] == "ERORI FACTURA" for m in messages(c["cif"])))
    m = _a_message(api, cif, "ERORI FACTURA")
    with zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": m["id"]}).content)) as zf:
        raw = zf.read(f"{m['id_solicitare']}.xml")
    root = etree.fromstring(raw, PARSER)
    assert root.tag == "{mfp:anaf:dgti:efactura:mesajEroriFactuta:v1}header"
    assert root.get("Index_incarcare") == m["id_solicitare"] and root.get("Cif_emitent") == cif
    assert root.findall("{mfp:anaf:dgti:efactura:mesajEroriFactuta:v1}Error")[0].get("errorMessage")
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<header')


def test_download_errors(sb, api, world, no_rights):
    def eroare(mid, headers=None):
        if headers is None:
            body = api("descarcare", params={"id": mid}).json()
        else:
            body = requests.get(f"{sb.api_url}/descarcare", params={"id": mid}, headers=headers, timeout=10).json()
        assert body["titlu"] == "Descarcare mesaj"
        return body["eroare"]

    assert eroare("123a") == "Id descarcare introdus= 123a nu este un numar intreg"
    assert eroare("21") == "Pentru id=21 nu exista inregistrata nici o factura"
    m = _a_message(api, world["companies"][0]["cif"])
    assert eroare(m["id"], sb.bearer(no_rights["serial"])) == "Nu aveti dreptul sa descarcati acesta factura"
    assert api("descarcare").status_code == 400
    assert api("descarcare").json()["message"] == "Parametrul id este obligatoriu"


def test_download_after_60_days_gives_the_documented_json(sb, api, world):
    cif = world["companies"][0]["cif"]
    m = _a_message(api, cif)
    sb.advance_clock(61 * 86400)
    r = api("descarcare", params={"id": m["id"]})
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"eroare": "Fisierul nu mai poate fi descarcat pentru ca a trecut perioada de 60 de zile "
                                  "in care este disponibil",
                        "titlu": "Descarcare mesaj"}


def test_the_11th_download_of_a_message_on_the_same_day_is_refused(sb, api, world):
    m = _a_message(api, world["companies"][0]["cif"])
    sb.set_limit("descarcare", m["id"], used=8)
    assert api("descarcare", params={"id": m["id"]}).status_code == 200  # 9th
    assert api("descarcare", params={"id": m["id"]}).headers["Content-Type"] == "application/zip"  # 10th
    r = api("descarcare", params={"id": m["id"]})  # 11th
    assert r.json() == {"eroare": f"S-au facut deja 10 descarcari la mesajul cu id_descarcare={m['id']} "
                                  "in cursul zilei",
                        "titlu": "Descarcare mesaj"}
    other = _a_message(api, world["companies"][1]["cif"])
    assert api("descarcare", params={"id": other["id"]}).headers["Content-Type"] == "application/zip"
    sb.advance_clock(86400)  # the next Romanian day
    assert api("descarcare", params={"id": m["id"]}).headers["Content-Type"] == "application/zip"


def test_stare_mesaj_and_the_101st_query(sb, api, world):
    m = _a_message(api, world["companies"][0]["cif"], "FACTURA TRIMISA")
    r = api("stareMesaj", params={"id_incarcare": m["id_solicitare"]})
    assert r.headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(r.content, PARSER)
    assert root.tag == f"{STATUS_NS}header" and root.get("stare") == "ok" and root.get("id_descarcare") == m["id"]
    sb.set_limit("stare", m["id_solicitare"], used=99)
    allowed = etree.fromstring(api("stareMesaj", params={"id_incarcare": m["id_solicitare"]}).content, PARSER)
    assert allowed.get("stare") == "ok"
    refused = etree.fromstring(api("stareMesaj", params={"id_incarcare": m["id_solicitare"]}).content, PARSER)
    assert refused.get("stare") is None
    assert (refused.find(f"{STATUS_NS}Errors").get("errorMessage")
            == "S-au facut deja 100 descarcari de mesaj in cursul zilei")


def test_stare_mesaj_errors(sb, api, world, no_rights):
    def error(index, headers=None):
        if headers is None:
            r = api("stareMesaj", params={"id_incarcare": index})
        else:
            r = requests.get(f"{sb.api_url}/stareMesaj", params={"id_incarcare": index}, headers=headers, timeout=10)
        return etree.fromstring(r.content, PARSER).find(f"{STATUS_NS}Errors").get("errorMessage")

    assert error("aaa") == "Id_incarcare introdus= aaa nu este un numar intreg"
    assert error("15000") == "Nu exista factura cu id_incarcare= 15000"
    assert error("1", sb.bearer(no_rights["serial"])) == "Nu exista niciun CIF petru care sa aveti drept"
    outsider = sb.bearer(world["certificates"][1]["serial"])
    m = _a_message(api, world["certificates"][0]["cifs"][0], "FACTURA TRIMISA")
    assert (error(m["id_solicitare"], outsider)
            == f"Nu aveti dreptul de inteorgare pentru id_incarcare= {m['id_solicitare']}")
    assert api("stareMesaj").status_code == 400


def test_the_1501st_simple_list_of_a_cif_is_refused(sb, api, world):
    cif = world["companies"][0]["cif"]
    sb.set_limit("lista", cif, used=1499)
    assert "mesaje" in api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()  # 1500th
    body = api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()  # 1501st
    assert body["eroare"] == (f"S-au facut deja 1500 de interogari de tip lista mesaje simpla de catre CUI={cif} "
                              "in cursul zilei")
    assert "mesaje" in api("listaMesajeFactura", params={"zile": 60, "cif": world["companies"][1]["cif"]}).json()


def test_the_100001st_paginated_list_of_a_cif_is_refused(sb, api, world):
    cif = world["companies"][0]["cif"]
    now = sb.admin("GET", "clock")["now_ms"]
    params = {"startTime": now - 86_400_000 * 59, "endTime": now - 1, "cif": cif, "pagina": 1}
    sb.set_limit("paginatie", cif, exhaust=True)
    assert "S-au facut deja 100000 de interogari" in api("listaMesajePaginatieFactura", params=params).json()["eroare"]


def test_1000_calls_per_minute_then_429(sb, api):
    # GIVEN 1000 real calls inside a minute WHEN the 1001st arrives THEN HTTP 429
    t0 = time.monotonic()
    codes = [api("descarcare", params={"id": "x"}).status_code for _ in range(1000)]
    elapsed = time.monotonic() - t0
    assert set(codes) == {200} and elapsed < 60
    assert api("descarcare", params={"id": "x"}).status_code == 429
    sb.advance_clock(61)  # the minute slides on
    assert api("descarcare", params={"id": "x"}).status_code == 200


def test_minute_budget_can_be_exhausted_by_admin(sb, api):
    sb.set_limit("minute", sb.client_id, exhaust=True)
    assert api("listaMesajeFactura", params={"zile": 1, "cif": "1"}).status_code == 429

"""listaMesajeFactura and listaMesajePaginatieFactura: envelopes, formats, errors, windows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests

from local.anaf_sandbox.clock import BUCHAREST

DAY_MS = 86_400_000


def _now_ms(sb) -> int:
    return sb.admin("GET", "clock")["now_ms"]


def test_simple_list_envelope_and_message_fields(sb, api, accountant, world):
    cif = world["companies"][0]["cif"]
    body = api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()
    assert set(body) == {"mesaje", "serial", "cui", "titlu"}
    assert body["serial"] == accountant["serial"]
    assert body["cui"] == ",".join(accountant["cifs"])
    assert body["titlu"] == "Lista Mesaje disponibile din ultimele 60 zile"
    assert body["mesaje"]
    now = dt.datetime.fromtimestamp(_now_ms(sb) / 1000, BUCHAREST)
    for m in body["mesaje"]:
        assert set(m) == {"data_creare", "cif", "id_solicitare", "detalii", "tip", "id"}
        assert all(isinstance(v, str) for v in m.values())
        assert re.fullmatch(r"\d{12}", m["data_creare"]) and m["cif"] == cif
        created = dt.datetime.strptime(m["data_creare"], "%Y%m%d%H%M").replace(tzinfo=BUCHAREST)
        assert now - dt.timedelta(days=60, minutes=1) <= created <= now
        assert m["tip"] in {"FACTURA TRIMISA", "FACTURA PRIMITA", "ERORI FACTURA",
                            "MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS"}
        if m["tip"] in ("FACTURA TRIMISA", "FACTURA PRIMITA"):
            assert re.fullmatch(rf"Factura cu id_incarcare={m['id_solicitare']} emisa de cif_emitent=\d+ "
                                r"pentru cif_beneficiar=\d+", m["detalii"])
        if m["tip"] == "ERORI FACTURA":
            assert m["detalii"] == ("Erori de validare identificate la factura primita cu "
                                    f"id_incarcare={m['id_solicitare']}")


def test_data_creare_is_romanian_local_time(sb, api, world):
    # GIVEN the exact creation instants from the admin view THEN data_creare is their Bucharest time
    cif = world["companies"][1]["cif"]
    truth = {m["id"]: m["created_ms"] for m in sb.messages(cif, sha256=0)["messages"]}
    for m in api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()["mesaje"]:
        local = dt.datetime.fromtimestamp(truth[m["id"]] / 1000, BUCHAREST)
        assert m["data_creare"] == local.strftime("%Y%m%d%H%M")


def test_lists_are_not_sorted_but_complete(sb, api, world):
    cif = world["companies"][0]["cif"]
    mesaje = api("listaMesajeFactura", params={"zile": 60, "cif": cif}).json()["mesaje"]
    stamps = [m["data_creare"] + m["id"] for m in mesaje]
    assert stamps != sorted(stamps) and stamps != sorted(stamps, reverse=True)
    listable = {m["id"] for m in sb.messages(cif, sha256=0)["messages"] if m["listable"]}
    assert {m["id"] for m in mesaje} == listable


@pytest.mark.parametrize(("filtru", "tip"),
                         [("E", "ERORI FACTURA"), ("T", "FACTURA TRIMISA"), ("P", "FACTURA PRIMITA")])
def test_filters(api, world, filtru, tip):
    cif = world["companies"][0]["cif"]
    body = api("listaMesajeFactura", params={"zile": 60, "cif": cif, "filtru": filtru}).json()
    assert body.get("mesaje") and {m["tip"] for m in body["mesaje"]} == {tip}


def test_window_in_days(api, world):
    cif = world["companies"][0]["cif"]
    n = {z: len(api("listaMesajeFactura", params={"zile": z, "cif": cif}).json().get("mesaje", []))
         for z in (1, 15, 60)}
    assert n[1] <= n[15] < n[60]


@pytest.mark.parametrize(
    ("params", "eroare"),
    [
        ({"zile": "abc", "cif": "{cif}"}, "Numarul de zile introdus= abc nu este un numar intreg"),
        ({"zile": 61, "cif": "{cif}"}, "Numarul de zile trebuie sa fie intre 1 si 60"),
        ({"zile": 0, "cif": "{cif}"}, "Numarul de zile trebuie sa fie intre 1 si 60"),
        ({"zile": 5, "cif": "aaa"}, "CIF introdus= aaa nu este un numar"),
        ({"zile": 5, "cif": "{cif}", "filtru": "X"}, "Valorile acceptate pentru parametrul filtru sunt E, T, P sau R"),
        ({"zile": 5, "cif": "8486152"}, "Nu aveti drept in SPV pentru CIF=8486152"),
    ],
)
def test_simple_list_errors_are_http_200_with_eroare(api, world, params, eroare):
    params = {k: str(v).replace("{cif}", world["companies"][0]["cif"]) for k, v in params.items()}
    r = api("listaMesajeFactura", params=params)
    assert r.status_code == 200 and r.json() == {"eroare": eroare, "titlu": "Lista Mesaje"}


def test_missing_parameters_are_spring_400(api, world):
    r = api("listaMesajeFactura", params={"zile": 5})
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["error"] == "Bad Request"
    assert body["message"] == "Parametrii zile si cif sunt obligatorii"
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d", body["timestamp"])
    r = api("listaMesajePaginatieFactura", params={"cif": world["companies"][0]["cif"]})
    assert r.status_code == 400
    assert r.json()["message"] == "Parametrii startTime, endTime, cif si pagina sunt obligatorii"


def test_missing_or_bad_bearer_and_wrong_paths_are_403(sb, api, world):
    params = {"zile": 5, "cif": world["companies"][0]["cif"]}
    assert requests.get(f"{sb.api_url}/listaMesajeFactura", params=params, timeout=10).status_code == 403
    bad = {"Authorization": "Bearer not-a-token"}
    assert requests.get(f"{sb.api_url}/listaMesajeFactura", params=params, headers=bad, timeout=10).status_code == 403
    assert api("../../../listaMesajeFactura", params=params).status_code == 403  # no /prod/FCTEL/rest
    assert requests.get(f"{sb.base_url}/listaMesajeFactura", timeout=10).status_code == 403


def test_no_rights_certificate(sb, no_rights, world):
    headers = sb.bearer(no_rights["serial"])
    r = requests.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 5, "cif": world["companies"][0]["cif"]},
                     headers=headers, timeout=10)
    assert r.json() == {"eroare": "Nu exista niciun CIF pentru care sa aveti drept in SPV", "titlu": "Lista Mesaje"}


def test_rights_follow_the_certificate(sb, world):
    # GIVEN the first administrator's certificate THEN only its CIFs are visible
    admin_cert = world["certificates"][0]
    headers = sb.bearer(admin_cert["serial"])
    outside = next(c["cif"] for c in world["companies"] if c["cif"] not in admin_cert["cifs"])
    r = requests.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 60, "cif": outside},
                     headers=headers, timeout=10)
    assert r.json()["eroare"] == f"Nu aveti drept in SPV pentru CIF={outside}"
    r = requests.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 60, "cif": admin_cert["cifs"][0]},
                     headers=headers, timeout=10)
    assert r.json()["cui"] == ",".join(admin_cert["cifs"])


def test_test_environment_path_serves_the_same_api(sb, bearer, world):
    params = {"zile": 60, "cif": world["companies"][0]["cif"]}
    prod = requests.get(f"{sb.api_url}/listaMesajeFactura", params=params, headers=bearer, timeout=10).json()
    test = requests.get(f"{sb.test_api_url}/listaMesajeFactura", params=params, headers=bearer, timeout=10).json()
    assert {m["id"] for m in prod["mesaje"]} == {m["id"] for m in test["mesaje"]}


def test_no_messages_is_an_eroare(sb, api, world):
    sb.advance_clock(61 * 86400)  # everything seeded is now older than the window
    r = api("listaMesajeFactura", params={"zile": 1, "cif": world["companies"][0]["cif"]})
    assert r.json() == {"eroare": "Nu exista mesaje in ultimele 1 zile", "titlu": "Lista Mesaje"}
    now = _now_ms(sb)
    r = api("listaMesajePaginatieFactura", params={"startTime": now - DAY_MS, "endTime": now - 1000,
                                                    "cif": world["companies"][0]["cif"], "pagina": 1})
    assert r.json() == {"eroare": "Nu exista mesaje in intervalul selectat", "titlu": "Lista Mesaje"}


def test_paginated_envelope(sb, api, accountant, world):
    cif = world["companies"][0]["cif"]
    now = _now_ms(sb)
    body = api("listaMesajePaginatieFactura", params={"startTime": now - 59 * DAY_MS, "endTime": now - 1,
                                                       "cif": cif, "pagina": 1}).json()
    assert list(body) == ["mesaje", "numar_inregistrari_in_pagina", "numar_total_inregistrari_per_pagina",
                          "numar_total_inregistrari", "numar_total_pagini", "index_pagina_curenta", "serial",
                          "cui", "titlu"]
    assert body["numar_total_inregistrari_per_pagina"] == 500 and body["numar_total_pagini"] == 1
    assert body["numar_inregistrari_in_pagina"] == len(body["mesaje"]) == body["numar_total_inregistrari"]
    moment = r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d"
    assert re.fullmatch(rf"Lista Mesaje disponibile din intervalul {moment} - {moment}", body["titlu"])
    assert body["serial"] == accountant["serial"]


def test_paginated_errors(sb, api, world):
    cif = world["companies"][0]["cif"]
    now = _now_ms(sb)

    def eroare(**params):
        base = {"startTime": now - DAY_MS, "endTime": now - 1000, "cif": cif, "pagina": 1}
        return api("listaMesajePaginatieFactura", params=base | params).json()["eroare"]

    assert eroare(startTime="aaa") == "startTime = aaa nu este un numar sau nu are o valoare acceptata de sistem"
    assert eroare(endTime="x") == "endTime = x nu este un numar sau nu are o valoare acceptata de sistem"
    assert eroare(pagina="aa") == "pagina = aa nu este un numar sau nu are o valoare acceptata de sistem"
    assert eroare(cif="1a") == "CIF introdus= 1a nu este un numar sau nu are o valoare acceptata de sistem"
    assert re.fullmatch(r"startTime = \d\d-\d\d-\d{4} \d\d:\d\d:\d\d nu poate fi mai vechi de 60 de zile "
                        r"fata de momentul requestului",
                        eroare(startTime=now - 61 * DAY_MS))
    assert re.fullmatch(r"endTime = .+ nu poate fi <= startTime = .+", eroare(endTime=now - DAY_MS))
    assert re.fullmatch(r"endTime = .+ nu poate in viitor fata de momentul requestului = "
                        r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d",
                        eroare(endTime=now + 60_000))
    assert (eroare(startTime=now - 59 * DAY_MS, pagina=2)
            == "Pagina solicitata 2 este mai mare decat numarul toatal de pagini 1")

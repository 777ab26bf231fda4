"""100 000 messages in one company's window, generated lazily: memory stays flat."""

from __future__ import annotations

import tracemalloc

import pytest

from local.anaf_sandbox import SandboxConfig, create_app

from .conftest import START, VOLUME_CIF

DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def app_client():
    app = create_app(SandboxConfig(seed=1, start_time=START, volume_cif=VOLUME_CIF, volume_messages=100_000))
    client = app.test_client()
    sandbox = app.config["SANDBOX"]
    cert = next(c for c in sandbox.world.certificates if VOLUME_CIF in c.cifs)
    tokens = sandbox.tokens.issue(sandbox.config.clients[0].client_id, cert.serial, sandbox.clock.now_ts())
    return client, sandbox, {"Authorization": f"Bearer {tokens['access_token']}"}


def _page(client, headers, now, page, **extra):
    params = {"startTime": now - 60 * DAY_MS + 60_000, "endTime": now - 1, "cif": VOLUME_CIF, "pagina": page, **extra}
    return client.get("/prod/FCTEL/rest/listaMesajePaginatieFactura", query_string=params, headers=headers).get_json()


def test_listing_pages_of_100k_does_not_materialise_them(app_client):
    client, sandbox, headers = app_client
    now = sandbox.clock.now_ms()
    stored_before = len(sandbox.store._messages)
    _page(client, headers, now, 1)  # warm-up (imports, caches)
    tracemalloc.start()
    seen = set()
    for page in (1, 2, 100, 199, 200):
        body = _page(client, headers, now, page)
        assert body["numar_total_inregistrari"] == 100_000 and body["numar_total_pagini"] == 200
        assert body["numar_inregistrari_in_pagina"] == 500 == len(body["mesaje"])
        ids = {m["id"] for m in body["mesaje"]}
        assert not ids & seen
        seen |= ids
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes while listing 5 pages"
    assert len(sandbox.store._messages) == stored_before  # nothing was materialised


def test_filters_partition_the_window_and_the_simple_list_refuses_more_than_500(app_client):
    client, sandbox, headers = app_client
    now = sandbox.clock.now_ms()
    totals = {f: _page(client, headers, now, 1, filtru=f)["numar_total_inregistrari"] for f in "EPTR"}
    assert sum(totals.values()) == 100_000 and all(totals.values())
    last_p = _page(client, headers, now, -(-totals["P"] // 500), filtru="P")
    assert {m["tip"] for m in last_p["mesaje"]} == {"FACTURA PRIMITA"}
    body = client.get("/prod/FCTEL/rest/listaMesajeFactura", query_string={"zile": 1, "cif": VOLUME_CIF},
                      headers=headers).get_json()
    assert body["eroare"] == ("Lista de mesaje este mai mare decat numarul de 500 elemente permise in pagina. "
                              "Folositi endpoint-ul cu paginatie.")


def test_a_lazy_message_downloads_like_any_other(app_client):
    client, sandbox, headers = app_client
    now = sandbox.clock.now_ms()
    m = next(m for m in _page(client, headers, now, 137)["mesaje"] if m["tip"] == "FACTURA PRIMITA")
    first = client.get("/prod/FCTEL/rest/descarcare", query_string={"id": m["id"]}, headers=headers)
    assert first.mimetype == "application/zip"
    # derived from (seed, cif, i): the same bytes from a fresh app
    other = create_app(SandboxConfig(seed=1, start_time=START, volume_cif=VOLUME_CIF, volume_messages=100_000))
    assert other.config["SANDBOX"].store.zip_bytes(other.config["SANDBOX"].store.message(m["id"])) == first.data

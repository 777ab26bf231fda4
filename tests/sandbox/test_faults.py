"""Injected failures, targeted by path and count or by seeded probability."""

from __future__ import annotations

import io
import time
import zipfile
import zlib

import pytest
import requests


def _read_every_member(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            zf.read(name)


def _a_message(api, world):
    return api("listaMesajeFactura", params={"zile": 60, "cif": world["companies"][0]["cif"]}).json()["mesaje"][0]


def test_status_fault_hits_the_next_n_calls_of_its_path_only(sb, api, world):
    sb.add_fault("status", path="/prod/FCTEL/rest/descarcare", count=2, status=502)
    m = _a_message(api, world)  # other paths are untouched
    codes = [api("descarcare", params={"id": m["id"]}).status_code for _ in range(3)]
    assert codes == [502, 502, 200]


def test_latency(sb, api, world):
    sb.add_fault("latency", path="/prod/FCTEL/rest/listaMesajeFactura", delay_ms=400)
    t0 = time.monotonic()
    assert api("listaMesajeFactura", params={"zile": 1, "cif": world["companies"][0]["cif"]}).status_code == 200
    assert time.monotonic() - t0 >= 0.4


def test_timeout_holds_the_connection_longer_than_the_client_waits(sb, api, world):
    sb.add_fault("timeout", path="/prod/FCTEL/rest/listaMesajeFactura", seconds=3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 1, "cif": "1"}, timeout=0.5)


def test_waf_page(sb, world):
    sb.add_fault("waf", path="/api/PlatitorTvaRest/v9/tva")
    r = requests.post(sb.lookup_url, json=[{"cui": int(world["companies"][0]["cif"]), "data": "2026-07-15"}],
                      timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "The requested URL was rejected. Please consult with your administrator." in r.text
    assert "Your support ID is: " in r.text


def test_maintenance_page(sb, api):
    sb.add_fault("maintenance", path="/prod/FCTEL/rest/", status=404)
    r = api("listaMesajeFactura", params={"zile": 1, "cif": "1"})
    assert r.status_code == 404 and "Mentenanta sistem" in r.text


def test_truncated_and_corrupt_zips(sb, api, world):
    m = _a_message(api, world)
    sb.add_fault("truncate_zip", path="/prod/FCTEL/rest/descarcare")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": m["id"]}).content))
    sb.add_fault("corrupt_zip", path="/prod/FCTEL/rest/descarcare", seed=3)
    data = api("descarcare", params={"id": m["id"]}).content
    with pytest.raises((zlib.error, zipfile.BadZipFile)):  # bad deflate data or a bad CRC
        _read_every_member(data)
    assert zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": m["id"]}).content)).testzip() is None


def test_probability_faults_are_seeded_and_repeatable(sb, api):
    def pattern():
        sb.clear_faults()
        sb.add_fault("status", path="/prod/FCTEL/rest/descarcare", probability=0.5, seed=42, status=500)
        return [api("descarcare", params={"id": "x"}).status_code for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second and {200, 500} == set(first)


def test_admin_api_is_never_faulted(sb):
    sb.add_fault("status", path="/", count=5)
    assert sb.world()["seed"] == 1
    assert requests.get(f"{sb.base_url}/anaf-oauth2/v1/authorize", timeout=10).status_code == 503

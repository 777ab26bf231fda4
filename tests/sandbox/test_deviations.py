"""Three places where the sandbox behaved differently from ANAF (issue 16), and the setting that
makes the "in prelucrare" / "XML cu erori nepreluat de sistem" states reachable from `make run`."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import requests
from lxml import etree

from local.anaf_sandbox import ubl
from local.anaf_sandbox.clock import BUCHAREST
from local.anaf_sandbox.world import build_world
from local.environment import free_port

PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
UPLOAD_NS = "{mfp:anaf:dgti:spv:respUploadFisier:v1}"
RASP_NS = "mfp:anaf:dgti:spv:reqMesaj:v1"
ROOT = Path(__file__).resolve().parents[2]


def _invoice(seller: str, buyer: str, number: str, issued: dt.date) -> bytes:
    w = build_world(1)
    doc = ubl.Document(
        number=number, issue_date=issued, due_date=issued + dt.timedelta(days=30),
        seller=w.company(seller).party, buyer=w.company(buyer).party,
        lines=(ubl.Line("Servicii de contabilitate", "", Decimal(1), "C62", Decimal("1500.00"), "S",
                        Decimal(21)),),
    )
    return ubl.render(doc)


def _upload(api, cif: str, body: bytes, standard: str = "UBL"):
    r = api("upload", method="POST", params={"standard": standard, "cif": cif}, data=body)
    return etree.fromstring(r.content, PARSER)


def _state(api, index: str):
    return etree.fromstring(api("stareMesaj", params={"id_incarcare": index}).content, PARSER)


def test_duplicate_check_compares_the_issue_years_of_both_invoices(sb, world):
    try:
        _check_duplicates_across_new_year(sb, world)
    finally:
        # the clock goes back before any session-wide token is minted at the jumped date
        sb.reset()


def _check_duplicates_across_new_year(sb, world) -> None:
    # GIVEN early January: an invoice issued on 30 December, uploaded (so filed) in January
    sb.admin("POST", "clock", {"set": dt.datetime(2027, 1, 5, 10, 0, tzinfo=BUCHAREST).isoformat()})
    seller, buyer = world["companies"][0]["cif"], world["partners"][0]["cif"]
    # a certificate of its own, so the shared accountant's session tokens are left alone
    certificate = sb.admin("POST", "certificates", {"holder": "Ion Anual", "cifs": [seller]})
    session = requests.Session()
    session.headers.update(sb.bearer(certificate["serial"]))  # a token of the new date

    def api(op: str, method: str = "GET", **kwargs) -> requests.Response:
        return session.request(method, f"{sb.api_url}/{op}", timeout=30, **kwargs)

    december = _upload(api, seller, _invoice(seller, buyer, "AN-1", dt.date(2026, 12, 30)))
    assert _state(api, december.get("index_incarcare")).get("stare") == "ok"
    # WHEN the seller issues number AN-1 again in the new year's series
    january = _upload(api, seller, _invoice(seller, buyer, "AN-1", dt.date(2027, 1, 4)))
    # THEN it is no duplicate: the earlier invoice was *issued* in 2026
    assert _state(api, january.get("index_incarcare")).get("stare") == "ok"
    # AND the December invoice sent again is one, though the first copy was uploaded in 2027
    again = _upload(api, seller, _invoice(seller, buyer, "AN-1", dt.date(2026, 12, 30)))
    assert _state(api, again.get("index_incarcare")).get("stare") == "nok"


def test_ok_always_carries_id_descarcare_even_for_an_uploader_that_is_not_a_party(api, world):
    # GIVEN an accountant with rights on two companies files company 0's invoice under company 1's CIF
    seller, filer, buyer = world["companies"][0]["cif"], world["companies"][1]["cif"], world["partners"][0]["cif"]
    body = _invoice(seller, buyer, "FILER-1", dt.date(2026, 7, 15))
    index = _upload(api, filer, body).get("index_incarcare")
    # WHEN the uploader asks for the state
    state = _state(api, index)
    # THEN ok comes with the id under which the uploader downloads the original invoice
    assert state.get("stare") == "ok" and state.get("id_descarcare")
    r = api("descarcare", params={"id": state.get("id_descarcare")})
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.read(f"{index}.xml") == body


def test_processing_delay_is_a_setting_of_the_running_sandbox(sb, api, world):
    seller, buyer = world["companies"][0]["cif"], world["partners"][0]["cif"]
    # GIVEN the delay set on the running sandbox
    assert sb.admin("POST", "settings", {"processing_delay_s": 90}) == {"processing_delay_s": 90.0}
    assert sb.world()["processing_delay_s"] == 90.0
    index = _upload(api, seller, _invoice(seller, buyer, "DELAY-1", dt.date(2026, 7, 15))).get("index_incarcare")
    # THEN the upload is "in prelucrare" (no id) until the sandbox clock passes the delay
    state = _state(api, index)
    assert state.get("stare") == "in prelucrare" and state.get("id_descarcare") is None
    sb.advance_clock(91)
    assert _state(api, index).get("stare") == "ok"
    # AND a reset goes back to the configured delay (0 here)
    sb.reset()
    assert sb.world()["processing_delay_s"] == 0.0


def test_processing_delay_refuses_nonsense(sb):
    r = requests.post(f"{sb.base_url}/__sandbox/settings", json={"processing_delay_s": -1}, timeout=10)
    assert r.status_code == 400 and "processing_delay_s" in r.json()["error"]


def test_buyer_message_about_an_invoice_the_filer_did_not_receive_is_not_taken_in(api, world):
    buyer = world["companies"][1]["cif"]
    rasp = f'<header xmlns="{RASP_NS}" index_incarcare="4242" message="Factura nu ne priveste"/>'.encode()
    # WHEN a buyer message names an upload index that is no invoice this CIF received
    answer = _upload(api, buyer, rasp, standard="RASP")
    # THEN ANAF's answer carries both the error and the index it gave the file
    index = answer.get("index_incarcare")
    assert answer.get("ExecutionStatus") == "1" and index
    error = answer.find(f"{UPLOAD_NS}Errors").get("errorMessage")
    assert "4242" in error
    # AND stareMesaj says the file was not taken in, without anything to download
    state = _state(api, index)
    assert state.get("stare") == "XML cu erori nepreluat de sistem" and state.get("id_descarcare") is None
    listed = api("listaMesajeFactura", params={"zile": 1, "cif": buyer}).json().get("mesaje", [])
    assert index not in {m["id_solicitare"] for m in listed}


def test_command_line_sets_the_processing_delay():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "local.anaf_sandbox", "--port", str(port),
                             "--processing-delay", "45"],
                            cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        world = requests.get(f"http://127.0.0.1:{port}/__sandbox/world", timeout=10).json()
        assert world["processing_delay_s"] == 45.0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

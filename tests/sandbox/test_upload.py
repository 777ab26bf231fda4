"""upload: a seeded company's sent invoice comes into being as in SPV."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import requests
from lxml import etree

from local.anaf_sandbox import SandboxConfig, ubl
from local.anaf_sandbox.testing import running_sandbox
from local.anaf_sandbox.world import build_world

from .conftest import START

PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
UPLOAD_NS = "{mfp:anaf:dgti:spv:respUploadFisier:v1}"


def _invoice(seller, buyer, number="SBX-0001", break_totals=False) -> bytes:
    w = build_world(1)
    doc = ubl.Document(
        number=number, issue_date=dt.date(2026, 7, 15), due_date=dt.date(2026, 8, 14),
        seller=w.company(seller).party, buyer=w.company(buyer).party,
        lines=(ubl.Line("Servicii de contabilitate – iulie", "", Decimal(1), "C62", Decimal("1500.00"), "S",
                        Decimal(21)),),
    )
    xml = ubl.render(doc)
    if break_totals:  # BT-112 no longer equals BT-109 + BT-110
        xml = xml.replace(b'<cbc:TaxInclusiveAmount currencyID="RON">1815.00',
                          b'<cbc:TaxInclusiveAmount currencyID="RON">1915.00')
        assert b"1915.00" in xml
    return xml


def _upload(api, cif, body, standard="UBL"):
    r = api("upload", method="POST", params={"standard": standard, "cif": cif}, data=body,
            headers={"Content-Type": "text/plain"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
    return etree.fromstring(r.content, PARSER)


def _state(api, index):
    return etree.fromstring(api("stareMesaj", params={"id_incarcare": index}).content, PARSER)


def _ids(api, cif, tip):
    body = api("listaMesajeFactura", params={"zile": 1, "cif": cif}).json()
    return {m["id_solicitare"]: m for m in body.get("mesaje", []) if m["tip"] == tip}


def test_upload_creates_sent_for_the_seller_and_received_for_a_seeded_buyer(api, world):
    seller, buyer = world["companies"][0]["cif"], world["companies"][1]["cif"]
    body = _invoice(seller, buyer)
    answer = _upload(api, seller, body)
    assert answer.get("ExecutionStatus") == "0" and len(answer.get("dateResponse")) == 12
    index = answer.get("index_incarcare")
    state = _state(api, index)
    assert state.get("stare") == "ok"
    sent, received = _ids(api, seller, "FACTURA TRIMISA"), _ids(api, buyer, "FACTURA PRIMITA")
    assert index in sent and index in received
    assert sent[index]["id"] == state.get("id_descarcare")
    assert sent[index]["detalii"] == (f"Factura cu id_incarcare={index} emisa de cif_emitent={seller} "
                                      f"pentru cif_beneficiar={buyer}")
    with zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": received[index]["id"]}).content)) as zf:
        assert zf.read(f"{index}.xml") == body  # the original bytes, exactly as uploaded


def test_invalid_invoice_becomes_erori_factura(api, world):
    seller, buyer = world["companies"][0]["cif"], world["partners"][0]["cif"]
    index = _upload(api, seller, _invoice(seller, buyer, break_totals=True)).get("index_incarcare")
    assert _state(api, index).get("stare") == "nok"
    errors = _ids(api, seller, "ERORI FACTURA")
    with zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": errors[index]["id"]}).content)) as zf:
        doc = etree.fromstring(zf.read(f"{index}.xml"), PARSER)
    assert doc.tag == "{mfp:anaf:dgti:efactura:mesajEroriFactuta:v1}header"
    assert "BR-CO-15" in doc[0].get("errorMessage")
    assert index not in _ids(api, seller, "FACTURA TRIMISA")


def test_duplicate_upload_is_rejected_in_processing(api, world):
    seller, buyer = world["companies"][0]["cif"], world["partners"][0]["cif"]
    first = _upload(api, seller, _invoice(seller, buyer, "DUP-1")).get("index_incarcare")
    second = _upload(api, seller, _invoice(seller, buyer, "DUP-1")).get("index_incarcare")
    assert _state(api, second).get("stare") == "nok"
    errors = _ids(api, seller, "ERORI FACTURA")
    with zipfile.ZipFile(io.BytesIO(api("descarcare", params={"id": errors[second]["id"]}).content)) as zf:
        message = etree.fromstring(zf.read(f"{second}.xml"), PARSER)[0].get("errorMessage")
    assert message.startswith(f"Factura a mai fost transmisa anterior cu index={first} si data incarcare=2026-")


def test_upload_rejections(api, world):
    seller = world["companies"][0]["cif"]

    def rejected(cif=seller, body=b"<x/>", standard="UBL", **extra):
        r = api("upload", method="POST", params={"standard": standard, "cif": cif, **extra}, data=body)
        root = etree.fromstring(r.content, PARSER)
        assert root.get("ExecutionStatus") == "1" and root.get("index_incarcare") is None
        return root.find(f"{UPLOAD_NS}Errors").get("errorMessage")

    assert rejected(standard="XYZ") == "Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP"
    assert rejected(cif="123a") == "CIF introdus= 123a nu este un numar"
    assert rejected(cif="8486152") == "Nu aveti drept in SPV pentru CIF=8486152"
    assert rejected(extern="NU") == "Daca parametrul extern trebuie completat, valoarea acceptata este DA"
    assert rejected(body=b"<Invoice1/>").endswith("cvc-elt.1.a: Cannot find the declaration of element 'Invoice1'. ")
    sax_error = "Fisierul transmis nu este valid. org.xml.sax.SAXParseException; lineNumber: "
    assert rejected(body=b"<Invoice").startswith(sax_error + "1;")
    schema_invalid = _invoice(seller, world["partners"][0]["cif"]).replace(
        b"<cbc:IssueDate>2026-07-15</cbc:IssueDate>", b"")
    assert rejected(body=schema_invalid).startswith(sax_error)
    r = api("upload", method="POST", params={"standard": "UBL"}, data=b"<x/>")
    assert r.status_code == 400 and r.json()["message"] == "Parametrii standard si cif sunt obligatorii"
    r = api("upload", method="POST", params={"standard": "UBL", "cif": seller}, data=b"")
    assert r.status_code == 400 and r.json()["message"] == "Trebuie sa aveti atasat in request un fisier de tip xml"


def test_buyer_message_upload_reaches_both_parties(api, world):
    seller, buyer = world["companies"][0]["cif"], world["companies"][1]["cif"]
    index = _upload(api, seller, _invoice(seller, buyer, "RASP-1")).get("index_incarcare")
    rasp = (f'<header xmlns="mfp:anaf:dgti:spv:reqMesaj:v1" index_incarcare="{index}" '
            'message="Cantitate greșită"/>').encode()
    answer = _upload(api, buyer, rasp, standard="RASP")
    assert answer.get("ExecutionStatus") == "0"
    tip = "MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS"
    assert answer.get("index_incarcare") in _ids(api, buyer, tip)
    assert answer.get("index_incarcare") in _ids(api, seller, tip)


def test_processing_delay_shows_in_prelucrare_first():
    w = build_world(1)
    seller, buyer = w.companies[0].cif, w.partners[0].cif
    with running_sandbox(SandboxConfig(seed=1, start_time=START, processing_delay_s=120)) as sb:
        cert = max(sb.certificates(), key=lambda c: len(c["cifs"]))
        headers = sb.bearer(cert["serial"])
        r = requests.post(f"{sb.api_url}/upload", params={"standard": "UBL", "cif": seller},
                          data=_invoice(seller, buyer), headers=headers, timeout=10)
        index = etree.fromstring(r.content, PARSER).get("index_incarcare")
        state = lambda: etree.fromstring(requests.get(f"{sb.api_url}/stareMesaj", params={"id_incarcare": index},  # noqa: E731
                                                      headers=headers, timeout=10).content, PARSER)
        assert state().get("stare") == "in prelucrare" and state().get("id_descarcare") is None
        sb.advance_clock(121)
        assert state().get("stare") == "ok" and state().get("id_descarcare")


def test_concurrent_uploads_and_downloads_stay_consistent(sb, bearer, world):
    # GIVEN the threaded server WHEN 4 clients upload and download at once
    from concurrent.futures import ThreadPoolExecutor

    seller, buyer = world["companies"][0]["cif"], world["companies"][1]["cif"]

    def work(worker: int) -> list[str]:
        session = requests.Session()
        session.headers.update(bearer)
        indexes = []
        for n in range(8):
            r = session.post(f"{sb.api_url}/upload", params={"standard": "UBL", "cif": seller},
                             data=_invoice(seller, buyer, f"PAR-{worker}-{n}"), timeout=30)
            indexes.append(etree.fromstring(r.content, PARSER).get("index_incarcare"))
            listing = session.get(f"{sb.api_url}/listaMesajeFactura", params={"zile": 60, "cif": buyer},
                                  timeout=30).json()
            session.get(f"{sb.api_url}/descarcare", params={"id": listing["mesaje"][n]["id"]},
                        timeout=30).raise_for_status()
        return indexes

    with ThreadPoolExecutor(4) as pool:
        indexes = [i for batch in pool.map(work, range(4)) for i in batch]
    # THEN every upload got its own index and reached both parties exactly once
    assert len(set(indexes)) == 32 and None not in indexes
    received = [m["id_solicitare"] for m in sb.messages(buyer, sha256=0)["messages"] if m["tip"] == "FACTURA PRIMITA"]
    assert all(received.count(i) == 1 for i in indexes)

"""The e-Factura client's own logic (requests sent, answer mapping) on stubbed HTTP.

The same outcomes are exercised end to end against the sandbox in test_sandbox_*.py.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.models import MessageFilter, MessageState, UploadStandard

API = "https://api.example.test/test/FCTEL/rest"
TOKEN = "eyJ.access.token"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client(make_http):
    return EFacturaClient(make_http(), api_url=API + "/", access_token=lambda: TOKEN)


def msg(n: int, tip: str = "FACTURA PRIMITA") -> dict:
    return {"data_creare": "202607150930", "cif": "8486152", "id_solicitare": str(5000 + n),
            "detalii": f"Factura cu id_incarcare={5000 + n}", "tip": tip, "id": str(3000 + n)}


def page_body(items, total_pages, current, total=None):
    return {"mesaje": items, "numar_inregistrari_in_pagina": len(items),
            "numar_total_inregistrari_per_pagina": 500, "numar_total_inregistrari": total or 0,
            "numar_total_pagini": total_pages, "index_pagina_curenta": current,
            "serial": "1234AA456", "cui": "8486152,34581625", "titlu": "Lista Mesaje"}


def query(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def test_a_page_is_asked_as_given_and_mapped(client, mocked, fake_clock):
    # GIVEN page 2 of 3, where ANAF's index_pagina_curenta is wrong (1)
    mocked.get(API + "/listaMesajePaginatieFactura",
               json=page_body([msg(1), msg(2)], total_pages=3, current=1, total=1002))
    now = fake_clock.now()
    start, end = now - timedelta(days=59), now - timedelta(minutes=1)
    # WHEN the sync asks for it
    page = client.list_messages_page("8486152", start, end, 2, MessageFilter.RECEIVED)
    # THEN the window and page went as given (the caller counts pages), with the filter
    assert query(mocked.calls[0]) == {"startTime": str(int(start.timestamp() * 1000)),
                                      "endTime": str(int(end.timestamp() * 1000)),
                                      "cif": "8486152", "pagina": "2", "filtru": "P"}
    # AND the answer is mapped: our page number, ANAF's totals, the holder's CIFs and serial
    assert [m.id for m in page.messages] == ["3001", "3002"]
    assert (page.page, page.total_pages, page.total_records) == (2, 3, 1002)
    assert page.holder_cifs == ("8486152", "34581625") and page.serial == "1234AA456"


def test_no_messages_in_the_window_is_an_empty_page(client, mocked, fake_clock):
    mocked.get(API + "/listaMesajePaginatieFactura",
               json={"eroare": "Nu exista mesaje in intervalul selectat", "titlu": "Lista Mesaje"})
    now = fake_clock.now()
    page = client.list_messages_page("8486152", now - timedelta(days=1), now)
    assert page.messages == () and page.total_pages == 0 and len(mocked.calls) == 1


def test_filter_and_bearer_token_are_sent(client, mocked):
    mocked.get(API + "/listaMesajeFactura", json={"mesaje": [msg(1)], "cui": "8486152",
                                                  "serial": "AB", "titlu": "x"})
    listing = client.list_messages("8486152", 5, MessageFilter.RECEIVED)
    call = mocked.calls[0]
    assert query(call) == {"zile": "5", "cif": "8486152", "filtru": "P"}
    assert call.request.headers["Authorization"] == "Bearer " + TOKEN
    assert len(listing.messages) == 1


@pytest.mark.parametrize("days", [0, 61])
def test_days_outside_one_to_sixty_are_a_programming_error(client, days):
    with pytest.raises(ValueError, match="days must be between 1 and 60"):
        client.list_messages("8486152", days)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token(client, mocked, status):
    mocked.get(API + "/listaMesajeFactura", status=status, json={"error": "Unauthorized"})
    with pytest.raises(errors.AnafTokenRejected) as caught:
        client.list_messages("8486152", 1)
    assert caught.value.http_status == status


def test_spring_400_is_an_invalid_request(client, mocked):
    mocked.get(API + "/descarcare", status=400, json={
        "timestamp": "05-08-2021 12:04:01", "status": 400, "error": "Bad Request",
        "message": "Parametrul id este obligatoriu"})
    with pytest.raises(errors.AnafInvalidRequest) as caught:
        client.download("")
    assert caught.value.message == "Parametrul id este obligatoriu"


def test_download_daily_limit_as_text_plain_with_stray_brace(client, mocked, fake_clock):
    mocked.get(API + "/descarcare", content_type="text/plain",
               body='{"eroare":"S-au facut deja 10 descarcari de mesaj in cursul zilei",'
                    '"titlu":"Descarcare mesaj"}}')
    with pytest.raises(errors.AnafDailyLimitReached) as caught:
        client.download("3001")
    assert caught.value.retry_at > fake_clock.now()


def test_download_of_html_waf_page(client, mocked):
    mocked.get(API + "/descarcare", content_type="text/html",
               body="<html><body>The requested URL was rejected. Your support ID is: 42</body></html>")
    with pytest.raises(errors.AnafWafRejected) as caught:
        client.download("3001")
    assert caught.value.support_id == "42"


def test_download_of_non_zip_bytes_is_corrupt(client, mocked):
    mocked.get(API + "/descarcare", body=b"\x00\x01garbage", content_type="application/zip")
    with pytest.raises(errors.AnafCorruptZip):
        client.download("3001")


def test_download_returns_bytes_and_their_sha256(client, mocked):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("5001.xml", "<Invoice/>")
        archive.writestr("semnatura_5001.xml", "<Signature/>")
    mocked.get(API + "/descarcare", body=buffer.getvalue(), content_type="application/zip")
    downloaded = client.download("3001")
    assert downloaded.content == buffer.getvalue()
    assert downloaded.sha256 == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert set(downloaded.member_names) == {"5001.xml", "semnatura_5001.xml"}
    assert "content=" not in repr(downloaded)     # no megabytes of bytes in logs


@pytest.mark.parametrize(("body", "state", "download_id"), [
    ('<header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1" stare="ok" id_descarcare="1234"/>',
     MessageState.OK, "1234"),
    ('<header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1" stare="nok" id_descarcare="99"/>',
     MessageState.NOK, "99"),
    ('<header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1" stare="in prelucrare"/>',
     MessageState.PROCESSING, None),
    (('<header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1" '
      'stare="XML cu erori nepreluat de sistem"/>'), MessageState.REJECTED, None),
])
def test_message_status_states(client, mocked, body, state, download_id):
    mocked.get(API + "/stareMesaj", body=body, content_type="application/xml")
    status = client.message_status("5001")
    assert (status.state, status.download_id) == (state, download_id)


@pytest.mark.parametrize(("text", "expected"), [
    ("Nu exista factura cu id_incarcare= 15000", errors.AnafMessageNotFound),
    ("Nu aveti dreptul de inteorgare pentru id_incarcare= 18", errors.AnafMessageForbidden),
    ("Nu exista niciun CIF petru care sa aveti drept", errors.AnafNoSpvRights),
    ("S-au facut deja 100 descarcari de mesaj in cursul zilei", errors.AnafDailyLimitReached),
])
def test_message_status_errors(client, mocked, text, expected):
    mocked.get(API + "/stareMesaj", content_type="application/xml",
               body=f'<header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1">'
                    f'<Errors errorMessage="{text}"/></header>')
    with pytest.raises(expected):
        client.message_status("15000")


def test_upload_success_gives_the_upload_index(client, mocked):
    mocked.post(API + "/upload", content_type="application/xml",
                body='<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     '<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" dateResponse="202108051140" '
                     'ExecutionStatus="0" index_incarcare="3828"/>')
    receipt = client.upload(b"<Invoice/>", "8486152", UploadStandard.UBL, self_billed=True)
    assert receipt.upload_index == "3828"
    assert receipt.response_date.year == 2021
    assert query(mocked.calls[0]) == {"standard": "UBL", "cif": "8486152", "autofactura": "DA"}
    assert mocked.calls[0].request.body == b"<Invoice/>"


def test_upload_rejection_keeps_every_error(client, mocked):
    mocked.post(API + "/uploadb2c", content_type="application/xml",
                body='<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" ExecutionStatus="1">'
                     '<Errors errorMessage="Fisierul transmis nu este valid. cvc-elt.1.a"/>'
                     '<Errors errorMessage="alta eroare"/></header>')
    with pytest.raises(errors.AnafUploadRejected) as caught:
        client.upload(b"<Invoice1/>", "8486152", b2c=True)
    assert caught.value.errors == ("Fisierul transmis nu este valid. cvc-elt.1.a", "alta eroare")


def test_upload_without_spv_rights(client, mocked):
    mocked.post(API + "/upload", content_type="application/xml",
                body='<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" ExecutionStatus="1">'
                     '<Errors errorMessage="Nu aveti drept in SPV pentru CIF=1234"/></header>')
    with pytest.raises(errors.AnafNoSpvRights) as caught:
        client.upload(b"<Invoice/>", "1234")
    assert caught.value.cif == "1234"


def test_upload_is_not_resent_when_anaf_fails(client, mocked):
    mocked.post(API + "/upload", status=503)
    with pytest.raises(errors.AnafUnavailable):
        client.upload(b"<Invoice/>", "8486152")
    assert len(mocked.calls) == 1


def test_token_provider_is_asked_on_every_call(make_http, mocked):
    tokens = iter(["first", "second"])
    client = EFacturaClient(make_http(), api_url=API, access_token=lambda: next(tokens))
    mocked.get(API + "/listaMesajeFactura", json={"mesaje": []})
    client.list_messages("1", 1)
    client.list_messages("1", 1)
    assert [c.request.headers["Authorization"] for c in mocked.calls] == ["Bearer first",
                                                                           "Bearer second"]

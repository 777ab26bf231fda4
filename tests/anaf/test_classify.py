"""ANAF's Romanian texts and HTML pages become the right domain errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.classify import (
    classify_business_error,
    classify_html,
    is_empty_list,
    looks_like_html,
    parse_json_object,
)

NOW = datetime(2026, 7, 15, 9, 30, tzinfo=UTC)   # 12:30 in Bucharest


@pytest.mark.parametrize("text", [
    "Nu exista mesaje in ultimele 15 zile",
    "Nu exista mesaje in intervalul selectat",
    "  nu exista  mesaje in ultimele 1 zile ",
])
def test_no_messages_is_an_empty_result(text):
    assert is_empty_list(text)


@pytest.mark.parametrize("text", [
    "Nu exista niciun CIF pentru care sa aveti drept in SPV",
    "Nu exista factura cu id_incarcare= 15000",
])
def test_other_nu_exista_texts_are_not_empty_lists(text):
    assert not is_empty_list(text)


DAILY_LIMITS = [
    # list, swagger wording
    "S-au facut deja 1000 interogari de lista mesaje de catre utilizator in cursul zilei",
    # list, production wording
    "S-au facut deja 1500 de interogari de tip lista mesaje de catre CUI=8000000000 in cursul zilei",
    # download, swagger / production / the wording quoted by an anaf-php user
    "S-au facut deja 10 descarcari de mesaj in cursul zilei",
    "S-au facut deja 10 descarcari la mesajul cu id_descarcare=3001503294 in cursul zilei",
    "Ai atins limita de 10 descarcari a facturii pentru astazi.",
    # status and RASP upload
    "S-au facut deja 20 descarcari de mesaj in cursul zilei",
    "S-au incarcat deja 1000 de mesaje de tip RASP pentru cui=1234 in cursul zilei",
    # with diacritics, as a future ANAF release might write it
    "S-au făcut deja 10 descărcări la mesajul cu id_descarcare=1 în cursul zilei",
]


@pytest.mark.parametrize("text", DAILY_LIMITS)
def test_daily_limits_say_when_to_retry(text):
    # GIVEN a daily-limit answer at 12:30 Bucharest time
    error = classify_business_error(text, NOW)
    # THEN it is a daily limit that lifts at the next Romanian midnight
    assert isinstance(error, errors.AnafDailyLimitReached)
    assert error.code == "anaf_daily_limit"
    assert error.retry_at == datetime(2026, 7, 15, 21, 0, tzinfo=UTC)
    assert error.retry_after == pytest.approx(11.5 * 3600)
    assert error.message == text


@pytest.mark.parametrize(("text", "cif"), [
    ("Nu aveti drept in SPV pentru CIF=8000000000", "8000000000"),
    ("Nu exista niciun CIF pentru care sa aveti drept in SPV", None),
    ("Nu exista niciun CIF petru care sa aveti drept", None),   # stareMesaj, sic
])
def test_no_spv_rights(text, cif):
    error = classify_business_error(text, NOW)
    assert isinstance(error, errors.AnafNoSpvRights)
    assert error.code == "anaf_no_spv_rights"
    assert error.cif == cif


@pytest.mark.parametrize(("text", "expected"), [
    (("Fisierul nu mai poate fi descarcat pentru ca a trecut perioada de 60 de zile in care "
      "este disponibil"), errors.AnafMessageExpired),
    ("Pentru id=21 nu exista inregistrata nici o factura", errors.AnafMessageNotFound),
    ("Nu exista factura cu id_incarcare= 15000", errors.AnafMessageNotFound),
    ("Nu aveti dreptul sa descarcati acesta factura", errors.AnafMessageForbidden),
    ("Nu aveti dreptul de inteorgare pentru id_incarcare= 18", errors.AnafMessageForbidden),
    ("A aparut o eroare tehnica. Cod: 123", errors.AnafTechnicalError),
    (("Lista de mesaje este mai mare decat numarul de 500 elemente permise in pagina. Folositi "
      "endpoint-ul cu paginatie."), errors.AnafListTooLarge),
    ("CIF introdus= aaa nu este un numar", errors.AnafInvalidRequest),
    ("Numarul de zile trebuie sa fie intre 1 si 60", errors.AnafInvalidRequest),
    ("Valorile acceptate pentru parametrul filtru sunt E, T, P sau R", errors.AnafInvalidRequest),
    (("startTime = 09-07-2022 10:41:11 nu poate fi mai vechi de 60 de zile fata de momentul "
      "requestului"), errors.AnafInvalidRequest),
    (("endTime = 02-12-2022 11:49:24 nu poate in viitor fata de momentul requestului = "
      "02-11-2022 11:49:24"), errors.AnafInvalidRequest),
    ("Pagina solicitata 50 este mai mare decat numarul toatal de pagini 29",
     errors.AnafInvalidRequest),
    ("Parametrii startTime, endTime, cif si pagina sunt obligatorii", errors.AnafInvalidRequest),
    ("Ceva complet nou de la ANAF", errors.AnafRejected),
])
def test_business_errors(text, expected):
    error = classify_business_error(text, NOW)
    assert type(error) is expected
    assert error.message == text


def test_every_error_class_has_its_own_stable_code():
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.AnafError)]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)) and len(codes) >= 20
    assert all(code.startswith("anaf_") for code in codes)


WAF_PAGE = (b"<html><head><title>Request Rejected</title></head><body>The requested URL was "
            b"rejected. Please consult with your administrator.<br><br>Your support ID is: "
            b"18230876054118401234<br><br><a href='javascript:history.back();'>[Go Back]</a>"
            b"</body></html>")
MAINTENANCE_PAGE = ("<!DOCTYPE html><html><body><h1>Mentenanță sistem</h1><p>Vă rugăm "
                    "reveniți</p></body></html>").encode()


def test_waf_page_keeps_the_support_id():
    assert looks_like_html(WAF_PAGE, "")
    error = classify_html(WAF_PAGE, 200)
    assert isinstance(error, errors.AnafWafRejected)
    assert isinstance(error, errors.AnafUnavailable)
    assert error.support_id == "18230876054118401234"


def test_maintenance_page_with_diacritics():
    error = classify_html(MAINTENANCE_PAGE, 404)
    assert isinstance(error, errors.AnafMaintenance)
    assert error.http_status == 404


def test_unknown_html_is_unexpected():
    error = classify_html(b"<html><body>hello</body></html>", 200)
    assert type(error) is errors.AnafUnexpectedResponse


def test_json_with_anafs_stray_brace_still_parses():
    body = b'{"eroare":"S-au facut deja 10 descarcari de mesaj in cursul zilei","titlu":"Descarcare mesaj"}}'
    assert parse_json_object(body)["titlu"] == "Descarcare mesaj"
    assert parse_json_object(b"PK\x03\x04") is None
    assert parse_json_object(b"[1, 2]") is None

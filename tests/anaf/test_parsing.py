"""Envelopes, XML headers, ZIP bytes and lookup records become typed values."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.lookup import parse_company
from chalicelib.anaf.models import MessageKind
from chalicelib.anaf.parsing import check_zip, parse_message, parse_xml_root, split_cifs


def entry(**overrides):
    item = {"data_creare": "202211011336", "cif": "8000000000", "id_solicitare": "5001131297",
            "detalii": "Factura cu id_incarcare=5001131297 emisa de cif_emitent=8000000000 "
                       "pentru cif_beneficiar=3",
            "tip": "FACTURA TRIMISA", "id": "3001503294"}
    item.update(overrides)
    return item


def test_list_entry_becomes_a_typed_message():
    message = parse_message(entry())
    assert message.id == "3001503294"
    assert message.upload_index == "5001131297"
    assert message.cif == "8000000000"
    assert message.kind is MessageKind.SENT
    assert message.created_at == datetime(2022, 11, 1, 11, 36, tzinfo=UTC)
    assert "cif_beneficiar=3" in message.details


@pytest.mark.parametrize(("tip", "kind"), [
    ("FACTURA PRIMITA", MessageKind.RECEIVED),
    ("FACTURA TRIMISA", MessageKind.SENT),
    ("ERORI FACTURA", MessageKind.ERROR),
    ("MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS", MessageKind.BUYER_MESSAGE),
    ("MESAJ CUMPARATOR PRIMIT", MessageKind.BUYER_MESSAGE),
    ("MESAJ CUMPARATOR TRANSMIS", MessageKind.BUYER_MESSAGE),
    ("Factura primita", MessageKind.RECEIVED),
    ("CEVA NOU", MessageKind.UNKNOWN),
])
def test_tip_maps_to_a_kind(tip, kind):
    message = parse_message(entry(tip=tip))
    assert message.kind is kind
    assert message.tip == tip     # the raw value is kept for kinds we do not know yet


@pytest.mark.parametrize("broken", [entry(data_creare="2022-11-01"), {"tip": "FACTURA PRIMITA"},
                                    "not an object"])
def test_malformed_entries_are_unexpected_responses(broken):
    with pytest.raises(errors.AnafUnexpectedResponse):
        parse_message(broken)


def test_holder_cifs_come_from_the_comma_separated_cui():
    assert split_cifs({"cui": "0123456789012,12345678"}) == ("0123456789012", "12345678")
    assert split_cifs({"cui": "8000000000"}) == ("8000000000",)
    assert split_cifs({"cui": " 1 , ,2 "}) == ("1", "2")
    assert split_cifs({}) == ()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD_ZIP = make_zip({"5004879752.xml": b"<Invoice/>" * 50,
                     "semnatura_5004879752.xml": b"<Signature/>" * 50})


def test_valid_zip_lists_its_members():
    assert check_zip(GOOD_ZIP) == ("5004879752.xml", "semnatura_5004879752.xml")


@pytest.mark.parametrize("content", [
    GOOD_ZIP[: len(GOOD_ZIP) // 2],            # truncated: no central directory
    b"",
    b"PK\x03\x04 definitely not a zip",
    b'{"eroare": "x"}',
    make_zip({}),                               # an empty archive is useless too
])
def test_broken_zips_are_refused(content):
    with pytest.raises(errors.AnafCorruptZip) as caught:
        check_zip(content)
    assert caught.value.code == "anaf_corrupt_zip"


def test_zip_with_a_damaged_member_fails_the_crc_check():
    # GIVEN a ZIP whose directory is fine but whose compressed bytes were altered
    damaged = bytearray(make_zip({"1.xml": b"A" * 2000, "semnatura_1.xml": b"B" * 2000}))
    start = damaged.index(b"1.xml") + len(b"1.xml")
    damaged[start + 2] ^= 0xFF
    with pytest.raises(errors.AnafCorruptZip):
        check_zip(bytes(damaged))


def test_xml_with_a_dtd_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><header stare="&b;"/>')
    assert parse_xml_root(bomb) is None
    assert parse_xml_root(b'<header xmlns="x" stare="ok"/>').get("stare") == "ok"
    assert parse_xml_root(b'{"json": true}') is None


V9_FOUND = {
    "date_generale": {"cui": 8486152, "data": "2026-07-15", "denumire": "TOTAL SECURITY S.A.",
                      "adresa": "MUNICIPIUL BUCUREŞTI, SECTOR 2, STR. X NR.1",
                      "nrRegCom": "J40/1234/1995", "stare_inregistrare": "INREGISTRAT din data 01.02.1995",
                      "statusRO_e_Factura": True},
    "inregistrare_scop_Tva": {"scpTVA": True, "perioade_TVA": [{"data_inceput_ScpTVA": "1995-02-01"}]},
    "inregistrare_RTVAI": {"statusTvaIncasare": False},
    "stare_inactiv": {"dataInactivare": "", "dataRadiere": "", "statusInactivi": False},
}


def test_v9_record_becomes_a_company():
    company = parse_company(V9_FOUND)
    assert company.cif == "8486152"
    assert company.name == "TOTAL SECURITY S.A."
    assert company.registration_number == "J40/1234/1995"
    assert company.vat_payer and company.efactura_registered
    assert not company.inactive and not company.radiated and not company.vat_on_collection
    assert company.raw["inregistrare_scop_Tva"]["perioade_TVA"][0]["data_inceput_ScpTVA"] == "1995-02-01"


def test_radiated_and_inactive_company():
    record = dict(V9_FOUND, stare_inactiv={"dataInactivare": "2020-01-01", "dataRadiere": "2021-03-04",
                                            "statusInactivi": True})
    company = parse_company(record)
    assert company.inactive and company.radiated


def test_v9_record_without_cui_is_unexpected():
    with pytest.raises(errors.AnafUnexpectedResponse):
        parse_company({"date_generale": {}})

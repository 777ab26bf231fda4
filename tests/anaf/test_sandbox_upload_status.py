"""Uploading to the sandbox and following the upload with stareMesaj."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.models import MessageKind, MessageState, UploadStandard


def sent_invoice(sb, efactura, cif: str) -> bytes:
    """The XML of an invoice `cif` issued (taken from its own SPV)."""
    message = next(m for m in sb.messages(cif, sha256=0, limit=100000)["messages"]
                   if m["tip"] == MessageKind.SENT.value and m["downloadable"])
    archive = zipfile.ZipFile(io.BytesIO(efactura.download(message["id"]).content))
    return archive.read(f"{message['id_solicitare']}.xml")


def renumbered(xml: bytes, number: str) -> bytes:
    return re.sub(rb"(<cbc:ID>)[^<]+(</cbc:ID>)", rb"\g<1>" + number.encode() + rb"\g<2>", xml,
                  count=1)


def issuer_with_sent_invoices(sb, accountant) -> str:
    return next(cif for cif in accountant["cifs"]
                if any(m["tip"] == MessageKind.SENT.value and m["downloadable"]
                       for m in sb.messages(cif, sha256=0, limit=100000)["messages"]))


def test_new_invoice_is_accepted_and_processed_ok(sb, efactura, accountant):
    cif = issuer_with_sent_invoices(sb, accountant)
    xml = renumbered(sent_invoice(sb, efactura, cif), "ARH-TEST-0001")
    # WHEN uploaded
    receipt = efactura.upload(xml, cif, UploadStandard.UBL)
    # THEN ANAF gives an index, and the status says ok with a download id
    assert receipt.upload_index.isdigit() and receipt.response_date is not None
    status = efactura.message_status(receipt.upload_index)
    assert status.state is MessageState.OK and status.download_id
    assert efactura.download(status.download_id).member_names


def test_duplicate_invoice_is_processed_nok(sb, efactura, accountant):
    cif = issuer_with_sent_invoices(sb, accountant)
    xml = sent_invoice(sb, efactura, cif)
    receipt = efactura.upload(xml, cif)
    status = efactura.message_status(receipt.upload_index)
    assert status.state is MessageState.NOK and status.download_id


def test_malformed_xml_is_rejected_at_upload(sb, efactura, accountant):
    with pytest.raises(errors.AnafUploadRejected) as caught:
        efactura.upload(b"<Invoice1 xmlns='x'/>", accountant["cifs"][0])
    assert caught.value.code == "anaf_upload_rejected"
    assert caught.value.errors and "nu este valid" in caught.value.errors[0]


def test_upload_for_a_cif_without_rights(sb, efactura, world):
    partner = world["partners"][0]["cif"]
    with pytest.raises(errors.AnafNoSpvRights) as caught:
        efactura.upload(b"<Invoice/>", partner)
    assert caught.value.cif == partner


def test_buyer_message_daily_quota(sb, efactura, accountant):
    cif = accountant["cifs"][0]
    sb.set_limit("rasp", cif, exhaust=True)
    rasp = (b'<header xmlns="mfp:anaf:dgti:spv:reqMesaj:v1" index_incarcare="1" '
            b'message="Factura nu corespunde comenzii"/>')
    with pytest.raises(errors.AnafDailyLimitReached):
        efactura.upload(rasp, cif, UploadStandard.BUYER_MESSAGE)


def test_status_of_an_unknown_upload(sb, efactura):
    with pytest.raises(errors.AnafMessageNotFound):
        efactura.message_status("15000")


def test_status_of_someone_elses_upload(sb, accountant, world, settings_for_sandbox, http):
    # GIVEN an upload filed by a partner (outside the accountant's SPV rights)
    partners = {p["cif"] for p in world["partners"]}
    received = next(m for m in sb.messages(accountant["cifs"][0], sha256=0)["messages"]
                    if m["tip"] == MessageKind.RECEIVED.value
                    and re.search(r"cif_emitent=(\d+)", m["detalii"]).group(1) in partners)
    client = EFacturaClient.from_settings(settings_for_sandbox, http,
                                          sb.tokens_for(accountant["serial"])["access_token"])
    with pytest.raises(errors.AnafMessageForbidden):
        client.message_status(received["id_solicitare"])


def test_status_without_any_rights(sb, no_rights, settings_for_sandbox, http):
    client = EFacturaClient.from_settings(settings_for_sandbox, http,
                                          sb.tokens_for(no_rights["serial"])["access_token"])
    with pytest.raises(errors.AnafNoSpvRights):
        client.message_status("15000")


def test_status_daily_quota(sb, efactura, accountant):
    cif = issuer_with_sent_invoices(sb, accountant)
    sent = next(m for m in sb.messages(cif, sha256=0, limit=100000)["messages"]
                if m["tip"] == MessageKind.SENT.value)
    sb.set_limit("stare", sent["id_solicitare"], exhaust=True)
    with pytest.raises(errors.AnafDailyLimitReached):
        efactura.message_status(sent["id_solicitare"])

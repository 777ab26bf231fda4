"""Downloading message ZIPs from the sandbox, and every way a download can fail."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.models import MessageKind

DOWNLOAD = "/prod/FCTEL/rest/descarcare"


def first_downloadable(sb, cif: str, kind: str | None = None) -> dict:
    messages = sb.messages(cif, limit=100000)["messages"]
    return next(m for m in messages if m["downloadable"] and m["listable"]
                and (kind is None or m["tip"] == kind))


def test_download_gives_anafs_bytes_and_their_hash(sb, efactura, accountant):
    # GIVEN a received invoice
    message = first_downloadable(sb, accountant["cifs"][0], MessageKind.RECEIVED.value)
    # WHEN downloaded
    downloaded = efactura.download(message["id"])
    # THEN the bytes are exactly the sandbox's ZIP, with the upload's two members
    assert downloaded.sha256 == message["sha256"]
    assert hashlib.sha256(downloaded.content).hexdigest() == message["sha256"]
    assert sorted(downloaded.member_names) == sorted(
        [f"{message['id_solicitare']}.xml", f"semnatura_{message['id_solicitare']}.xml"])


def test_error_message_zip_downloads_too(sb, efactura, accountant):
    message = first_downloadable(sb, accountant["cifs"][0], MessageKind.ERROR.value)
    assert efactura.download(message["id"]).sha256 == message["sha256"]


def test_message_older_than_sixty_days_is_expired(sb, efactura, accountant):
    messages = sb.messages(accountant["cifs"][0], sha256=0, limit=100000)["messages"]
    old = next(m for m in messages if not m["downloadable"])
    with pytest.raises(errors.AnafMessageExpired) as caught:
        efactura.download(old["id"])
    assert caught.value.code == "anaf_message_expired"
    assert "60 de zile" in caught.value.message


def test_listed_message_expires_once_the_clock_passes_sixty_days(sb, efactura, accountant, clock):
    message = first_downloadable(sb, accountant["cifs"][0])
    sb.advance_clock(61 * 86400)
    clock.sync()
    with pytest.raises(errors.AnafMessageExpired):
        efactura.download(message["id"])


def test_unknown_message(sb, efactura):
    with pytest.raises(errors.AnafMessageNotFound) as caught:
        efactura.download("999999999")
    assert caught.value.code == "anaf_message_not_found"


def test_message_of_a_company_without_rights(sb, accountant, administrator, settings_for_sandbox,
                                             http):
    other = next(cif for cif in accountant["cifs"] if cif not in administrator["cifs"])
    message = first_downloadable(sb, other)
    client = EFacturaClient.from_settings(settings_for_sandbox, http,
                                          sb.tokens_for(administrator["serial"])["access_token"])
    with pytest.raises(errors.AnafMessageForbidden) as caught:
        client.download(message["id"])
    assert caught.value.code == "anaf_message_forbidden"


def test_ten_downloads_a_day(sb, efactura, accountant, clock):
    message = first_downloadable(sb, accountant["cifs"][0])
    sb.set_limit("descarcare", message["id"], used=9)
    efactura.download(message["id"])            # the tenth still works
    with pytest.raises(errors.AnafDailyLimitReached) as caught:
        efactura.download(message["id"])
    assert caught.value.retry_at.astimezone(clock.now().tzinfo) > clock.now()
    assert clock.sleeps == []


@pytest.mark.parametrize("fault", ["corrupt_zip", "truncate_zip"])
def test_damaged_zip_is_reported_not_returned(sb, efactura, accountant, fault):
    message = first_downloadable(sb, accountant["cifs"][0])
    sb.add_fault(fault, path=DOWNLOAD, count=1, seed=3)
    with pytest.raises(errors.AnafCorruptZip) as caught:
        efactura.download(message["id"])
    assert caught.value.code == "anaf_corrupt_zip" and caught.value.retryable
    # AND the next download is fine again
    assert efactura.download(message["id"]).sha256 == message["sha256"]


def test_invalid_request_is_spring_400(sb, efactura):
    with pytest.raises(errors.AnafInvalidRequest) as caught:
        efactura.download("")
    assert caught.value.http_status == 400
    assert caught.value.message == "Parametrul id este obligatoriu"


def test_non_numeric_id_is_invalid(sb, efactura):
    with pytest.raises(errors.AnafInvalidRequest):
        efactura.download("12a")

"""ANAF being slow, down, behind its firewall or in maintenance (sandbox fault injection)."""

from __future__ import annotations

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.http import AnafHttp, RetryPolicy, Timeouts

LIST = "/prod/FCTEL/rest/listaMesajeFactura"


def test_transient_5xx_is_absorbed_by_retries(sb, efactura, accountant, clock):
    sb.add_fault("status", path=LIST, count=2, status=503)
    listing = efactura.list_messages(accountant["cifs"][0], 60)
    assert listing.messages
    assert clock.sleeps == pytest.approx([0.15, 0.3])   # equal jitter at 0.5 of 0.2 s, 0.4 s


def test_persistent_5xx_is_unavailable(sb, efactura, accountant, clock):
    sb.add_fault("status", path=LIST, count=10, status=502)
    with pytest.raises(errors.AnafUnavailable) as caught:
        efactura.list_messages(accountant["cifs"][0], 60)
    assert type(caught.value) is errors.AnafUnavailable
    assert caught.value.http_status == 502 and caught.value.retryable
    assert len(clock.sleeps) == 2


def test_time_outs_are_retried_then_unavailable(sb, settings_for_sandbox, clock, tokens, accountant):
    # GIVEN ANAF holds every connection longer than our read time-out
    impatient = AnafHttp(clock=clock, jitter=lambda: 0.5, timeouts=Timeouts(connect=1.0, read=0.3),
                         retry=RetryPolicy(max_attempts=2, base_delay=0.1))
    client = EFacturaClient.from_settings(settings_for_sandbox, impatient, tokens["access_token"])
    sb.add_fault("timeout", path=LIST, count=2, seconds=3)
    try:
        with pytest.raises(errors.AnafUnavailable) as caught:
            client.list_messages(accountant["cifs"][0], 60)
        assert "in time" in caught.value.message
        assert len(clock.sleeps) == 1
    finally:
        sb.reset()            # release the held connections
        impatient.close()


def test_a_single_time_out_is_absorbed(sb, settings_for_sandbox, clock, tokens, accountant):
    impatient = AnafHttp(clock=clock, jitter=lambda: 0.5, timeouts=Timeouts(connect=1.0, read=0.3),
                         retry=RetryPolicy(max_attempts=2, base_delay=0.1))
    client = EFacturaClient.from_settings(settings_for_sandbox, impatient, tokens["access_token"])
    sb.add_fault("timeout", path=LIST, count=1, seconds=3)
    try:
        assert client.list_messages(accountant["cifs"][0], 60).messages
    finally:
        sb.reset()
        impatient.close()


def test_latency_below_the_time_out_is_fine(sb, efactura, accountant, clock):
    sb.add_fault("latency", path=LIST, count=1, delay_ms=200)
    assert efactura.list_messages(accountant["cifs"][0], 60).messages
    assert clock.sleeps == []


def test_waf_page_is_reported_with_its_support_id_and_not_retried(sb, efactura, accountant):
    sb.add_fault("waf", path=LIST, count=1)
    with pytest.raises(errors.AnafWafRejected) as caught:
        efactura.list_messages(accountant["cifs"][0], 60)
    assert caught.value.code == "anaf_waf_rejected"
    assert caught.value.support_id and caught.value.support_id.isdigit()


@pytest.mark.parametrize("status", [200, 404])
def test_maintenance_page(sb, efactura, accountant, status):
    sb.add_fault("maintenance", path=LIST, count=1, status=status)
    with pytest.raises(errors.AnafMaintenance) as caught:
        efactura.list_messages(accountant["cifs"][0], 60)
    assert caught.value.code == "anaf_maintenance"
    assert isinstance(caught.value, errors.AnafUnavailable)


def test_maintenance_behind_503_is_maintenance_after_retries(sb, efactura, accountant, clock):
    sb.add_fault("maintenance", path=LIST, count=5, status=503)
    with pytest.raises(errors.AnafMaintenance):
        efactura.list_messages(accountant["cifs"][0], 60)
    assert len(clock.sleeps) == 2


def test_download_waf_page(sb, efactura, accountant):
    message = next(m for m in sb.messages(accountant["cifs"][0], sha256=0)["messages"]
                   if m["downloadable"])
    sb.add_fault("waf", path="/prod/FCTEL/rest/descarcare", count=1)
    with pytest.raises(errors.AnafWafRejected):
        efactura.download(message["id"])

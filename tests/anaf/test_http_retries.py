"""The transport's retry policy, on a fake clock (nothing really sleeps)."""

from __future__ import annotations

import email.utils
from datetime import timedelta

import pytest
import requests
import responses
from urllib3.exceptions import NewConnectionError

from chalicelib.anaf import errors
from chalicelib.anaf.http import RetryPolicy, parse_retry_after

URL = "https://api.example.test/prod/FCTEL/rest/listaMesajeFactura"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_5xx_is_retried_with_growing_backoff_then_succeeds(make_http, fake_clock, mocked):
    # GIVEN ANAF fails twice with 503 and then answers
    mocked.get(URL, status=503)
    mocked.get(URL, status=502)
    mocked.get(URL, json={"mesaje": []})
    # WHEN we call it
    response = make_http().request("GET", URL)
    # THEN we got the answer after 3 calls, waiting 0.75 s then 1.5 s (equal jitter at 0.5)
    assert response.status_code == 200
    assert len(mocked.calls) == 3
    assert fake_clock.sleeps == [0.75, 1.5]


def test_persistent_5xx_becomes_unavailable_after_bounded_attempts(make_http, fake_clock, mocked):
    mocked.get(URL, status=500)
    with pytest.raises(errors.AnafUnavailable) as caught:
        make_http().request("GET", URL)
    assert caught.value.code == "anaf_unavailable"
    assert caught.value.http_status == 500
    assert len(mocked.calls) == 4
    assert len(fake_clock.sleeps) == 3


def test_maintenance_page_behind_503_is_reported_as_maintenance(make_http, mocked):
    mocked.get(URL, status=503, body="<html><body>Mentenanta sistem</body></html>",
               content_type="text/html")
    with pytest.raises(errors.AnafMaintenance):
        make_http().request("GET", URL)
    assert len(mocked.calls) == 4


def test_429_honours_retry_after_seconds(make_http, fake_clock, mocked):
    mocked.get(URL, status=429, headers={"Retry-After": "7"})
    mocked.get(URL, json={"mesaje": []})
    assert make_http().request("GET", URL).status_code == 200
    assert fake_clock.sleeps == [7.0]


def test_429_honours_retry_after_http_date(make_http, fake_clock, mocked):
    when = email.utils.format_datetime(fake_clock.now() + timedelta(seconds=12), usegmt=True)
    mocked.get(URL, status=429, headers={"Retry-After": when})
    mocked.get(URL, json={"mesaje": []})
    make_http().request("GET", URL)
    assert fake_clock.sleeps == [pytest.approx(12.0)]


def test_429_with_a_long_retry_after_is_raised_not_slept(make_http, fake_clock, mocked):
    # GIVEN ANAF asks us to come back in an hour
    mocked.get(URL, status=429, headers={"Retry-After": "3600"})
    # THEN we do not block a Lambda for an hour: the caller gets the wait to reschedule
    with pytest.raises(errors.AnafRateLimited) as caught:
        make_http().request("GET", URL)
    assert caught.value.retry_after == 3600.0
    assert caught.value.code == "anaf_rate_limited"
    assert len(mocked.calls) == 1 and fake_clock.sleeps == []


def test_429_without_retry_after_uses_backoff_and_gives_up(make_http, fake_clock, mocked):
    mocked.get(URL, status=429)
    with pytest.raises(errors.AnafRateLimited) as caught:
        make_http().request("GET", URL)
    assert caught.value.retry_after is None
    assert fake_clock.sleeps == [0.75, 1.5, 3.0]


def test_business_error_on_200_is_never_retried(make_http, fake_clock, mocked):
    mocked.get(URL, json={"eroare": "A aparut o eroare tehnica. Cod: 1", "titlu": "Lista Mesaje"})
    response = make_http().request("GET", URL)
    assert response.status_code == 200
    assert len(mocked.calls) == 1 and fake_clock.sleeps == []


def test_400_is_returned_at_once(make_http, mocked):
    mocked.get(URL, status=400, json={"status": 400, "message": "Parametrii zile si cif sunt obligatorii"})
    assert make_http().request("GET", URL).status_code == 400
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("failure", [requests.ConnectionError("reset"), requests.ReadTimeout("slow")])
def test_get_is_retried_after_connection_errors_and_timeouts(make_http, fake_clock, mocked, failure):
    mocked.get(URL, body=failure)
    mocked.get(URL, json={"mesaje": []})
    assert make_http().request("GET", URL).status_code == 200
    assert len(mocked.calls) == 2 and fake_clock.sleeps == [0.75]


def test_time_outs_become_unavailable(make_http, mocked):
    mocked.get(URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(errors.AnafUnavailable) as caught:
        make_http().request("GET", URL)
    assert "in time" in caught.value.message
    assert len(mocked.calls) == 4


def test_non_idempotent_post_is_not_resent_after_a_read_timeout(make_http, mocked):
    # GIVEN an upload whose answer never came (ANAF may have stored it)
    mocked.post(URL, body=requests.ReadTimeout("slow"))
    # THEN we do not upload it a second time
    with pytest.raises(errors.AnafUnavailable):
        make_http().request("POST", URL, idempotent=False, data=b"<Invoice/>")
    assert len(mocked.calls) == 1


def test_non_idempotent_post_is_not_resent_after_a_5xx(make_http, mocked):
    mocked.post(URL, status=502)
    with pytest.raises(errors.AnafUnavailable):
        make_http().request("POST", URL, idempotent=False, data=b"<Invoice/>")
    assert len(mocked.calls) == 1


def test_non_idempotent_post_is_resent_when_it_never_left(make_http, mocked):
    never_connected = requests.ConnectionError(
        type("MaxRetry", (), {"reason": NewConnectionError(None, "refused")})())
    mocked.post(URL, body=never_connected)
    mocked.post(URL, body=requests.ConnectTimeout("no route"))
    mocked.post(URL, status=429)
    mocked.post(URL, body="<header ExecutionStatus='0'/>")
    assert make_http().request("POST", URL, idempotent=False, data=b"x").status_code == 200
    assert len(mocked.calls) == 4


def test_explicit_connect_and_read_timeouts_are_sent(make_http, mocked):
    mocked.get(URL, json={})
    make_http().request("GET", URL)
    assert mocked.calls[0].request.req_kwargs["timeout"] == (2.0, 5.0)


def test_backoff_is_exponential_capped_and_jittered():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    assert [policy.backoff(n, 0.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert [policy.backoff(n, 0.999) for n in range(1, 6)] == pytest.approx(
        [1.0, 2.0, 4.0, 8.0, 8.0], abs=0.01)


def test_retry_after_parsing(fake_clock):
    assert parse_retry_after("30", fake_clock.now()) == 30.0
    assert parse_retry_after(None, fake_clock.now()) is None
    assert parse_retry_after("soon", fake_clock.now()) is None

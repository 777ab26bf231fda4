"""Within an API request (its ANAF deadline) a client never sleeps past the deadline, whatever
ANAF's Retry-After or the call's retry policy say: it raises at once instead (on a fake clock).
The ANAF calls one API request makes share one deadline."""

from __future__ import annotations

import pytest
import responses

from chalicelib import dependencies
from chalicelib.anaf import errors
from chalicelib.anaf.http import MIN_ATTEMPT_S, RetryPolicy, request_deadline

URL = "https://webservicesp.example.test/api/PlatitorTvaRest/v9/tva"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_a_retry_after_longer_than_the_deadline_is_not_slept(make_http, fake_clock, mocked):
    # GIVEN ANAF answers 429 asking for 60 s, and an API request with 10 s left
    mocked.post(URL, status=429, headers={"Retry-After": "60"})
    http = make_http()
    # WHEN it calls with a policy that would honour up to 60 s
    with request_deadline(10.0, clock=fake_clock), pytest.raises(errors.AnafRateLimited) as caught:
        http.request("POST", URL, retry=RetryPolicy(max_attempts=3, max_retry_after=60.0))
    # THEN it raised after one call without sleeping, keeping ANAF's Retry-After for the caller
    assert fake_clock.sleeps == []
    assert len(mocked.calls) == 1
    assert caught.value.retry_after == 60.0


def test_backoffs_stop_when_the_next_one_would_pass_the_deadline(make_http, fake_clock, mocked):
    # GIVEN ANAF keeps failing with 503, and backoffs of 3, 6, 12 s (jitter 0.5)
    mocked.post(URL, status=503)
    http = make_http()
    with request_deadline(10.0, clock=fake_clock), pytest.raises(errors.AnafUnavailable):
        http.request("POST", URL, retry=RetryPolicy(max_attempts=5, base_delay=4.0, max_delay=16.0))
    # THEN it slept 3 + 6 = 9 s and gave up instead of sleeping 12 s more
    assert fake_clock.sleeps == [3.0, 6.0]
    assert sum(fake_clock.sleeps) <= 10.0


def test_a_short_retry_after_within_the_deadline_is_honoured(make_http, fake_clock, mocked):
    mocked.post(URL, status=429, headers={"Retry-After": "4"})
    mocked.post(URL, json={"found": [], "notFound": []})
    with request_deadline(10.0, clock=fake_clock):
        response = make_http().request("POST", URL)
    assert response.status_code == 200
    assert fake_clock.sleeps == [4.0]


def test_a_client_s_own_wait_budget_bounds_each_call_also_outside_a_request(make_http, fake_clock, mocked):
    # GIVEN ANAF answers 429 asking for 12 s, and a client that may wait 10 s per call (the
    # API's, which the workers also refresh tokens with)
    mocked.post(URL, status=429, headers={"Retry-After": "12"})
    with pytest.raises(errors.AnafRateLimited):
        make_http(max_wait_s=10.0).request("POST", URL, retry=RetryPolicy(max_attempts=3))
    # THEN it raised after one call without sleeping
    assert fake_clock.sleeps == []
    assert len(mocked.calls) == 1


def test_the_worker_client_has_no_wait_budget_and_the_api_client_ten_seconds_a_call():
    assert dependencies._API_ANAF_HTTP["max_wait_s"] == dependencies.API_ANAF_MAX_WAIT_S == 10.0
    assert dependencies.worker_anaf_http.__wrapped__().max_wait_s is None


def test_the_api_s_anaf_deadline_leaves_api_gateway_s_29_s_room():
    # The API's routes give their ANAF calls 20 s; one more attempt cannot start after them, and
    # the rest of the request (DynamoDB, S3, the answer) has the 9 s left.
    assert dependencies.API_ANAF_DEADLINE_S == 20.0
    assert dependencies.API_ANAF_DEADLINE_S + MIN_ATTEMPT_S < 29


def test_the_calls_of_one_api_request_share_its_deadline(make_http, fake_clock, mocked):
    # GIVEN ANAF answers 429 asking for 6 s, and an API request that makes two ANAF calls
    mocked.post(URL, status=429, headers={"Retry-After": "6"})
    http = make_http()
    policy = RetryPolicy(max_attempts=2, max_retry_after=60.0)
    with request_deadline(10.0, clock=fake_clock):
        # WHEN the first call waits 6 s once and gives up, and the second asks for 6 s more
        with pytest.raises(errors.AnafRateLimited):
            http.request("POST", URL, retry=policy)
        with pytest.raises(errors.AnafRateLimited):
            http.request("POST", URL, retry=policy)
    # THEN the request slept 6 s in all, not 6 s per call: the 4 s left cannot hold a second wait
    assert fake_clock.sleeps == [6.0]
    assert len(mocked.calls) == 3

    # AND outside a request (a worker) each call waits as its policy says
    with pytest.raises(errors.AnafRateLimited):
        http.request("POST", URL, retry=policy)
    assert fake_clock.sleeps == [6.0, 6.0]

"""ANAF counts every request it receives, retries included: a client given `before_retry`
(the sync workers' one, which spends a call of the shared budget) calls it before each retry,
and a retry it refuses is not sent (on a fake clock)."""

from __future__ import annotations

import pytest
import responses

from chalicelib import dependencies

URL = "https://api.example.test/prod/FCTEL/rest/descarcare"


class Refused(Exception):
    pass


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_each_retry_after_a_429_is_counted_before_it_is_sent(make_http, mocked):
    mocked.get(URL, status=429, headers={"Retry-After": "1"})
    mocked.get(URL, status=503)
    mocked.get(URL, json={"ok": True})
    counted: list[int] = []
    http = make_http(before_retry=lambda: counted.append(len(mocked.calls)))
    assert http.request("GET", URL).status_code == 200
    assert counted == [1, 2]  # once before the 2nd request, once before the 3rd


def test_a_retry_the_budget_refuses_is_not_sent(make_http, mocked):
    mocked.get(URL, status=429, headers={"Retry-After": "1"})

    def refuse() -> None:
        raise Refused

    with pytest.raises(Refused):
        make_http(before_retry=refuse).request("GET", URL)
    assert len(mocked.calls) == 1


def test_a_first_attempt_is_not_counted_by_the_transport(make_http, mocked):
    mocked.get(URL, json={"ok": True})
    counted: list[int] = []
    make_http(before_retry=lambda: counted.append(1)).request("GET", URL)
    assert counted == []  # the caller spent it (CallBudget.spend_list / spend_download)


def test_the_workers_client_counts_its_retries_and_the_apis_does_not():
    dependencies.reset()
    assert dependencies.worker_anaf_http()._before_retry == dependencies.call_budget().spend_call
    assert dependencies.api_anaf_http()._before_retry is None

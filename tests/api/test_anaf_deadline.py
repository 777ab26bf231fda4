"""API-path ANAF calls never take longer than the request can: ANAF's lookup answering 429 with
a 60 s Retry-After makes the API answer 503 with Retry-After at once, without sleeping 60 s
(the client's computed waits are recorded on a clock, not measured in wall time), and a lookup
answering slower than the request's ANAF deadline is cut at the deadline."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime

import pytest
import requests
from chalice.test import Client

from app import app
from chalicelib import dependencies
from chalicelib.anaf.http import request_deadline, request_time_left
from chalicelib.api import routing


def _lookup_fault(local_stack, **rule):
    """A fault rule on ANAF's company lookup in the sandbox for the test's duration (5 calls)."""
    faults = f"{local_stack.ports.sandbox_url}/__sandbox/faults"
    added = requests.post(faults, json={**rule, "path": "/api/PlatitorTvaRest", "count": 5}, timeout=10)
    assert added.status_code == 200, added.text
    yield
    requests.delete(faults, timeout=10)


def _add_company(user, cif: str):
    """POST /api/companies through Chalice's test client (in this process, so the test's
    monkeypatched clock and deadline apply)."""
    with Client(app) as client:
        return client.http.post("/api/companies", body=f'{{"cif": "{cif}"}}',
                                headers={"Authorization": user.http.headers["Authorization"],
                                         "Content-Type": "application/json"})


class RecordingClock:
    """The real wall and monotonic clocks, but sleeping only records the wait (and the time the
    request's ANAF deadline left before it) and moves the monotonic clock on by it."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.left_before: list[float | None] = []

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic() + sum(self.sleeps)

    def sleep(self, seconds: float) -> None:
        self.left_before.append(request_time_left())
        self.sleeps.append(seconds)


@pytest.fixture
def lookup_says_wait_a_minute(local_stack):
    yield from _lookup_fault(local_stack, kind="status", status=429, retry_after=60)


def test_a_long_anaf_retry_after_becomes_a_quick_503_with_retry_after(
        settings, new_user, fresh_cif, lookup_says_wait_a_minute, monkeypatch):
    user = new_user()
    clock = RecordingClock()
    monkeypatch.setattr(dependencies.api_anaf_http(), "clock", clock)
    # WHEN the user adds a company while ANAF's lookup asks us to wait 60 s
    answer = _add_company(user, fresh_cif())
    # THEN the API answers 503 with a stable code and Retry-After
    assert answer.status_code == 503, answer.body
    assert answer.json_body["error"]["code"] == "anaf_lookup_unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    # AND the client planned no wait beyond the request's ANAF deadline (never ANAF's 60 s)
    assert sum(clock.sleeps) <= dependencies.API_ANAF_DEADLINE_S, clock.sleeps
    assert all(wait < 60 for wait in clock.sleeps)


@pytest.fixture
def lookup_says_wait_six_seconds(local_stack):
    yield from _lookup_fault(local_stack, kind="status", status=429, retry_after=6)


def test_every_anaf_call_of_an_api_request_draws_on_one_deadline(
        settings, new_user, fresh_cif, lookup_says_wait_six_seconds, monkeypatch):
    # GIVEN ANAF's lookup answering 429 with a 6 s Retry-After (the lookup asks ANAF again after
    # its first call gives up), and a request deadline of 10 s (the API's 20 s would hold two
    # such waits) on the recording clock
    user = new_user()
    clock = RecordingClock()
    monkeypatch.setattr(dependencies, "API_ANAF_DEADLINE_S", 10.0)
    monkeypatch.setattr(dependencies.api_anaf_http(), "clock", clock)
    monkeypatch.setattr(routing, "request_deadline", functools.partial(request_deadline, clock=clock))
    # WHEN the user adds a company
    answer = _add_company(user, fresh_cif())
    assert answer.status_code == 503, answer.body
    # THEN the request waited 6 s once: its later calls had under 4 s of the 10 s left and gave
    # up instead of waiting 6 s more (the lookup's own spacing between calls, under a second,
    # sleeps on the same clock)
    assert [wait for wait in clock.sleeps if wait >= 1] == [6.0]
    assert 6.0 < clock.left_before[clock.sleeps.index(6.0)] <= 10.0
    # AND the deadline ends with the request
    assert request_time_left() is None


@pytest.fixture
def lookup_answers_in_three_seconds(local_stack):
    yield from _lookup_fault(local_stack, kind="latency", delay_ms=3000)


def test_an_anaf_answer_slower_than_the_request_s_deadline_becomes_a_503(
        settings, new_user, fresh_cif, lookup_answers_in_three_seconds, monkeypatch):
    # GIVEN ANAF's lookup answering in 3 s (within the API client's 8 s read time-out), and a
    # request deadline of 1 s instead of 20 s, so the test stays short
    user = new_user()
    monkeypatch.setattr(dependencies, "API_ANAF_DEADLINE_S", 1.0)
    # WHEN the user adds a company
    answer = _add_company(user, fresh_cif())
    # THEN the lookup was cut at the deadline: 503 with a stable code and Retry-After
    assert answer.status_code == 503, answer.body
    assert answer.json_body["error"]["code"] == "anaf_lookup_unavailable"
    assert int(answer.headers["Retry-After"]) > 0

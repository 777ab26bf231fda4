"""API-path ANAF calls never wait longer than the request can: ANAF's lookup answering 429 with
a 60 s Retry-After makes the API answer 503 with Retry-After at once, without sleeping 60 s
(the client's computed waits are recorded on a clock, not measured in wall time)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests
from chalice.test import Client

from app import app
from chalicelib import dependencies
from chalicelib.anaf.http import request_wait_left


class RecordingClock:
    """The real wall and monotonic clocks, but sleeping only records the wait (and what the
    request's shared ANAF wait budget held before it)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.budget_before: list[float | None] = []

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        self.budget_before.append(request_wait_left())
        self.sleeps.append(seconds)


@pytest.fixture
def lookup_says_wait_a_minute(local_stack):
    faults = f"{local_stack.ports.sandbox_url}/__sandbox/faults"
    rule = requests.post(faults, json={"kind": "status", "status": 429, "retry_after": 60,
                                       "path": "/api/PlatitorTvaRest", "count": 5}, timeout=10)
    assert rule.status_code == 200, rule.text
    yield
    requests.delete(faults, timeout=10)


def test_a_long_anaf_retry_after_becomes_a_quick_503_with_retry_after(
        settings, new_user, fresh_cif, lookup_says_wait_a_minute, monkeypatch):
    user = new_user()
    clock = RecordingClock()
    monkeypatch.setattr(dependencies.api_anaf_http(), "clock", clock)
    with Client(app) as client:
        # WHEN the user adds a company while ANAF's lookup asks us to wait 60 s
        answer = client.http.post("/api/companies", body=f'{{"cif": "{fresh_cif()}"}}',
                                  headers={"Authorization": user.http.headers["Authorization"],
                                           "Content-Type": "application/json"})
    # THEN the API answers 503 with a stable code and Retry-After
    assert answer.status_code == 503, answer.body
    assert answer.json_body["error"]["code"] == "anaf_lookup_unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    # AND the client planned no wait beyond the API's budget (never ANAF's 60 s)
    assert sum(clock.sleeps) <= 10, clock.sleeps
    assert all(wait < 60 for wait in clock.sleeps)


@pytest.fixture
def lookup_says_wait_six_seconds(local_stack):
    faults = f"{local_stack.ports.sandbox_url}/__sandbox/faults"
    rule = requests.post(faults, json={"kind": "status", "status": 429, "retry_after": 6,
                                       "path": "/api/PlatitorTvaRest", "count": 5}, timeout=10)
    assert rule.status_code == 200, rule.text
    yield
    requests.delete(faults, timeout=10)


def test_every_anaf_call_of_an_api_request_draws_on_one_wait_budget(
        settings, new_user, fresh_cif, lookup_says_wait_six_seconds, monkeypatch):
    # GIVEN ANAF's lookup answering 429 with a 6 s Retry-After
    user = new_user()
    clock = RecordingClock()
    monkeypatch.setattr(dependencies.api_anaf_http(), "clock", clock)
    with Client(app) as client:
        # WHEN the user adds a company
        answer = client.http.post("/api/companies", body=f'{{"cif": "{fresh_cif()}"}}',
                                  headers={"Authorization": user.http.headers["Authorization"],
                                           "Content-Type": "application/json"})
    assert answer.status_code == 503, answer.body
    # THEN the wait came out of the request's budget, the API's 10 s shared by all its ANAF
    # calls (a second call in the same request could wait only the 4 s left)
    # (the lookup's own spacing between calls, under a second, sleeps on the same clock)
    assert [wait for wait in clock.sleeps if wait >= 1] == [6.0]
    assert clock.budget_before[clock.sleeps.index(6.0)] == dependencies.API_ANAF_MAX_WAIT_S
    # AND the budget ends with the request
    assert request_wait_left() is None

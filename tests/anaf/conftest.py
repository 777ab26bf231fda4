"""Fixtures for the ANAF client tests: a fake clock (no real sleeping), an HTTP transport
built on it, and (for the HTTP tests) one ANAF sandbox per module."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.anaf.http import AnafHttp, RetryPolicy, Timeouts


class FakeClock:
    """Wall clock and monotonic clock that only move when told to (or when slept on)."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 7, 15, 9, 30, tzinfo=UTC)
        self._monotonic = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, now: datetime) -> None:
        self._now = now


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_http(fake_clock: FakeClock) -> Callable[..., AnafHttp]:
    """AnafHttp on the fake clock, with a fixed jitter of 0.5 so delays are predictable."""
    made: list[AnafHttp] = []

    def make(**overrides) -> AnafHttp:
        options = {"clock": fake_clock, "jitter": lambda: 0.5,
                   "retry": RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=8.0),
                   "timeouts": Timeouts(connect=2.0, read=5.0)}
        options.update(overrides)
        http = AnafHttp(**options)
        made.append(http)
        return http

    yield make
    for http in made:
        http.close()


# --- the ANAF sandbox, served over HTTP ------------------------------------------------------

import datetime as _dt  # noqa: E402
import time  # noqa: E402

from chalicelib.anaf.efactura import EFacturaClient  # noqa: E402
from chalicelib.anaf.oauth import AnafOAuthClient  # noqa: E402
from chalicelib.settings import Settings, environment_variables, load_settings  # noqa: E402
from local.anaf_sandbox.testing import SandboxHandle  # noqa: E402
from tests.sandbox_fixtures import accountant, sb, served, world  # noqa: E402,F401 - fixtures

# Mid-morning in Bucharest: daily quotas far from midnight, times repeatable.


class SandboxTime:
    """The client's clock in sandbox tests: "now" follows the sandbox clock (which tests can
    move); sleeps are recorded and skipped unless `real_sleep` (the lookup's 1 request/second
    is enforced by the sandbox in real time)."""

    def __init__(self, handle: SandboxHandle, real_sleep: bool = False) -> None:
        self._handle = handle
        self._real_sleep = real_sleep
        self._skipped = 0.0
        self.sleeps: list[float] = []
        self.sync()

    def sync(self) -> None:
        sandbox_now = _dt.datetime.fromisoformat(self._handle.admin("GET", "clock")["now"])
        self._offset = sandbox_now - _dt.datetime.now(_dt.UTC)

    def now(self) -> datetime:
        return _dt.datetime.now(_dt.UTC) + self._offset

    def monotonic(self) -> float:
        return time.monotonic() + self._skipped

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self._real_sleep:
            time.sleep(seconds)
        else:
            self._skipped += seconds


@pytest.fixture(scope="session")
def administrator(world: dict, accountant: dict) -> dict:
    """A certificate with rights on some companies only."""
    return next(c for c in world["certificates"] if c["cifs"] and c is not accountant
                and set(c["cifs"]) < set(accountant["cifs"]))


@pytest.fixture(scope="session")
def no_rights(world: dict) -> dict:
    return next(c for c in world["certificates"] if not c["cifs"])


@pytest.fixture(scope="session")
def tokens(served: SandboxHandle, accountant: dict) -> dict:
    """The accountant's tokens (they survive sandbox resets)."""
    return served.tokens_for(accountant["serial"])


def sandbox_settings(handle: SandboxHandle) -> Settings:
    """Settings exactly as a deployment describes itself; only the ANAF URLs matter here."""
    env = {variable: f"dummy-{name}" for name, variable in environment_variables().items()}
    env.update({
        environment_variables()["aws_endpoint_url"]: "",
        environment_variables()["public_url"]: "http://127.0.0.1:1",
        environment_variables()["anaf_oauth_url"]: handle.base_url,
        environment_variables()["anaf_api_url"]: handle.api_url,
        environment_variables()["anaf_public_url"]: handle.base_url,
        environment_variables()["anaf_client_id"]: handle.client_id,
        environment_variables()["anaf_redirect_uri"]: handle.redirect_uri,
        environment_variables()["archive_lock_mode"]: "NONE",
        environment_variables()["archive_lock_days"]: "",
        environment_variables()["webhooks_allow_local"]: "false",
    })
    return load_settings(env)


@pytest.fixture
def settings_for_sandbox(sb: SandboxHandle) -> Settings:
    return sandbox_settings(sb)


@pytest.fixture
def clock(sb: SandboxHandle) -> SandboxTime:
    return SandboxTime(sb)


@pytest.fixture
def http(clock: SandboxTime) -> AnafHttp:
    transport = AnafHttp(clock=clock, jitter=lambda: 0.5, timeouts=Timeouts(connect=2.0, read=5.0),
                         retry=RetryPolicy(max_attempts=3, base_delay=0.2, max_delay=1.0))
    yield transport
    transport.close()


@pytest.fixture
def oauth(sb: SandboxHandle, settings_for_sandbox: Settings, http: AnafHttp) -> AnafOAuthClient:
    return AnafOAuthClient.from_settings(settings_for_sandbox, sb.client_secret, http)


@pytest.fixture
def efactura(settings_for_sandbox: Settings, http: AnafHttp, tokens: dict) -> EFacturaClient:
    return EFacturaClient.from_settings(settings_for_sandbox, http, tokens["access_token"])

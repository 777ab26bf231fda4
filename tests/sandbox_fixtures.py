"""Fixtures for tests that run an ANAF sandbox in-process (tests/sandbox, tests/anaf): one
sandbox per directory and session, reset to its seeded state before each test."""

from __future__ import annotations

import datetime as dt

import pytest

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.clock import BUCHAREST
from local.anaf_sandbox.testing import SandboxHandle, running_sandbox

# A fixed start keeps daily quotas away from midnight and makes the world's times repeatable.
SANDBOX_START = dt.datetime(2026, 7, 15, 10, 0, tzinfo=BUCHAREST)


@pytest.fixture(scope="session")
def served() -> SandboxHandle:
    with running_sandbox(SandboxConfig(seed=1, start_time=SANDBOX_START)) as handle:
        yield handle


@pytest.fixture
def sb(served: SandboxHandle) -> SandboxHandle:
    """The shared sandbox, back in its seeded state (clock, limits, faults) for each test."""
    served.reset()
    yield served
    served.clear_faults()


@pytest.fixture(scope="session")
def world(served: SandboxHandle) -> dict:
    return served.world()


@pytest.fixture(scope="session")
def accountant(world: dict) -> dict:
    """The certificate with SPV rights on every seeded company."""
    return max(world["certificates"], key=lambda c: len(c["cifs"]))

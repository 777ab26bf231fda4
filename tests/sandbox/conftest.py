"""Fixtures for the ANAF sandbox tests: one served sandbox per session, reset between tests."""

from __future__ import annotations

import pytest
import requests

from local.anaf_sandbox.testing import SandboxHandle
from tests.sandbox_fixtures import SANDBOX_START as START  # noqa: F401 - test modules import it from here
from tests.sandbox_fixtures import accountant, sb, served, world  # noqa: F401 - fixtures

VOLUME_CIF = "14399840"  # valid CIF (API.md §5); not one of the seeded companies


@pytest.fixture(scope="session")
def no_rights(world: dict) -> dict:
    return next(c for c in world["certificates"] if not c["cifs"])


@pytest.fixture(scope="session")
def bearer(served: SandboxHandle, accountant: dict) -> dict[str, str]:
    """Authorization header of the accountant (tokens survive resets)."""
    return served.bearer(accountant["serial"])


@pytest.fixture
def api(sb: SandboxHandle, bearer: dict[str, str]):
    """GET an e-Factura operation as the accountant; returns the requests.Response."""
    session = requests.Session()
    session.headers.update(bearer)

    def call(op: str, method: str = "GET", **kwargs) -> requests.Response:
        return session.request(method, f"{sb.api_url}/{op}", timeout=30, **kwargs)

    yield call
    session.close()

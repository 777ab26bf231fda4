"""Shared fixtures: one real local stack (moto server, ANAF sandbox, web + API, runtime) per
test session, on free loopback ports so a running `make run` is never disturbed.

`make test` runs the suite in parallel with pytest-xdist (`--dist loadgroup`): every worker is
its own session, so it starts its own stack (own ports, own moto state, own sandbox) when a test
first needs one. `pytest_collection_modifyitems` below decides what runs together.

Fake AWS credentials are set before anything imports boto3, so a test can never reach a real
AWS account, whatever the machine's configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from local.environment import use_fake_aws_credentials

use_fake_aws_credentials()

import pytest  # noqa: E402

from chalicelib import dependencies  # noqa: E402
from chalicelib.settings import Settings  # noqa: E402
from local.environment import free_ports  # noqa: E402
from local.stack import LocalStack, StackError  # noqa: E402


def _started_stack(attempts: int = 3) -> LocalStack:
    """A stack on free ports, started again on other ports when a child cannot start: a port
    picked as free can be taken by another process before the child binds it."""
    for attempt in range(1, attempts + 1):
        stack = LocalStack(free_ports(), runtime=False, quiet=True)
        try:
            stack.start()  # stops what it started when it fails
        except StackError:
            if attempt == attempts:
                raise
            continue
        return stack
    raise AssertionError("no attempt")  # attempts >= 1


@pytest.fixture(scope="session")
def local_stack() -> LocalStack:
    """The product, started as `make run` starts it but without the background runtime (its
    timer would sync companies behind the tests' backs; tests drive the same handlers
    themselves, and test_stack.py runs a full `make run`). This process uses its environment."""
    stack = _started_stack()
    saved = dict(os.environ)
    os.environ.update(stack.environment)
    dependencies.reset()
    yield stack
    stack.kill()  # nothing to keep: no graceful shutdown
    os.environ.clear()
    os.environ.update(saved)
    dependencies.reset()


@pytest.fixture(scope="session")
def settings(local_stack: LocalStack) -> Settings:
    return dependencies.settings()


@pytest.fixture(scope="session")
def base_url(local_stack: LocalStack) -> str:
    return local_stack.ports.web_url


# -- parallel runs (pytest-xdist, `make test`) -------------------------------------------------

TESTS = Path(__file__).resolve().parent
# Folders that run as one unit on one worker, their files in pytest's order: the API tests share
# the seeded SPV companies of one sandbox world (each test file takes its own companies, but the
# archive tests sync the seeded ones); the others share an expensive session fixture (the CDK
# synthesis, the sandbox corpus, the in-process sandbox), built once this way.
ONE_UNIT_FOLDERS = ("api", "infra", "invoices", "pdf", "sandbox", "anaf")
# Units start in this order, the longest first (measured with --durations), so that no worker
# picks up a long unit when the others are about to finish; browser files run on a stack where
# the API tests ran before them or none did, as in a one-process run. A test goes where the
# longest entry that its path starts with is; files that none matches come last.
START_ORDER = ("tests/api/", "tests/browser/", "tests/test_", "tests/sandbox/", "tests/pdf/",
               "tests/infra/", "tests/invoices/", "tests/anaf/", "tests/accounting/")


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or its folder for ONE_UNIT_FOLDERS."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in ONE_UNIT_FOLDERS:
        return "/".join(parts[:2])
    return path


def _rank(item: pytest.Item) -> int:
    path = Path(item.path).resolve().relative_to(TESTS.parent).as_posix()
    matching = [entry for entry in START_ORDER if path.startswith(entry)]
    return START_ORDER.index(max(matching, key=len)) if matching else len(START_ORDER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker (the process that collects and runs; it has `workerinput`), put the
    units in START_ORDER: the controller hands them out in collection order. A plain run keeps
    pytest's order."""
    if hasattr(config, "workerinput"):
        items.sort(key=_rank)  # stable: files and tests keep their order within a folder


@pytest.hookimpl(optionalhook=True)  # an xdist hook: no error where xdist is not loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile`, with each of ONE_UNIT_FOLDERS counting as one file: a file's tests
    stay together, in order, on one worker (module fixtures are built once, tests that build
    on each other's state keep it), and so does a whole ONE_UNIT folder. (xdist's own
    `loadgroup` cannot do this with pytest 9: it renames node ids through an attribute pytest 9
    no longer reads.)"""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return UnitScheduling(config, log)

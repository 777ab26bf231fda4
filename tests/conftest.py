"""Shared fixtures: one real local stack (moto server, ANAF sandbox, web + API, runtime) per
test session, on free loopback ports so a running `make run` is never disturbed.

Fake AWS credentials are set before anything imports boto3, so a test can never reach a real
AWS account, whatever the machine's configuration.
"""

from __future__ import annotations

import os
import socket

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
})

import pytest

from chalicelib import dependencies
from chalicelib.settings import Settings
from local.environment import LocalPorts
from local.stack import LocalStack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_ports() -> LocalPorts:
    return LocalPorts(web=free_port(), sandbox=free_port(), moto=free_port())


@pytest.fixture(scope="session")
def local_stack() -> LocalStack:
    """The product, started as `make run` starts it but without the background runtime (its
    timer would sync companies behind the tests' backs; tests drive the same handlers
    themselves, and test_stack.py runs a full `make run`). This process uses its environment."""
    stack = LocalStack(free_ports(), runtime=False, quiet=True)
    stack.start()
    saved = dict(os.environ)
    os.environ.update(stack.environment)
    dependencies.reset()
    yield stack
    stack.stop()
    os.environ.clear()
    os.environ.update(saved)
    dependencies.reset()


@pytest.fixture(scope="session")
def settings(local_stack: LocalStack) -> Settings:
    return dependencies.settings()


@pytest.fixture(scope="session")
def base_url(local_stack: LocalStack) -> str:
    return local_stack.ports.web_url

"""Shared by the archive-engine benchmarks: fake AWS credentials, free loopback ports, the local
stack (or moto + bootstrap alone) as a context manager that stops every process it started,
and small helpers for the ANAF sandbox's admin API and OAuth page.

Import this module before anything that imports boto3: it sets fake AWS credentials so a
benchmark can never reach a real AWS account, whatever the machine's configuration.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local.environment import use_fake_aws_credentials  # noqa: E402

use_fake_aws_credentials()

import requests  # noqa: E402

from chalicelib import dependencies  # noqa: E402
from local.environment import LOCAL_HOST, free_ports, local_environment  # noqa: E402
from local.stack import listening, stop_child  # noqa: E402


def stop_on_sigterm() -> None:
    """SIGTERM (a `timeout`, a CI stop) unwinds like Ctrl-C, so every context manager here
    stops the processes it started (they run in their own sessions and would outlive us)."""
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def max_rss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def app_environment(environment: dict[str, str]) -> Iterator[None]:
    """Put the stack's environment in os.environ for the app code, and take it back after."""
    saved = dict(os.environ)
    os.environ.update(environment)
    dependencies.reset()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        dependencies.reset()


# moto's TransactWriteItems deep-copies every table the transaction touches, to roll back on
# failure: O(items in the table) per transaction, so archiving N documents one transaction each
# costs O(N^2) in moto (about 1 s per transaction at 5 000 documents) where DynamoDB costs O(1).
# The benchmarks' moto checks every condition of a transaction first and runs it only when all
# hold (a failing one is refused untouched, as DynamoDB does), so no copy is needed.
FAST_MOTO_TRANSACTIONS = os.environ.get("BENCH_REAL_MOTO") != "1"
_MOTO_WITHOUT_TABLE_COPIES = """
import copy, sys
from moto.dynamodb import models
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models.table import Table

class _NoTableCopies:
    def __getattr__(self, name):
        return getattr(copy, name)
    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

models.copy = _NoTableCopies()
_real = models.DynamoDBBackend.transact_write_items

def transact_write_items(self, transact_items):
    errors, failed = [], False
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        condition = op.get("ConditionExpression")
        if op_type == "Put":
            table = self.get_table(op["TableName"])
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op.get("Key")
        ok = True
        if condition is not None and key is not None:
            current = self.get_item(op["TableName"], key)
            ok = get_filter_expression(condition, op.get("ExpressionAttributeNames"),
                                       op.get("ExpressionAttributeValues")).expr(current)
        errors.append((None, None, None) if ok else
                      ("ConditionalCheckFailed", "The conditional request failed", None))
        failed |= not ok
    if failed:
        raise TransactionCanceledException(errors)
    return _real(self, transact_items)

models.DynamoDBBackend.transact_write_items = transact_write_items
from local.moto_server import main
main(sys.argv[1:])
"""


def moto_command(port: int) -> list[str]:
    if FAST_MOTO_TRANSACTIONS:
        return [sys.executable, "-c", _MOTO_WITHOUT_TABLE_COPIES, "-H", LOCAL_HOST, "-p", str(port)]
    return [sys.executable, "-m", "local.moto_server", "-H", LOCAL_HOST, "-p", str(port)]


@contextlib.contextmanager
def local_stack(sandbox_args: tuple[str, ...] = ()) -> Iterator[object]:
    """The whole local product (moto, bootstrap, ANAF sandbox, web + API) on free ports,
    without the background runtime; this process uses its environment. Stopped on exit."""
    from local.stack import LocalStack

    class BenchStack(LocalStack):
        def _spawn(self, name: str, command: list[str], log: Path | None = None) -> None:
            if name == "moto":
                command = moto_command(self.ports.moto)
            super()._spawn(name, command, log)

    stop_on_sigterm()
    stack = BenchStack(free_ports(), runtime=False, quiet=True, sandbox_args=sandbox_args)
    stack.start()
    try:
        with app_environment(stack.environment):
            yield stack
    finally:
        stack.stop()


@contextlib.contextmanager
def moto_only() -> Iterator[dict[str, str]]:
    """moto's server on a free port plus the bootstrap (tables, queues, ...), nothing else.
    Yields the environment (also put in os.environ). The server is stopped on exit."""
    from chalicelib.settings import load_settings
    from local.anaf_sandbox import signing as sandbox_signing
    from local.bootstrap import bootstrap

    stop_on_sigterm()
    ports = free_ports()
    environment = local_environment(ports)
    child = subprocess.Popen(moto_command(ports.moto), cwd=ROOT, env={**os.environ, **environment},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not listening(ports.moto):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto did not start on port {ports.moto}")
            time.sleep(0.1)
        result = bootstrap(load_settings(environment), anaf_client_secret=environment["ARHIVAR_SANDBOX_CLIENT_SECRET"],
                           trusted_signers=sandbox_signing.chain_pem())
        environment.update(result.as_environment())
        with app_environment(environment):
            yield environment
    finally:
        stop_child(child)


# -- the ANAF sandbox -------------------------------------------------------------------------

class SandboxAdmin:
    """The sandbox's test controls (/__sandbox/...) and its OAuth page, over HTTP."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.base_url = base_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.http = requests.Session()

    @classmethod
    def of(cls, environment: dict[str, str]) -> SandboxAdmin:
        return cls(environment["ARHIVAR_ANAF_OAUTH_URL"], environment["ARHIVAR_ANAF_CLIENT_ID"],
                   environment["ARHIVAR_SANDBOX_CLIENT_SECRET"], environment["ARHIVAR_ANAF_REDIRECT_URI"])

    def admin(self, method: str, path: str, json: dict | None = None, **params) -> dict:
        answer = self.http.request(method, f"{self.base_url}/__sandbox/{path}", json=json,
                                   params=params or None, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def tokens_for(self, serial: str) -> dict:
        """ANAF's OAuth dance as a person with this certificate plays it: authorize, take the
        code from the redirect (not followed), exchange it. Returns the token answer."""
        oauth = f"{self.base_url}/anaf-oauth2/v1"
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                  "token_content_type": "jwt", "state": "bench"}
        self.http.get(f"{oauth}/authorize", params=params, timeout=30).raise_for_status()
        answer = self.http.post(f"{oauth}/authorize", data={**params, "certificate": serial, "action": "login"},
                                allow_redirects=False, timeout=30)
        code = parse_qs(urlsplit(answer.headers.get("Location", "")).query).get("code")
        if answer.status_code != 302 or not code:
            raise RuntimeError(f"sandbox authorize failed: {answer.status_code} {answer.headers.get('Location')}")
        token = self.http.post(f"{oauth}/token", data={"grant_type": "authorization_code", "code": code[0],
                                                        "redirect_uri": self.redirect_uri,
                                                        "token_content_type": "jwt"},
                               auth=(self.client_id, self.client_secret), timeout=30)
        token.raise_for_status()
        return token.json()

    @contextlib.contextmanager
    def per_minute_limit_lifted(self, every_s: float = 2.0) -> Iterator[None]:
        """Empty the OAuth client's sliding-minute call counter every few seconds, so ANAF's
        1000 calls/minute does not bound what is measured (the daily limits still apply)."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                with contextlib.suppress(requests.RequestException):
                    self.admin("POST", "limits", json={"kind": "minute", "key": self.client_id, "used": 0})

        self.admin("POST", "limits", json={"kind": "minute", "key": self.client_id, "used": 0})
        thread = threading.Thread(target=loop, name="lift-minute-limit", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

"""Where access tokens are checked: in one helper on the API side (chalicelib/api/caller.py),
which every route uses; and never in the workers, which must not even import the token code
(PyJWT and chalicelib.api): they never use it and would pay for it at every cold start."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/handler.py"))
# Imports the handler in a clean interpreter and prints the API-side modules it loaded.
PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(name for name in sys.modules
                        if name.split(".")[0] == "jwt" or name.startswith("chalicelib.api"))))
"""


def test_every_worker_is_probed() -> None:
    assert {"sync_company", "render_pdf", "build_export", "dispatch"} <= set(HANDLERS)


@pytest.mark.parametrize("worker", HANDLERS)
def test_a_worker_handler_does_not_import_the_api_token_code(worker: str) -> None:
    # WHEN a fresh interpreter imports the worker's handler (as a Lambda cold start does)
    done = subprocess.run([sys.executable, "-c", PROBE, f"functions.{worker}.handler"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "eu-central-1"})
    assert done.returncode == 0, done.stderr
    # THEN neither PyJWT nor any chalicelib.api module was loaded
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_only_the_caller_helper_builds_or_calls_the_token_verifier() -> None:
    # GIVEN the API's code and the code every process shares
    sources = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    # THEN the verifier is built and called in chalicelib/api/caller.py alone
    users = {path.relative_to(ROOT).as_posix() for path in sources
             if re.search(r"AccessTokenVerifier\(|access_tokens\(\)", path.read_text())}
    assert users == {"chalicelib/api/caller.py"}


def test_reset_forgets_the_api_token_verifier(local_stack) -> None:
    # GIVEN the API's verifier, cached like every dependency
    from chalicelib import dependencies
    from chalicelib.api.caller import access_tokens
    first = access_tokens()
    assert access_tokens() is first
    # WHEN the tests reset the dependencies THEN the next call builds a new one
    dependencies.reset()
    assert access_tokens() is not first

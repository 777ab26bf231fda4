"""The CDK app is the one way to deploy Arhivar and `make run` the one way to run it: the Chalice
CLI (`chalice package`, `deploy`, `local`) stops with an explanation instead of producing an
API without its tables, queues and workers. The CDK app's own Chalice packaging (chalice.cdk)
is untouched: tests/infra synthesize it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.settings import CHALICE_CLI_REFUSAL, refuse_the_chalice_cli

ROOT = Path(__file__).resolve().parents[1]
CHALICE = Path(sys.executable).with_name("chalice")


def _chalice(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing"}
    env.pop("AWS_CHALICE_CLI_MODE", None)
    return subprocess.run([str(CHALICE), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_chalice_package_stops_with_the_explanation_and_writes_nothing(tmp_path):
    # GIVEN the repository WHEN `chalice package` is run into a temporary folder
    out = tmp_path / "out"
    result = _chalice("package", str(out), cwd=ROOT)
    # THEN it fails, saying why and what to use instead, without a traceback
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert CHALICE_CLI_REFUSAL in result.stderr
    assert "the CDK app in infra/" in result.stderr and "make run" in result.stderr
    assert "Traceback" not in result.stderr
    # AND it wrote no package
    assert not out.exists()


def test_every_chalice_stage_is_refused(tmp_path):
    result = _chalice("package", "--stage", "prod", str(tmp_path / "out"), cwd=ROOT)
    assert result.returncode == 1 and CHALICE_CLI_REFUSAL in result.stderr


def test_only_the_chalice_cli_is_refused(capsys):
    # GIVEN Lambda, the local stack or chalice.cdk (no CLI mode) THEN the app loads
    refuse_the_chalice_cli({})
    refuse_the_chalice_cli({"AWS_CHALICE_CLI_MODE": ""})
    assert capsys.readouterr().err == ""
    # GIVEN the Chalice CLI THEN it stops with status 1 and the explanation
    with pytest.raises(SystemExit) as stopped:
        refuse_the_chalice_cli({"AWS_CHALICE_CLI_MODE": "true"})
    assert stopped.value.code == 1
    assert CHALICE_CLI_REFUSAL in capsys.readouterr().err

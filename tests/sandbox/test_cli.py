"""``python -m local.anaf_sandbox``: loopback only, one ready line, clean exit on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from local.environment import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_reads_env_and_stops_cleanly(sig):
    port = free_port()
    env = os.environ | {"ARHIVAR_ANAF_CLIENT_ID": "din-env", "ARHIVAR_SANDBOX_CLIENT_SECRET": "s3cret",
                        "ARHIVAR_ANAF_REDIRECT_URI": "http://127.0.0.1:9999/cb"}
    proc = subprocess.Popen([sys.executable, "-m", "local.anaf_sandbox", "--host", "127.0.0.1", "--port", str(port),
                             "--seed", "7"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line
        world = requests.get(f"http://127.0.0.1:{port}/__sandbox/world", timeout=10).json()
        assert world["seed"] == 7 and world["clients"] == [{"client_id": "din-env", "redirect_uris": ["http://127.0.0.1:9999/cb"]}]
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_refuses_to_bind_beyond_loopback():
    proc = subprocess.run([sys.executable, "-m", "local.anaf_sandbox", "--host", "0.0.0.0", "--port", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode != 0 and "loopback" in proc.stderr

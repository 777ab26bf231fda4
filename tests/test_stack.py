"""`make run`'s process tree: one URL, loopback only, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import requests

from local.environment import free_ports
from local.stack import MOTO_LOG, ROOT


def test_the_stack_listens_on_loopback_only(local_stack):
    ports = {local_stack.ports.web, local_stack.ports.sandbox, local_stack.ports.moto}
    listening = [c for c in psutil.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port in ports]
    assert {c.laddr.port for c in listening} == ports
    assert {c.laddr.ip for c in listening} == {"127.0.0.1"}


def test_the_sandbox_and_the_web_app_are_reachable(local_stack):
    page = requests.get(local_stack.ports.web_url + "/", timeout=10)
    assert page.status_code == 200 and "Arhivar" in page.text
    sandbox = requests.get(local_stack.ports.sandbox_url + "/anaf-oauth2/v1/authorize", timeout=10)
    assert sandbox.status_code < 500


def test_make_run_prints_the_url_and_the_sandbox_world_and_ctrl_c_stops_every_process():
    ports = free_ports()
    # As on a newcomer's machine: no AWS variables at all (the stack brings its own fake ones).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ARHIVAR_"))}
    env.update({"ARHIVAR_PORT": str(ports.web), "ARHIVAR_ANAF_SANDBOX_PORT": str(ports.sandbox),
                "ARHIVAR_MOTO_PORT": str(ports.moto)})
    logged_before = MOTO_LOG.stat().st_size if MOTO_LOG.exists() else 0
    stack = subprocess.Popen([sys.executable, "-m", "local.stack"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        printed = ""
        while "Ctrl-C stops everything" not in printed:  # the banner's end, after the children's own lines
            line = stack.stdout.readline()
            assert line, f"the stack exited early:\n{printed}"
            printed += line
            assert time.monotonic() < deadline
        children = psutil.Process(stack.pid).children(recursive=True)
        assert len(children) >= 4  # moto, sandbox, web, runtime
        assert requests.get(ports.web_url + "/api/health", timeout=30).json()["status"] == "ok"

        # The banner names the sandbox's companies and certificates (holder, serial, CIFs) ...
        world = requests.get(f"{ports.sandbox_url}/__sandbox/world", timeout=10).json()
        assert "Companii în SPV" in printed
        for company in world["companies"]:
            assert company["cif"] in printed and company["name"] in printed
        for certificate in world["certificates"]:
            line = next(x for x in printed.splitlines() if certificate["serial"] in x)
            assert certificate["holder"] in line and all(cif in line for cif in certificate["cifs"])
        # ... and moto's per-request log (the bootstrap's hundreds of calls) is in its file, not here
        assert "\"POST / HTTP/1.1\"" not in printed  # DynamoDB, SQS, KMS…: moto's own requests
        assert MOTO_LOG.stat().st_size > logged_before
        assert f"is running: {ports.web_url}" in printed and ".local/moto.log" in printed

        stack.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert stack.wait(timeout=30) == 0
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert alive == []
    finally:
        if stack.poll() is None:
            stack.kill()

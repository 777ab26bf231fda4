"""`make run`: the whole product on 127.0.0.1, as one process tree.

Starts moto's server (AWS), bootstraps every resource, starts the ANAF sandbox, the web app +
API origin and the local runtime (schedule timer, queue pollers). Ctrl-C stops all of it.
State lives in moto's memory, so every start begins from an empty AWS; the sandbox rebuilds
the same ANAF world from its seed (ARHIVAR_SANDBOX_SEED).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from chalicelib.settings import load_settings
from local.anaf_sandbox import signing as sandbox_signing
from local.bootstrap import bootstrap
from local.environment import LOCAL_HOST, LocalPorts, local_environment
from local.sandbox_guide import sandbox_guide

ROOT = Path(__file__).resolve().parent.parent
# moto logs every request it serves: in a file (git-ignored), not in the terminal of `make run`.
MOTO_LOG = ROOT / ".local" / "moto.log"
STARTUP_TIMEOUT_S = 60


class StackError(RuntimeError):
    pass


class LocalStack:
    """Starts and stops the local product; also used by the test suite (with free ports)."""

    def __init__(self, ports: LocalPorts, *, seed: int = 1, runtime: bool = True,
                 arrivals_every_s: float | None = None, sandbox_args: tuple[str, ...] = (),
                 quiet: bool = False, moto_log: Path | None = None) -> None:
        self.ports = ports
        self.seed = seed
        self._arrivals_every_s = arrivals_every_s
        self._sandbox_args = sandbox_args  # e.g. ("--volume-cif", C, "--volume-messages", "10000")
        self.environment = local_environment(ports)
        self._runtime = runtime
        self._quiet = quiet
        self._moto_log = moto_log
        self._children: list[tuple[str, subprocess.Popen]] = []

    def start(self) -> None:
        for port in (self.ports.moto, self.ports.sandbox, self.ports.web):
            if listening(port):
                raise StackError(f"port {port} on {LOCAL_HOST} is already in use: stop what uses "
                                 "it or choose other ports (see README, 'Configuration').")
        try:
            self._spawn("moto", [sys.executable, "-m", "local.moto_server", "-H", LOCAL_HOST,
                                 "-p", str(self.ports.moto)], log=self._moto_log)
            self._wait_for_port("moto", self.ports.moto)
            # The bootstrap runs here, as part of the local deployment: same variables (and the
            # fake credentials) as the children get.
            os.environ.update(self.environment)
            settings = load_settings(self.environment)
            result = bootstrap(settings, anaf_client_secret=self.environment["ARHIVAR_SANDBOX_CLIENT_SECRET"],
                               trusted_signers=sandbox_signing.chain_pem())
            self.environment.update(result.as_environment())
            sandbox = [sys.executable, "-m", "local.anaf_sandbox", "--host", LOCAL_HOST,
                       "--port", str(self.ports.sandbox), "--seed", str(self.seed)]
            if self._arrivals_every_s:
                sandbox += ["--arrival-interval", str(self._arrivals_every_s)]
            sandbox += list(self._sandbox_args)
            self._spawn("anaf-sandbox", sandbox)
            self._spawn("web", [sys.executable, "-m", "local.web_server", "--port", str(self.ports.web)])
            if self._runtime:
                self._spawn("runtime", [sys.executable, "-m", "local.runtime"])
            self._wait_for_port("anaf-sandbox", self.ports.sandbox)
            self._wait_for_health()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the children newest first, each before the next, so nothing outlives moto."""
        for _, child in reversed(self._children):
            stop_child(child)
        self._children.clear()

    def kill(self) -> None:
        """End every child at once with SIGKILL, then reap them: for a throwaway stack (a test
        session's), whose moto server, full of the session's objects, can take over ten seconds
        to exit cleanly."""
        for _, child in self._children:
            if child.poll() is None:
                child.kill()
        self.stop()

    def _spawn(self, name: str, command: list[str], log: Path | None = None) -> None:
        env = {**os.environ, **self.environment, "PYTHONUNBUFFERED": "1"}
        if self._quiet or log is None:
            output = subprocess.DEVNULL if self._quiet else None
            # A child in its own process group does not get the terminal's Ctrl-C twice.
            child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output,
                                     start_new_session=True)
        else:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("ab") as file:  # the child keeps its own copy of the descriptor
                child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=file, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self._children.append((name, child))

    def _wait_for_port(self, name: str, port: int) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not listening(port):
            self._check_children()
            if time.monotonic() > deadline:
                raise StackError(f"{name} did not start listening on port {port}")
            time.sleep(0.1)

    def _wait_for_health(self) -> None:
        url = f"{self.ports.web_url}/api/health"
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            self._check_children()
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise StackError(f"{url} did not answer ok within {STARTUP_TIMEOUT_S} s")
            time.sleep(0.2)

    def _check_children(self) -> None:
        for name, child in self._children:
            if child.poll() is not None:
                raise StackError(f"{name} exited with code {child.returncode} while starting")

    def wait(self) -> None:
        """Block until a child exits or the user stops the stack."""
        while True:
            for name, child in self._children:
                if child.poll() is not None:
                    raise StackError(f"{name} stopped unexpectedly (exit code {child.returncode})")
            time.sleep(0.5)


def stop_child(child: subprocess.Popen) -> None:
    """SIGTERM, ten seconds to exit, then SIGKILL; reaped either way."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def listening(port: int) -> bool:
    """Something accepts connections on this loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((LOCAL_HOST, port)) == 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    ports = LocalPorts.from_environ()
    # New invoices keep arriving at the sandbox while the product runs, as they would at ANAF.
    stack = LocalStack(ports, seed=int(os.environ.get("ARHIVAR_SANDBOX_SEED", "1")),
                       arrivals_every_s=float(os.environ.get("ARHIVAR_SANDBOX_ARRIVALS_S", "120")),
                       # Uploads (buyer messages) stay "in prelucrare" this long, as at ANAF.
                       sandbox_args=("--processing-delay",
                                     os.environ.get("ARHIVAR_SANDBOX_PROCESSING_DELAY_S", "30")),
                       moto_log=MOTO_LOG)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    try:
        stack.start()
        world = requests.get(f"{ports.sandbox_url}/__sandbox/world", timeout=10).json()
        print(
            f"\n{sandbox_guide(world)}\n"
            f"\nArhivar rulează / is running: {ports.web_url}\n"
            f"  ANAF sandbox:  {ports.sandbox_url}\n"
            f"  AWS (moto):    {ports.moto_url} (jurnalul cererilor: {MOTO_LOG.relative_to(ROOT)})\n"
            f"  E-mailuri:     {ports.web_url}/local/mail\n"
            f"(started in {time.monotonic() - started:.1f} s; Ctrl-C stops everything)\n",
            flush=True,
        )
        stack.wait()
    except KeyboardInterrupt:
        print("\nOprire... / stopping...", flush=True)
    except StackError as error:
        print(f"\nArhivar could not run: {error}", file=sys.stderr, flush=True)
        stack.stop()
        sys.exit(1)
    stack.stop()


if __name__ == "__main__":
    main()

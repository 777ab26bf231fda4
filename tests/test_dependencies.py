"""Locked dependencies (`make lock`) and the vulnerability audit (scripts/audit_dependencies.py)."""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from infra.packaging import requirement_names

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {  # lock -> its human-edited input
    "requirements.txt": "requirements.in",
    "functions/render_pdf/requirements.txt": "functions/render_pdf/requirements.in",
    "infra/requirements.txt": "infra/requirements.in",
    "requirements-dev.txt": "requirements-dev.in",
}
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)",
                    re.MULTILINE)

_spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "scripts/audit_dependencies.py")
assert _spec and _spec.loader
audit = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("audit_dependencies", audit)  # dataclasses look their module up there
_spec.loader.exec_module(audit)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    """Canonical name -> pinned version of a lock, asserting that each pin carries hashes."""
    text = (ROOT / lock).read_text()
    found = {}
    for name, version, hashes in _ENTRY.findall(text):
        assert hashes, f"{lock}: {name}=={version} has no --hash"
        found[canonical(name)] = version
    requirement_lines = [line for line in text.splitlines() if line and line[0].isalnum()]
    assert len(requirement_lines) == len(found), f"{lock}: a requirement line is not a hashed pin"
    return found


def input_requirements(path: Path) -> list[Requirement]:
    out = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r"):
            out += input_requirements((path.parent / line[2:].strip()).resolve())
        elif line:
            out.append(Requirement(line))
    return out


@pytest.mark.parametrize("lock", LOCKS)
def test_every_input_is_pinned_in_its_lock_at_an_allowed_version(lock: str) -> None:
    # GIVEN a human-edited *.in and the lock `make lock` made from it
    pinned = pins(lock)
    # THEN every requirement of the input (following -r) is pinned, at a version it allows
    for requirement in input_requirements(ROOT / LOCKS[lock]):
        name = canonical(requirement.name)
        assert name in pinned, f"{lock} lacks {requirement.name}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"{lock}: {name}=={pinned[name]} does not satisfy {requirement}: run make lock"


def test_a_package_has_the_same_version_in_every_lock() -> None:
    # GIVEN the dev/test lock, which is what the local venv and the tests install
    dev = pins("requirements-dev.txt")
    # THEN it carries every package of the deployed sets and of the CDK app, at their versions
    for lock in ("requirements.txt", "functions/render_pdf/requirements.txt", "infra/requirements.txt"):
        for name, version in pins(lock).items():
            assert dev.get(name) == version, \
                f"{name}: {lock} pins {version}, requirements-dev.txt {dev.get(name)}"
    # AND the render function's lock is complete on its own: the API's packages at the API's versions
    api, render = pins("requirements.txt"), pins("functions/render_pdf/requirements.txt")
    assert api.items() <= render.items()
    assert "weasyprint" in render and "weasyprint" not in api


def test_the_packaging_code_reads_the_hashed_api_lock() -> None:
    # WHEN infra/packaging.py lists what Chalice packages for the API
    names = {canonical(name) for name, _ in requirement_names(ROOT / "requirements.txt")}
    # THEN it sees the pinned packages and none of the hash or comment lines
    assert names == set(pins("requirements.txt"))


def report(*vulns: tuple[str, str, list[str]]) -> dict:
    return {"dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        *({"name": name, "version": "1.0", "vulns": [{"id": advisory, "fix_versions": fixes,
                                                       "aliases": ["CVE-2026-0001"]}]}
          for name, advisory, fixes in vulns)],
        "fixes": []}


def test_an_advisory_without_a_fixed_release_is_reported_and_does_not_fail(monkeypatch, capsys) -> None:
    # GIVEN pip-audit reports an advisory on a package of the API lock, with no fixed release
    monkeypatch.setattr(audit, "run_pip_audit", lambda root, ignored: report(("boto3", "PYSEC-1", [])))
    # WHEN the audit step runs THEN it succeeds and prints the finding with the sets carrying it
    assert audit.main(ROOT) == 0
    out = capsys.readouterr().out
    assert "2 locked packages, 1 advisories (0 with a fixed release)" in out
    assert ("boto3 1.0: PYSEC-1 (CVE-2026-0001), no fixed release yet; "
            "in API/workers, render_pdf, dev/test") in out


def test_an_advisory_with_a_fixed_release_fails_the_step(monkeypatch, capsys) -> None:
    monkeypatch.setattr(audit, "run_pip_audit",
                        lambda root, ignored: report(("jsii", "GHSA-x", ["9.9"]), ("boto3", "PYSEC-1", [])))
    assert audit.main(ROOT) == 1
    lines = capsys.readouterr().out.splitlines()
    # the fixable one first, then the others, then how to upgrade
    assert lines[1] == "  jsii 1.0: GHSA-x (CVE-2026-0001), fixed in 9.9; in CDK, dev/test"
    assert lines[2].startswith("  boto3 1.0: PYSEC-1")
    assert "make lock LOCK_ARGS=\"--upgrade-package NAME\"" in lines[3]


def test_the_ignore_file_lists_advisory_ids_with_their_reasons() -> None:
    text = "# why each one\nGHSA-aaaa-bbbb  # no release of x supports y yet\n\n  PYSEC-2026-1\n"
    assert audit.ignored_ids(text) == ["GHSA-aaaa-bbbb", "PYSEC-2026-1"]


def test_an_unreachable_advisory_service_is_a_notice_not_a_hang(tmp_path: Path) -> None:
    # GIVEN the only way out is a proxy that accepts connections and never answers
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    proxy = f"http://127.0.0.1:{silent.getsockname()[1]}"
    env = {**os.environ, "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": "",
           "XDG_CACHE_HOME": str(tmp_path),  # pip-audit's own cache must not answer for the service
           "ARHIVAR_AUDIT_SOCKET_TIMEOUT": "1", "ARHIVAR_AUDIT_TIMEOUT": "60"}
    try:
        # WHEN the audit step runs
        done = subprocess.run([sys.executable, str(ROOT / "scripts/audit_dependencies.py")], env=env,
                              capture_output=True, text=True, check=False, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        stop.set()
        holder.join()
        for connection in accepted:
            connection.close()
        silent.close()
    # THEN it tried the service, printed a notice and succeeded
    assert accepted, "the audit never tried the advisory service"
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Dependency audit: " in done.stdout and "skipped" in done.stdout

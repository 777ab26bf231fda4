"""Locked dependencies (`make lock`)."""

from __future__ import annotations

import re
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
            assert dev.get(name) == version, f"{name}: {lock} pins {version}, requirements-dev.txt {dev.get(name)}"
    # AND the render function's lock is complete on its own: the API's packages at the API's versions
    api, render = pins("requirements.txt"), pins("functions/render_pdf/requirements.txt")
    assert api.items() <= render.items()
    assert "weasyprint" in render and "weasyprint" not in api


def test_the_packaging_code_reads_the_hashed_api_lock() -> None:
    # WHEN infra/packaging.py lists what Chalice packages for the API
    names = {canonical(name) for name, _ in requirement_names(ROOT / "requirements.txt")}
    # THEN it sees the pinned packages and none of the hash or comment lines
    assert names == set(pins("requirements.txt"))

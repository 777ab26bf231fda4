"""The repository stands on its own: no tracked file refers to a path outside it.

Three kinds of reference would make a clone depend on the machine it was written on:

* machine-specific absolute paths (this machine's workspace folder, a home directory such as ``/home/<user>/…``,
  ``/Users/<user>/…``, ``/root/…``, ``C:\\Users\\…``);
* relative paths that climb out of the clone: a ``../`` chain resolved from the file's own
  folder, or, in Python, ``Path(__file__)`` followed by more ``.parent``/``.parents[n]`` steps
  than the file is deep (and ``ROOT.parent`` where ``ROOT`` is the repository root);
* the team's reference folder that lives next to the clone (``shared/anaf/…``).

Relative links inside the repository (``../README.md``, ``from "../anaf.js"``,
``Path(__file__).resolve().parents[1]``) are fine, because they are resolved before judging.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = "tests/test_self_contained.py"  # it spells out the patterns it looks for
# The examples below are assembled from pieces, so that this file itself holds none of the
# strings a plain `git grep` for machine paths or outside folders would find.
WORKSPACE = "/" + "work" + "/"
CLIMB_OUT = ".." + "/"

# Deliberate escapes that are not file paths, each with why.
NOT_PATHS = {
    # a URL path sent to the ANAF sandbox, which must refuse it (path traversal probe)
    ("tests/sandbox/test_lists.py", "../../../listaMesajeFactura"),
}

_ABSOLUTE = re.compile(
    r"(?<![\w.~$/-])(?:/wor[k]/|/home/[A-Za-z0-9_.-]+|/Users/[A-Za-z0-9_.-]+|/root/|[A-Za-z]:\\\\?Users\\)")
_RELATIVE = re.compile(r"(?<![\w.:/-])((?:\.\./)+)([\w.@-]*)")
_OUTSIDE_FOLDER = re.compile(r"(?<![\w./-])shared/anaf(?![\w-])")
_FILE_PATH = re.compile(
    r"Path\(__file__\)(?:\.resolve\(\))?((?:\.parent\b(?!s))*)(?:\.parents\[(\d+)\])?((?:\.parent\b(?!s))*)")
_ROOT_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(Path\(__file__\)[^\n#]*)", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.why}: {self.text.strip()[:120]}"


def _levels_up(expression: re.Match) -> int:
    """How many folders above the file's own folder a Path(__file__) expression points."""
    before, index, after = expression.group(1), expression.group(2), expression.group(3)
    steps = before.count(".parent") + after.count(".parent")
    if index is not None:
        steps += int(index) + 1
    return steps - 1  # Path(__file__).parent is the file's own folder


def findings(path: str, text: str) -> list[Finding]:
    """What in `text` (the content of the tracked file `path`) points outside the repository."""
    folder = posixpath.dirname(path)
    depth = len([part for part in folder.split("/") if part])
    roots = {match.group(1) for match in _ROOT_ASSIGNMENT.finditer(text)
             if (inner := _FILE_PATH.match(match.group(2))) and _levels_up(inner) == depth}
    names = "|".join(map(re.escape, roots))
    root_parent = re.compile(rf"\b(?:{names})\.parent\b(?!s)") if roots else None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        def report(why: str, line: str = line, number: int = number) -> None:
            found.append(Finding(path, number, line, why))

        if _ABSOLUTE.search(line):
            report("machine-specific absolute path")
        if _OUTSIDE_FOLDER.search(line):
            report("the reference folder outside the repository")
        for match in _RELATIVE.finditer(line):
            token = match.group(0)
            if (path, token) in NOT_PATHS:
                continue
            if posixpath.normpath(posixpath.join(folder or ".", match.group(1))).startswith(".."):
                report(f"relative path {token!r} leaves the repository")
        if path.endswith(".py"):
            for match in _FILE_PATH.finditer(line):
                if _levels_up(match) > depth:
                    report("Path(__file__) climbs above the repository root")
            if root_parent is not None and root_parent.search(line):
                report("the repository root's parent")
    return found


def tracked_text_files() -> dict[str, str]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = {}
    for name in names.decode("utf-8").split("\0"):
        if not name or name == THIS_FILE or not (ROOT / name).is_file():
            continue
        data = (ROOT / name).read_bytes()
        if b"\0" in data:
            continue  # binary (ZIPs, fonts, images)
        files[name] = data.decode("utf-8", errors="replace")
    return files


def test_no_tracked_file_refers_to_a_path_outside_the_repository():
    # GIVEN every tracked text file
    files = tracked_text_files()
    assert "README.md" in files and "tests/fixtures/anaf/SOURCES.md" in files
    # WHEN each is searched for references outside the clone
    found = [finding for name, text in sorted(files.items()) for finding in findings(name, text)]
    # THEN there are none
    assert not found, "\n".join(map(str, found))


def test_the_real_anaf_files_are_inside_the_repository():
    from tests.fixtures import ANAF_SAMPLES, MF_CERTS
    assert ANAF_SAMPLES.is_relative_to(ROOT)
    names = {p.name for p in ANAF_SAMPLES.iterdir()}
    assert {"SOURCES.md", "prod-error-5935607155.zip", "prod-error-6552704998.zip",
            "anaf-example-invoice-ubl.xml", "anaf-example-credit-note.xml",
            "anaf-example-maximal-invoice.xml"} <= names
    assert MF_CERTS.is_relative_to(ROOT) and len(list(MF_CERTS.glob("*.pem"))) == 6


@pytest.mark.parametrize(("path", "line"), [
    ("tests/api/test_sync.py", 'x = (Path(__file__).resolve().parents[2]' + '.parent / "shared" / "anaf")'),
    ("tests/pdf/factory.py", 'SAMPLES = Path(__file__).parent.parent.parent.parent / "samples"'),
    ("bench/bench_parse.py", 'ROOT = Path(__file__).resolve().parents[1]\nDATA = ROOT.parent / "data"'),
    ("tests/invoices/conftest.py", f"read them from `{CLIMB_OUT * 3}shared/anaf/samples/`"),
    ("Makefile", "DATA := ../data"),
    ("README.md", f"see {WORKSPACE}shared/anaf/API.md"),
    ("scripts/find-python", "/root/.pyenv/versions/3.12*/bin/python3"),
    ("local/x.py", 'open("/home/alice/certs.pem")'),
    ("local/x.py", 'open("/Users/alice/certs.pem")'),
    ("docs/x.md", "the samples in shared/anaf/samples"),
])
def test_the_check_sees_references_outside(path, line):
    assert findings(path, line), line


@pytest.mark.parametrize(("path", "line"), [
    ("tests/api/test_sync.py", 'x = Path(__file__).resolve().parents[1] / "fixtures" / "anaf"'),
    ("tests/pdf/factory.py", 'HERE = Path(__file__).parent.parent'),
    ("bench/bench_parse.py", 'ROOT = Path(__file__).resolve().parents[1]\nsys.path.insert(0, str(ROOT))'),
    ("infra/packaging.py", 'REPO_ROOT = Path(__file__).resolve().parent.parent'),
    ("web/js/pages/companies.js", '} from "../anaf.js";'),
    ("infra/cdk.json", '"app": "../.venv/bin/python app.py", "../chalicelib/**"'),
    ("functions/render_pdf/requirements.txt", "-r ../../requirements.txt"),
    ("tests/pdf/test_safety.py", '"arhivar-asset:../renderer.py", "arhivar-asset:/etc/passwd"'),
    ("README.md", "spools the ZIP's central directory to /tmp; s3://bucket/config/trusted-signers.pem"),
    ("README.md", f'the "$HOME"/.pyenv interpreters; ~{WORKSPACE} is not ours; a{WORKSPACE}b; shared/anaf-like'),
    ("chalicelib/openapi.json", '"poll GET .../exports/{export_id}"'),
])
def test_the_check_leaves_references_inside_alone(path, line):
    assert not findings(path, line), findings(path, line)

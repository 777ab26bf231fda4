"""Vulnerability audit of the locked dependency sets (run by `make test`, alone by `make audit`).

pip-audit checks every pin of requirements-dev.txt (the union of all the locks, at the same
versions: see the Makefile) against the advisories PyPI publishes, without installing anything.
Each finding is printed with the locked sets that carry the package (what ships in a Lambda
package and what is only a development tool).

Policy:
- an advisory that has a fixed release FAILS the step (exit 1): upgrade the package
  (`make lock LOCK_ARGS="--upgrade-package NAME"`), or, when the fix cannot be taken yet, list the
  advisory's id in audit-ignore.txt with the reason;
- an advisory without a fixed release is printed and does not fail: nothing to upgrade to;
- when the advisory service cannot be reached or does not answer in time, a notice is printed
  and the step succeeds (the audit is a report, it must not stop an offline machine's tests).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDITED = "requirements-dev.txt"
SETS = {
    "requirements.txt": "API/workers",
    "functions/render_pdf/requirements.txt": "render_pdf",
    "infra/requirements.txt": "CDK",
    "requirements-dev.txt": "dev/test",
}
IGNORE_FILE = "audit-ignore.txt"
SOCKET_TIMEOUT_S = int(os.environ.get("ARHIVAR_AUDIT_SOCKET_TIMEOUT", "10"))
TOTAL_TIMEOUT_S = int(os.environ.get("ARHIVAR_AUDIT_TIMEOUT", "240"))
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]

    @property
    def fixable(self) -> bool:
        return bool(self.fixed_in)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_names(lock_text: str) -> set[str]:
    return {canonical(match) for match in _PIN.findall(lock_text)}


def findings(report: dict) -> list[Finding]:
    """The advisories of a pip-audit JSON report, one per (package, advisory)."""
    return [Finding(dependency["name"], dependency.get("version", "?"), vuln["id"],
                    tuple(vuln.get("aliases", [])), tuple(vuln.get("fix_versions", [])))
            for dependency in report.get("dependencies", [])
            for vuln in dependency.get("vulns", [])]


def ignored_ids(text: str) -> list[str]:
    """audit-ignore.txt: one advisory id a line, `# reason` after it; blank lines and comments."""
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def describe(finding: Finding, sets: dict[str, set[str]]) -> str:
    carried = [label for label, names in sets.items() if canonical(finding.package) in names]
    aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
    fix = f"fixed in {', '.join(finding.fixed_in)}" if finding.fixable else "no fixed release yet"
    return (f"  {finding.package} {finding.version}: {finding.advisory}{aliases}, {fix}; "
            f"in {', '.join(carried) or 'no lock'}")


def run_pip_audit(root: Path, ignored: list[str]) -> dict | None:
    """pip-audit's JSON report, or None (with a notice printed) when it could not be had."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes",
                   "-r", str(root / AUDITED), "--format", "json", "--progress-spinner", "off",
                   "--timeout", str(SOCKET_TIMEOUT_S), "-o", str(output)]
        for advisory in ignored:
            command += ["--ignore-vuln", advisory]
        try:
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False,
                                  timeout=TOTAL_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print(f"Dependency audit: no answer from the advisory service within {TOTAL_TIMEOUT_S} s; "
                  "skipped (run `make audit` again when online).")
            return None
        try:
            return json.loads(output.read_text())
        except (OSError, ValueError):
            reason = (done.stderr.strip().splitlines() or ["no report"])[-1]
            print(f"Dependency audit: skipped, the advisory service could not be used ({reason}).")
            return None


def main(root: Path = ROOT) -> int:
    ignore_path = root / IGNORE_FILE
    ignored = ignored_ids(ignore_path.read_text()) if ignore_path.exists() else []
    report = run_pip_audit(root, ignored)
    if report is None:
        return 0
    sets = {label: pinned_names((root / path).read_text()) for path, label in SETS.items()}
    found = findings(report)
    checked = len(report.get("dependencies", []))
    if not found:
        print(f"Dependency audit: {checked} locked packages, no known vulnerabilities.")
        return 0
    fixable = [f for f in found if f.fixable]
    print(f"Dependency audit: {checked} locked packages, {len(found)} advisories "
          f"({len(fixable)} with a fixed release).")
    for finding in sorted(found, key=lambda f: (not f.fixable, f.package, f.advisory)):
        print(describe(finding, sets))
    if fixable:
        print("Upgrade them: make lock LOCK_ARGS=\"--upgrade-package NAME\" (or list the id in "
              f"{IGNORE_FILE} with the reason the fix cannot be taken yet).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

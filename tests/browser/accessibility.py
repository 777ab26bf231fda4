"""axe-core (bundled by axe-playwright-python) run on the page as it is on screen, and the
serious and critical violations it finds, printed so that a failing test says what to fix."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
_AXE = Axe()
# The WCAG 2.x A and AA rules plus axe's best practices (landmarks, heading order, one <h1>).
_OPTIONS = {"resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                  "wcag22aa", "best-practice"]}}


def blocking_violations(page: Page) -> list[dict]:
    """The serious and critical violations on the page as it is now (open dialogs included)."""
    results = _AXE.run(page, options=_OPTIONS)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


def report(where: str, violations: list[dict]) -> str:
    """One paragraph per violation: rule, impact, what it asks, and each element with axe's advice."""
    lines = [f"{where}: {len(violations)} serious/critical accessibility violation(s)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            if summary:
                lines.append(f"      {summary[:400]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)

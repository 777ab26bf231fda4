"""`make screenshots`: PNGs of the journey's pages at 1366 px and 390 px, for review.

Starts the local stack on free ports as the tests do (moto, ANAF sandbox, web + API), creates the
journey's data (a user with a synced sandbox company, an owned company), then walks the same
pages in the same states as the accessibility test (tests/browser/journey.py) in Debian's
Chromium and writes one full-page PNG per page and width under var/screenshots/ (git-ignored),
printing each path. Every process it started is stopped at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import sys

from playwright.sync_api import sync_playwright

from bench._local import ROOT, app_environment, free_ports, stop_on_sigterm  # first: fake AWS credentials
from chalicelib import dependencies
from local.stack import LocalStack
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.journey import SIGNED_IN, SIGNED_OUT, VIEWPORTS, export_worker, prepare, visit

OUTPUT = ROOT / "var" / "screenshots"


def main() -> None:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    written = 0
    stop_on_sigterm()
    # The stack the tests start (local/moto_server.py serves the sent mail the sign-up code is read from)
    stack = LocalStack(free_ports(), runtime=False, quiet=True)
    stack.start()
    with contextlib.ExitStack() as running:
        running.callback(stack.stop)
        running.enter_context(app_environment(stack.environment))
        playwright = running.enter_context(sync_playwright())
        base_url, sandbox_url = stack.ports.web_url, stack.ports.sandbox_url
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            journey = prepare(browser, base_url, sandbox_url)
            for width, viewport in VIEWPORTS.items():
                folder = OUTPUT / width
                folder.mkdir(parents=True, exist_ok=True)
                for number, (stop, signed_in) in enumerate(
                        [(s, False) for s in SIGNED_OUT] + [(s, True) for s in SIGNED_IN], start=1):
                    context = browser.new_context(base_url=base_url, locale="ro-RO", viewport=viewport,
                                                  storage_state=journey.session if signed_in else None)
                    page = context.new_page()
                    worker = (export_worker(dependencies.settings()) if stop.needs_export_worker
                              else contextlib.nullcontext())
                    with worker:
                        visit(page, journey, stop)
                    path = folder / f"{number:02d}-{stop.name}.png"
                    # An open modal dialog stays in the viewport: a full-page image would cut its backdrop
                    page.screenshot(path=str(path), full_page=page.locator("dialog[open]").count() == 0)
                    context.close()
                    print(path.relative_to(ROOT), flush=True)
                    written += 1
        finally:
            browser.close()
    print(f"{written} screenshots in {OUTPUT.relative_to(ROOT)}/", flush=True)


if __name__ == "__main__":
    sys.exit(main())

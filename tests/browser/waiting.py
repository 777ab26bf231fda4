"""Waiting on conditions in browser tests, never for a fixed time.

* ``wait_until``: a Python-side condition that Playwright callbacks set (a routed request held
  by the test), polled until true or a deadline; each round trip lets Playwright deliver events.
* ``requests_settled``: after a client-side check, proves the page sent nothing before now. The
  page fetches a marker URL and the test waits for that request: the page's requests reach the
  test in the order the page made them, so anything sent earlier has been seen by then.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from playwright.sync_api import Page

DEADLINE_S = 15.0


def wait_until(page: Page, condition: Callable[[], object], what: str, timeout_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        page.evaluate("0")  # one round trip: Playwright dispatches the events that arrived meanwhile


def requests_settled(page: Page) -> None:
    marker = f"/api/health?requests-settled={uuid.uuid4().hex}"
    with page.expect_request(lambda request: marker in request.url, timeout=DEADLINE_S * 1000):
        page.evaluate("url => { fetch(url).catch(() => {}); }", marker)

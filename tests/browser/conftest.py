"""Playwright driving Debian's Chromium (never a downloaded browser) against the local stack,
plus the people and companies the browser tests need (the API tests' helpers, reused)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.api.conftest import (
    PASSWORD,
    User,
    add_proven_company,
    email_address,
    last_code,
    new_company,
    sign_up,
)
from tests.api.proven import Proven
from tests.api.proven import proven_company as new_proven_company

# `make test` runs three browsers on two cores next to the local stacks: a page redrawn after a
# click can take longer than Playwright's default 5 s there. Assertions still wait for the final
# state; only the patience changes.
expect.set_options(timeout=15_000)

__all__ = ["PASSWORD", "User", "email_address", "last_code", "log_in", "sign_up"]

CHROMIUM = os.environ.get("ARHIVAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# Chromium logs every 4xx answer as a console error ("Failed to load resource: …"). The app
# expects and explains those (wrong password, duplicate company, no session…), so they are not
# page errors; the tests assert what the person sees instead. 5xx answers stay errors unless a
# test declares them (allowed_console_errors).
HANDLED_API_ANSWER = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def allowed_console_errors() -> list[re.Pattern]:
    """Console errors this test expects; append to it (e.g. a 503 the page explains)."""
    return [HANDLED_API_ANSWER]


def _watched_page(browser: Browser, base_url: str, allowed: list[re.Pattern], **options):
    context = browser.new_context(base_url=base_url, **{"locale": "ro-RO", **options})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return context, page, errors


def _check(errors: list[str], allowed: list[re.Pattern]) -> None:
    unexpected = [e for e in errors if not any(pattern.search(e) for pattern in allowed)]
    assert unexpected == [], f"the page logged errors: {unexpected}"


@pytest.fixture
def page(browser: Browser, base_url: str, allowed_console_errors) -> Page:
    context, page, errors = _watched_page(browser, base_url, allowed_console_errors)
    yield page
    context.close()
    _check(errors, allowed_console_errors)


@pytest.fixture
def english_page(browser: Browser, base_url: str, allowed_console_errors) -> Page:
    """A page in an English (en-US) Chromium: what the app shows must not follow the browser's language."""
    context, page, errors = _watched_page(browser, base_url, allowed_console_errors, locale="en-US")
    yield page
    context.close()
    _check(errors, allowed_console_errors)


@pytest.fixture
def new_page(browser: Browser, base_url: str, allowed_console_errors) -> Callable[[], Page]:
    """More pages, each its own browser profile (a second person at another computer)."""
    opened = []

    def open_page() -> Page:
        context, page, errors = _watched_page(browser, base_url, allowed_console_errors)
        opened.append((context, errors))
        return page

    yield open_page
    for context, errors in opened:
        context.close()
        _check(errors, allowed_console_errors)


def log_in(page: Page, user: User, *, start: str = "/autentificare") -> None:
    """Sign in through the login form, as a person does."""
    page.goto(start)
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_label("Parola").fill(user.password)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.locator("#sesiune")).to_contain_text(user.email)


@pytest.fixture
def new_user(base_url: str) -> Callable[..., User]:
    """A confirmed account, created through the API (the sign-up UI has its own test)."""
    return lambda email=None: sign_up(base_url, email)


@pytest.fixture(scope="session")
def shared_user(base_url: str) -> User:
    """One account for tests that only look around; never signed out, deleted or re-passworded."""
    return sign_up(base_url)


@pytest.fixture(scope="session")
def _shared_session(browser: Browser, base_url: str, shared_user: User) -> dict:
    """The shared user's browser state after one real login (refresh cookie + session hint)."""
    context = browser.new_context(base_url=base_url, locale="ro-RO")
    page = context.new_page()
    log_in(page, shared_user)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def shared_page(browser: Browser, base_url: str, _shared_session, allowed_console_errors) -> Page:
    """A page already signed in as shared_user: the session is restored from the cookie."""
    context, page, errors = _watched_page(browser, base_url, allowed_console_errors,
                                          storage_state=_shared_session)
    yield page
    context.close()
    _check(errors, allowed_console_errors)


@pytest.fixture(scope="session")
def sandbox_url(local_stack) -> str:
    return local_stack.ports.sandbox_url


@pytest.fixture
def fresh_cif(sandbox_url) -> Callable[[], str]:
    """A CIF ANAF's lookup knows and no test has registered (created in the sandbox)."""
    return lambda: new_company(sandbox_url)


@pytest.fixture
def proven_company(sandbox_url):
    """add_proven_company(user, cif): registered and proven with a certificate of the user's."""
    return lambda user, cif: add_proven_company(user, cif, sandbox_url)


@pytest.fixture
def viewed_company(page: Page, base_url: str, sandbox_url: str) -> Proven:
    """A new proven company, with `page` signed in as a colleague who accepted a viewer invitation."""
    company = new_proven_company(base_url, sandbox_url)
    viewer = sign_up(base_url)
    company.invite_and_accept(viewer, "viewer")
    log_in(page, viewer)
    return company


@pytest.fixture
def anaf_faults(sandbox_url):
    """Inject ANAF faults through the sandbox's admin API; cleared after the test."""
    def inject(kind: str, path: str, count: int = 5) -> None:
        answer = requests.post(f"{sandbox_url}/__sandbox/faults",
                               json={"kind": kind, "path": path, "count": count}, timeout=10)
        assert answer.ok, answer.text

    def clear() -> None:
        requests.delete(f"{sandbox_url}/__sandbox/faults", timeout=10)

    inject.clear = clear
    yield inject
    clear()

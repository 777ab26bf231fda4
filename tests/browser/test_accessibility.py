"""Accessibility of every page of the journey, in real Chromium: axe-core finds no serious or
critical violation on any page, signed out and signed in, on a laptop (1366 px) and a phone
(390 px); the main journey works with the keyboard alone; and the focused element is outlined
visibly (WCAG 2.4.7 and 1.4.11: an outline of at least 3:1 against what surrounds it).

The signed-in pages show a real archive: a sandbox company synced in-process, one of its
documents open in the dialog, a finished export, the company's security journal."""

from __future__ import annotations

import contextlib
import re

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page, expect

from tests.api.conftest import User, authorize
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import PASSWORD, email_address, last_code
from tests.browser.contrast import focus_ring
from tests.browser.journey import (
    SIGNED_IN,
    SIGNED_OUT,
    VIEWPORTS,
    Journey,
    Stop,
    export_worker,
    prepare,
    visit,
)

pytestmark = pytest.mark.browser

FOCUS_CONTRAST = 3.0  # WCAG 1.4.11, non-text contrast


@pytest.fixture(scope="module")
def journey(local_stack, base_url, browser: Browser) -> Journey:
    return prepare(browser, base_url, local_stack.ports.sandbox_url)


def check(page: Page, journey: Journey, stop: Stop, where: str) -> None:
    visit(page, journey, stop)
    violations = blocking_violations(page)
    assert violations == [], report(where, violations)
    # WCAG 1.4.10 (reflow): the page itself never scrolls sideways (a wide table scrolls in its box)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{where}: the page scrolls sideways by {overflow} px"
    if page.viewport_size and page.viewport_size["width"] >= 1366:
        # ... and on a laptop no table hides a column or its row buttons behind its own scrollbar
        clipped = page.locator(".tabel-derulant").evaluate_all(
            "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.scrollWidth - b.clientWidth)")
        assert clipped == [], f"{where}: a table scrolls sideways in its box by {clipped} px"


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("stop", SIGNED_OUT, ids=[stop.name for stop in SIGNED_OUT])
def test_signed_out_pages_pass_axe_and_never_scroll_sideways(new_page, journey: Journey, viewport: str, stop: Stop):
    page = new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    check(page, journey, stop, f"{stop.name} at {viewport} px, signed out")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("stop", SIGNED_IN, ids=[stop.name for stop in SIGNED_IN])
def test_signed_in_pages_pass_axe_and_never_scroll_sideways(browser: Browser, base_url, settings, journey: Journey,
                                                    viewport: str, stop: Stop):
    context = browser.new_context(base_url=base_url, locale="ro-RO", viewport=VIEWPORTS[viewport],
                                  storage_state=journey.session)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with export_worker(settings) if stop.needs_export_worker else contextlib.nullcontext():
            check(page, journey, stop, f"{stop.name} at {viewport} px, signed in")
    finally:
        context.close()
    assert errors == [], f"the page threw: {errors}"


# -- the keyboard alone ---------------------------------------------------------------------------

def is_focused(target: Locator) -> bool:
    return target.evaluate_all("elements => elements.includes(document.activeElement)")


def tab_to(page: Page, target: Locator, presses: int = 60) -> None:
    """Tab (or Shift+Tab) until `target` has focus, as a keyboard user does; then its focus ring must
    be visible: a solid outline of at least 2 px and 3:1 against what surrounds it."""
    # Shift+Tab when the target comes before the focused element in the page (e.g. the header's links)
    key = target.first.evaluate("""(el) => {
      const focused = document.activeElement;
      const before = focused && focused.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING;
      return before ? "Shift+Tab" : "Tab";
    }""")
    for _ in range(presses):
        if is_focused(target):
            break
        page.keyboard.press(key)
    assert is_focused(target), f"{target} is not reachable with Tab"
    ring = focus_ring(page)
    assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus ring: {ring}"
    assert ring["contrast"] >= FOCUS_CONTRAST, f"the focus ring is too faint: {ring}"


def test_the_main_journey_works_with_the_keyboard_alone_and_focus_is_visible(
        page: Page, base_url, sandbox_url, journey: Journey):
    email = email_address("tastatura")
    # Sign up: type, Tab, Space on the terms, Enter on the button
    page.goto("/inregistrare")
    tab_to(page, page.get_by_label("Adresa de e-mail"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Parola", exact=True))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.get_by_label("Confirmarea parolei"))
    page.keyboard.type(PASSWORD)
    terms = page.get_by_role("checkbox")
    tab_to(page, terms)
    page.keyboard.press("Space")
    expect(terms).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Creează contul"))
    page.keyboard.press("Enter")

    # Confirm with the e-mailed code, then log in
    expect(page).to_have_url(re.compile(r"/confirmare\?"))
    tab_to(page, page.get_by_label("Codul de confirmare"))
    page.keyboard.type(last_code(email))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/autentificare\?"))
    tab_to(page, page.get_by_label("Parola"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#sesiune")).to_contain_text(email)

    # Add the synced sandbox company by its CIF
    cif = journey.archive.cif
    tab_to(page, page.get_by_role("link", name="Companii", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Panoul de control al companiilor")
    tab_to(page, page.get_by_label("CIF-ul companiei"))
    page.keyboard.type(cif)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Date găsite la ANAF")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Adaugă compania"))
    page.keyboard.press("Enter")
    expect(page.locator(f'tr[data-cif="{cif}"]')).to_be_visible()

    # The certificate holder proves the access at ANAF (another site, not ours to test here)
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    serial = next(c["serial"] for c in world["certificates"] if cif in c["cifs"])
    assert authorize(User(base_url, email).log_in(), cif, serial)["anaf"] in ("connected", "proven")

    # Documents from the company's row, then one document's dialog, and back with Escape
    tab_to(page, page.get_by_role("link", name="Companii", exact=True))
    page.keyboard.press("Enter")
    documents_link = page.locator(f'tr[data-cif="{cif}"] a[href^="/documente"]')
    expect(documents_link).to_be_visible()
    tab_to(page, documents_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Documente", level=1)).to_be_visible()
    details = page.locator("[data-detalii]").first
    expect(details).to_be_visible()
    tab_to(page, details)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Furnizor")
    assert dialog.evaluate("d => d.contains(document.activeElement)"), "focus stays outside the dialog"
    tab_to(page, dialog.get_by_role("button", name="Închide"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(details).to_be_focused()

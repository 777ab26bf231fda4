"""Accessibility of every page of the journey, in real Chromium: axe-core finds no serious or
critical violation on any page, signed out and signed in, on a laptop (1366 px) and a phone
(390 px); the main journey works with the keyboard alone; and the focused element is outlined
visibly (WCAG 2.4.7 and 1.4.11: an outline of at least 3:1 against what surrounds it).

The signed-in pages show a real archive: a sandbox company synced in-process, one of its
documents open in the dialog, a finished export, the company's security journal."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from chalicelib.topology import queue
from functions.build_export import handler as export_handler
from local.runtime import QueuePoller
from tests.api.conftest import User, add_proven_company, authorize, new_company
from tests.api.test_documents import Archive, sync_company
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import PASSWORD, email_address, last_code, log_in
from tests.browser.contrast import focus_ring

pytestmark = pytest.mark.browser

VIEWPORTS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
FOCUS_CONTRAST = 3.0  # WCAG 1.4.11, non-text contrast


@dataclass
class Journey:
    archive: Archive
    owned_cif: str  # a company the user registered and proved: its owner sees the security journal
    session: dict  # the browser's state after one real login


@pytest.fixture(scope="module")
def journey(local_stack, base_url, browser: Browser) -> Journey:
    sandbox_url = local_stack.ports.sandbox_url
    archive = sync_company(base_url, sandbox_url)
    owned = new_company(sandbox_url)
    add_proven_company(archive.user, owned, sandbox_url)
    context = browser.new_context(base_url=base_url, locale="ro-RO")
    page = context.new_page()
    log_in(page, archive.user)
    state = context.storage_state()
    context.close()
    return Journey(archive, owned, state)


@pytest.fixture
def export_worker(settings):
    """The export queue's consumer while the test runs, as the local runtime would run it."""
    stop = threading.Event()
    poller = QueuePoller(settings, queue("export"), export_handler.lambda_handler, wait_time_s=1)
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def settled(page: Page) -> None:
    """The page has its heading and has finished loading what it shows."""
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main [aria-busy='true']")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Se încarcă…")
    expect(page.locator("#stare-serviciu")).not_to_have_text("Se verifică serviciul…")


def open_document_dialog(page: Page) -> None:
    page.locator("[data-detalii]").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Furnizor")
    expect(dialog.locator("table.linii tbody tr").first).to_be_visible()


def finish_an_export(page: Page) -> None:
    page.get_by_role("button", name="Descarcă toate documentele").click()
    expect(page.get_by_role("link", name="Descarcă arhiva ZIP")).to_be_visible(timeout=30_000)


def fill_reset_request(page: Page) -> None:
    page.get_by_label("Adresa de e-mail").fill("cineva@example.com")
    page.get_by_role("button", name="Am deja un cod").click()
    expect(page.get_by_label("Codul primit pe e-mail")).to_be_visible()


# (name, address, what the person does there before the check)
SIGNED_OUT: list[tuple[str, str, Callable[[Page], None] | None]] = [
    ("prima-pagina", "/", None),
    ("inregistrare", "/inregistrare", None),
    ("autentificare", "/autentificare", None),
    ("confirmare", "/confirmare?email=cineva%40example.com", None),
    ("resetare-parola", "/resetare-parola", fill_reset_request),
    ("termeni", "/termeni", None),
    ("rezultat-anaf", "/autorizare-anaf?anaf=connected&cif={cif}", None),
    ("rezultat-anaf-eroare", "/autorizare-anaf?anaf=no_spv_rights&cif={cif}", None),
    ("404", "/nu-exista", None),
]
SIGNED_IN: list[tuple[str, str, Callable[[Page], None] | None]] = [
    ("companii", "/companii", None),
    ("pagina-companiei", "/companii/{cif}", None),
    ("documente", "/documente?cif={cif}", None),
    ("documente-dialog", "/documente?cif={cif}", open_document_dialog),
    ("exporturi", "/documente?cif={cif}", finish_an_export),
    ("cont", "/cont", None),
    ("notificari", "/cont/notificari", None),
    ("jurnal", "/companii/{owned}/jurnal", None),
    ("termeni", "/termeni", None),
    ("rezultat-anaf", "/autorizare-anaf?anaf=connected&cif={cif}", None),
    ("404", "/nu-exista", None),
]


def check(page: Page, where: str, address: str, action: Callable[[Page], None] | None) -> None:
    page.goto(address)
    settled(page)
    if action:
        action(page)
    violations = blocking_violations(page)
    assert violations == [], report(where, violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(("name", "address", "action"), SIGNED_OUT, ids=[p[0] for p in SIGNED_OUT])
def test_signed_out_pages_have_no_serious_violations(new_page, journey: Journey, viewport, name, address, action):
    page = new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    check(page, f"{name} at {viewport} px, signed out",
          address.format(cif=journey.archive.cif, owned=journey.owned_cif), action)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(("name", "address", "action"), SIGNED_IN, ids=[p[0] for p in SIGNED_IN])
def test_signed_in_pages_have_no_serious_violations(browser, base_url, allowed_console_errors, journey: Journey,
                                                    export_worker, viewport, name, address, action):
    context = browser.new_context(base_url=base_url, locale="ro-RO", viewport=VIEWPORTS[viewport],
                                  storage_state=journey.session)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        check(page, f"{name} at {viewport} px, signed in",
              address.format(cif=journey.archive.cif, owned=journey.owned_cif), action)
    finally:
        context.close()
    assert errors == []


# -- the keyboard alone ---------------------------------------------------------------------------

def is_focused(target) -> bool:
    return target.evaluate_all("elements => elements.includes(document.activeElement)")


def tab_to(page: Page, target, presses: int = 60) -> None:
    """Tab (forward) until `target` has focus, as a keyboard user does; then its focus ring must
    be visible: a solid outline of at least 2 px and 3:1 against what surrounds it."""
    for _ in range(presses):
        if is_focused(target):
            break
        page.keyboard.press("Tab")
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

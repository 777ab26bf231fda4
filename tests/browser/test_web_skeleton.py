"""The web skeleton, as a person sees it in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_the_home_page_speaks_romanian_and_shows_the_service_is_up(page: Page):
    page.goto("/")
    expect(page).to_have_title("Arhivar · Arhivar")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturile din SPV, păstrate 10 ani")
    nav = page.get_by_role("navigation", name="Navigare principală")
    for label in ("Companii", "Documente", "Contul meu"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    # The footer's status comes from GET /api/health: web and API share one origin.
    expect(page.locator("#stare-serviciu")).to_have_text("Serviciu funcțional")


def test_navigation_changes_the_page_and_the_back_button_works(page: Page):
    page.goto("/")
    page.get_by_role("link", name="Termeni și condiții").click()
    expect(page).to_have_url(re.compile(r"/termeni$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Termeni și condiții")
    # Signed out, a protected page asks for the login first.
    page.get_by_role("navigation", name="Navigare principală").get_by_role("link", name="Companii").click()
    expect(page).to_have_url(re.compile(r"/autentificare\?inapoi=%2Fcompanii$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Termeni și condiții")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturile din SPV, păstrate 10 ani")


def test_the_login_page_asks_for_both_fields(page: Page):
    page.goto("/autentificare")
    expect(page.get_by_label("Adresa de e-mail")).to_be_visible()
    expect(page.get_by_label("Parola")).to_have_attribute("type", "password")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("alert")).to_have_text("Introduceți adresa de e-mail și parola.")
    expect(page.get_by_role("link", name="Creează un cont nou")).to_have_attribute("href", "/inregistrare")


def test_an_unknown_address_shows_a_romanian_not_found_page(page: Page):
    page.goto("/nu-exista")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina nu există")

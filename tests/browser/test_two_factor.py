"""Two-factor login in the browser: enrolment on "Contul meu" (QR code, key, first code,
recovery codes shown once), signing in with an authenticator code or a recovery code, and a
company that requires it of its members."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.proven import invite_and_accept
from tests.api.test_two_factor import enrol
from tests.browser.conftest import log_in
from tests.totp import current_code, wrong_code

pytestmark = pytest.mark.browser


def password_step(page: Page, user) -> None:
    page.goto("/autentificare")
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_label("Parola").fill(user.password)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_label("Codul din aplicație")).to_be_focused()


def test_enrol_on_the_account_page_log_out_and_log_in_with_a_totp_code(page: Page, new_user):
    user = new_user()
    log_in(page, user)

    # GIVEN the account page of a user without two-factor login
    page.goto("/cont")
    card = page.locator("#autentificare-doi-pasi")
    expect(card.locator("#stare-2fa-text")).to_contain_text("Dezactivată")

    # WHEN they start enrolling, THEN they see a QR code and the key as text
    card.get_by_role("button", name="Activează autentificarea în doi pași").click()
    expect(card.get_by_role("img", name="Codul QR pentru aplicația de autentificare").locator("svg")).to_be_visible()
    secret = card.locator("#cheie-2fa").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret, flags=re.IGNORECASE)

    # WHEN the first code is wrong, THEN they are told and stay on the step
    card.get_by_label("Codul din aplicație").fill(wrong_code(secret))
    card.get_by_role("button", name="Confirmă și activează").click()
    expect(card.locator("#mesaj-2fa")).to_contain_text("Codul nu este corect")

    # WHEN the app's current code confirms it, THEN ten recovery codes are shown once
    card.get_by_label("Codul din aplicație").fill(current_code(secret))
    card.get_by_role("button", name="Confirmă și activează").click()
    expect(card.locator(".mesaj.succes")).to_have_text("Autentificarea în doi pași este activă.")
    expect(card.locator("#coduri-recuperare li")).to_have_count(10)
    card.get_by_role("button", name="Am salvat codurile").click()
    expect(card.locator("#stare-2fa-text")).to_contain_text("Activă")
    expect(card.locator("#coduri-ramase")).to_have_text("10")
    expect(card.locator("#coduri-recuperare")).to_have_count(0)

    # WHEN they log out and in again, THEN the password alone is not enough
    page.get_by_role("button", name="Ieșire").click()
    expect(page.locator("#sesiune").get_by_role("link", name="Autentificare")).to_be_visible()
    password_step(page, user)
    expect(page.locator("#sesiune")).not_to_contain_text(user.email)

    # WHEN the code is wrong, THEN they are told; WHEN it is the app's code, THEN they are in
    page.get_by_label("Codul din aplicație").fill(wrong_code(secret))
    page.get_by_role("button", name="Verifică codul").click()
    expect(page.get_by_role("alert")).to_contain_text("Codul nu este corect")
    page.get_by_label("Codul din aplicație").fill(current_code(secret))
    page.get_by_role("button", name="Verifică codul").click()
    expect(page.locator("#sesiune")).to_contain_text(user.email)
    expect(page).to_have_url(re.compile(r"/companii$"))


def test_a_company_requirement_is_set_by_its_owner_and_explained_to_members(page: Page, new_page,
                                                                            new_user, fresh_cif,
                                                                            proven_company):
    owner, member, cif = new_user(), new_user(), fresh_cif()
    proven_company(owner, cif)
    invite_and_accept(owner, member, cif, "viewer")
    _, codes = enrol(owner)

    # GIVEN the owner signs in with a recovery code (no phone at hand)
    password_step(page, owner)
    page.get_by_label("Codul din aplicație").fill(codes[0])
    page.get_by_role("button", name="Verifică codul").click()
    expect(page.locator("#sesiune")).to_contain_text(owner.email)
    # THEN "Contul meu" counts the code as used and says when, in case it was not them
    page.goto("/cont")
    expect(page.locator("#coduri-ramase")).to_have_text("9")
    expect(page.locator("#ultimul-cod-folosit")).to_contain_text("Ultimul cod de recuperare a fost folosit la")

    # WHEN they require two-factor login on the company's page
    page.goto(f"/companii/{cif}")
    required = page.get_by_label("2FA obligatoriu pentru membri")
    expect(required).to_be_enabled()
    expect(required).not_to_be_checked()
    required.check()
    expect(page.locator("#mesaj-securitate")).to_contain_text("este obligatorie pentru toți membrii")
    expect(required).to_be_checked()

    # THEN a member without it is told why they cannot see the company, and where to enrol
    other = new_page()
    log_in(other, member)
    other.goto(f"/companii/{cif}")
    expect(other.get_by_role("heading", level=1)).to_have_text("Este necesară autentificarea în doi pași")
    expect(other.get_by_role("alert")).to_contain_text("cere autentificarea în doi pași")
    other.get_by_role("link", name="Activează autentificarea în doi pași").click()
    expect(other).to_have_url(re.compile(r"/cont$"))
    expect(other.locator("#nota-2fa-obligatoriu")).to_contain_text(cif)

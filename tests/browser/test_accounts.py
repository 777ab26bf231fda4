"""Accounts in the browser: sign up, confirm, log in and out, sessions, passwords, deletion."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, email_address, last_code, log_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Altă-Parolă-Bună-2027?"


def rule(page: Page, name: str):
    return page.locator("#reguli-parola li", has_text=name)


def test_a_new_user_signs_up_confirms_the_address_and_logs_in(page: Page):
    email = email_address("nou")
    # GIVEN someone on the sign-up page
    page.goto("/")
    page.get_by_role("link", name="Creează un cont nou").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Creează un cont nou")

    # WHEN they type a password, THEN the policy checklist ticks the rules it meets
    page.get_by_label("Adresa de e-mail").fill(email)
    password = page.get_by_label("Parola", exact=True)
    password.fill("abc")
    expect(rule(page, "O literă mică")).to_have_class(re.compile("indeplinita"))
    expect(rule(page, "O literă mare")).not_to_have_class(re.compile("indeplinita"))
    expect(rule(page, "Cel puțin 12 caractere")).not_to_have_class(re.compile("indeplinita"))
    password.fill(PASSWORD)
    for name in ("Cel puțin 12 caractere", "O literă mică", "O literă mare", "O cifră", "Un simbol"):
        expect(rule(page, name)).to_have_class(re.compile("indeplinita"))

    # WHEN the confirmation differs, THEN they are told
    page.get_by_label("Confirmarea parolei").fill(PASSWORD + "x")
    expect(page.locator("#eroare-confirmare")).to_have_text("Parolele nu coincid.")
    page.get_by_label("Confirmarea parolei").fill(PASSWORD)
    expect(page.locator("#eroare-confirmare")).to_be_hidden()

    # WHEN they submit without accepting the terms, THEN nothing is created and they are told why
    page.get_by_role("button", name="Creează contul").click()
    expect(page.locator("#eroare-termeni")).to_have_text(
        "Pentru a crea contul trebuie să acceptați Termenii și condițiile.")
    expect(page).to_have_url(re.compile(r"/inregistrare$"))
    expect(page.get_by_role("link", name="Termenii și condițiile")).to_have_attribute("href", "/termeni")

    # WHEN they accept and submit, THEN they land on the confirmation page with their address
    page.get_by_label("Am citit și accept").check()
    page.get_by_role("button", name="Creează contul").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmarea contului")
    expect(page.get_by_role("alert")).to_contain_text(f"Am trimis un cod de 6 cifre la {email}")
    expect(page.get_by_label("Adresa de e-mail")).to_have_value(email)

    # WHEN they ask for another code, THEN it is sent; asked again at once, they are asked to wait (429)
    page.get_by_role("button", name="Retrimite codul").click()
    expect(page.get_by_role("alert")).to_contain_text("am trimis un cod nou")
    page.get_by_role("button", name="Retrimite codul").click()
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Ați cerut deja un cod de curând\. Încercați din nou peste (1 minut|\d+ (de )?secunde)\."))

    # WHEN they type a wrong code, THEN it is refused; the right one confirms the account
    page.get_by_label("Codul de confirmare").fill("000000" if last_code(email) != "000000" else "111111")
    page.get_by_role("button", name="Confirmă contul").click()
    expect(page.get_by_role("alert")).to_contain_text("Codul nu este corect")
    page.get_by_label("Codul de confirmare").fill(last_code(email))
    page.get_by_role("button", name="Confirmă contul").click()

    # THEN the login page says so, with the address filled in; logging in opens the dashboard
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    expect(page.get_by_role("alert")).to_contain_text("Contul a fost confirmat.")
    expect(page.get_by_label("Adresa de e-mail")).to_have_value(email)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).to_have_url(re.compile(r"/companii$"))
    expect(page.locator("#sesiune")).to_contain_text(email)
    expect(page.get_by_role("button", name="Ieșire")).to_be_visible()
    # AND a new account starts with the empty state explaining the next steps
    empty = page.locator("#fara-companii")
    expect(empty).to_contain_text("Nu aveți încă nicio companie în cont")
    expect(empty).to_contain_text("Autorizați apoi compania la ANAF")


def test_signing_up_with_a_taken_address_says_so(page: Page, new_user):
    existing = new_user()
    page.goto("/inregistrare")
    page.get_by_label("Adresa de e-mail").fill(existing.email)
    page.get_by_label("Parola", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmarea parolei").fill(PASSWORD)
    page.get_by_label("Am citit și accept").check()
    page.get_by_role("button", name="Creează contul").click()
    expect(page.get_by_role("alert")).to_contain_text("Există deja un cont cu această adresă de e-mail")
    expect(page.get_by_role("alert").get_by_role("link", name="Resetați parola")).to_be_visible()


def test_logging_in_to_an_unconfirmed_account_leads_to_the_confirmation_page(page: Page, base_url):
    email = email_address("neconfirmat")
    terms = requests.get(f"{base_url}/api/terms", timeout=10).json()["version"]
    created = requests.post(f"{base_url}/api/auth/signup", timeout=10, json={
        "email": email, "password": PASSWORD, "accepted_terms_version": terms})
    assert created.status_code == 201
    page.goto("/autentificare")
    page.get_by_label("Adresa de e-mail").fill(email)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmarea contului")
    expect(page.get_by_role("alert")).to_contain_text("Contul nu este confirmat încă")
    page.get_by_label("Codul de confirmare").fill(last_code(email))
    page.get_by_role("button", name="Confirmă contul").click()
    expect(page.get_by_role("alert")).to_contain_text("Contul a fost confirmat.")


def test_a_wrong_password_is_refused_in_romanian(page: Page, shared_user):
    page.goto("/autentificare")
    page.get_by_label("Adresa de e-mail").fill(shared_user.email)
    page.get_by_label("Parola").fill("Parolă-Greșită-1!")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("alert")).to_have_text("Adresa de e-mail sau parola nu este corectă.")
    expect(page.locator("#sesiune")).to_contain_text("Autentificare")


def test_too_many_wrong_passwords_ask_the_person_to_wait(page: Page, new_user, base_url):
    # GIVEN an account whose password was guessed at ten times (from elsewhere)
    user = new_user()
    for _ in range(10):
        answer = requests.post(f"{base_url}/api/auth/login", json={"email": user.email, "password": "Greșită-1!"},
                               headers={"X-Forwarded-For": "192.0.2.77"}, timeout=30)
        assert answer.status_code == 401
    # WHEN the person logs in with the right password THEN they are told, in Romanian, how long to wait
    page.goto("/autentificare")
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_label("Parola").fill(user.password)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(
        r"^Prea multe încercări de autentificare\. Încercați din nou peste 1[45] minute\.$"))
    expect(page.locator("#sesiune")).to_contain_text("Autentificare")


def test_the_session_survives_a_reload_and_logout_ends_it(page: Page, new_user):
    user = new_user()
    log_in(page, user)
    # WHEN the page is reloaded, THEN the person is still signed in (refresh cookie)
    page.reload()
    expect(page.locator("#sesiune")).to_contain_text(user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Panoul de control al companiilor")
    # WHEN they log out, THEN the header offers to log in and protected pages ask for it
    page.get_by_role("button", name="Ieșire").click()
    expect(page.get_by_role("alert")).to_contain_text("Ați ieșit din cont.")
    expect(page.locator("#sesiune").get_by_role("link", name="Autentificare")).to_be_visible()
    page.goto("/companii")
    expect(page).to_have_url(re.compile(r"/autentificare\?inapoi=%2Fcompanii$"))
    expect(page.get_by_role("alert")).to_have_text("Intrați în cont pentru a continua.")
    # AND a reload does not bring the session back
    page.reload()
    expect(page.locator("#sesiune").get_by_role("link", name="Autentificare")).to_be_visible()


def test_a_protected_page_asks_for_login_then_returns_there(page: Page, shared_user):
    page.goto("/cont")
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    page.get_by_label("Adresa de e-mail").fill(shared_user.email)
    page.get_by_label("Parola").fill(shared_user.password)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).to_have_url(re.compile(r"/cont$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contul meu")


def test_an_expired_session_sends_the_person_to_login_and_back(shared_page: Page, shared_user):
    shared_page.goto("/companii")
    expect(shared_page.locator("#sesiune")).to_contain_text(shared_user.email)
    # GIVEN the access token and the refresh cookie are no longer accepted
    shared_page.route("**/api/account", lambda route: route.fulfill(
        status=401, content_type="application/json",
        body='{"error": {"code": "not_authenticated", "message": "Sesiunea a expirat."}}'))
    shared_page.route("**/api/auth/refresh", lambda route: route.fulfill(
        status=401, content_type="application/json",
        body='{"error": {"code": "not_authenticated", "message": "Sesiunea a expirat."}}'))
    # WHEN the person opens a page that calls the API
    shared_page.get_by_role("link", name="Contul meu").click()
    # THEN they are asked to log in again, and come back to where they were going
    expect(shared_page.get_by_role("alert")).to_contain_text("Sesiunea a expirat.")
    expect(shared_page).to_have_url(re.compile(r"/autentificare\?inapoi=%2Fcont$"))
    shared_page.unroute("**/api/account")
    shared_page.unroute("**/api/auth/refresh")
    shared_page.get_by_label("Adresa de e-mail").fill(shared_user.email)
    shared_page.get_by_label("Parola").fill(shared_user.password)
    shared_page.get_by_role("button", name="Intră în cont").click()
    expect(shared_page.get_by_role("heading", level=1)).to_have_text("Contul meu")


def test_a_forgotten_password_is_reset_with_the_emailed_code(page: Page, new_user):
    user = new_user()
    page.goto("/autentificare")
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_role("link", name="Ați uitat parola?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resetarea parolei")
    expect(page.get_by_label("Adresa de e-mail")).to_have_value(user.email)
    page.get_by_role("button", name="Trimite codul").click()
    expect(page.get_by_role("alert")).to_contain_text("am trimis acolo un cod de resetare")

    page.get_by_label("Codul primit pe e-mail").fill(last_code(user.email))
    page.get_by_label("Parola nouă", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmarea parolei noi").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Schimbă parola").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    expect(page.get_by_role("alert")).to_contain_text("Parola a fost schimbată.")
    page.get_by_label("Parola").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.locator("#sesiune")).to_contain_text(user.email)


def test_changing_the_password_needs_the_current_one(page: Page, new_user):
    user = new_user()
    log_in(page, user, start="/cont")
    expect(page.locator("#cont-email")).to_have_text(user.email)
    expect(page.locator("#cont-termeni")).to_contain_text(
        re.compile(r"versiunea \d{4}-\d{2}-\d{2}, la \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}"))

    form = page.locator("#formular-parola")
    form.get_by_label("Parola actuală").fill("Nu-Este-Parola-1!")
    form.get_by_label("Parola nouă", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Confirmarea parolei noi").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Schimbă parola").click()
    expect(page.locator("#eroare-actuala")).to_have_text("Parola actuală nu este corectă.")

    form.get_by_label("Parola actuală").fill(PASSWORD)
    form.get_by_role("button", name="Schimbă parola").click()
    expect(page.locator("#mesaj-parola")).to_have_text("Parola a fost schimbată.")
    # This page got the new session: it works, and survives a reload (the new refresh cookie)
    page.reload()
    expect(page.locator("#cont-email")).to_have_text(user.email)

    # The new password is the one that works from now on.
    page.get_by_role("button", name="Ieșire").click()
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_label("Parola").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.locator("#sesiune")).to_contain_text(user.email)


def test_deleting_the_account_explains_the_consequences_first(page: Page, new_user):
    user = new_user()
    log_in(page, user, start="/cont")
    # GIVEN the explanation is on the page before anything can be confirmed
    explanation = page.locator("#explicatie-stergere")
    expect(explanation).to_contain_text("calitățile dumneavoastră de membru în companii se șterg")
    expect(explanation).to_contain_text("nu se șterg: legea cere păstrarea lor timp de 10 ani")
    expect(explanation).to_contain_text("Ceilalți membri ai companiilor își păstrează accesul")
    expect(explanation).to_contain_text("nu se mai sincronizează")
    expect(explanation).to_contain_text("singurul proprietar")
    expect(page.get_by_label("Pentru confirmare, introduceți parola")).to_be_hidden()

    # WHEN they go on and confirm with a wrong password, THEN nothing is deleted
    page.get_by_role("button", name="Vreau să șterg contul").click()
    page.get_by_label("Pentru confirmare, introduceți parola").fill("Greșită-Parola-1!")
    page.get_by_role("button", name="Șterge contul definitiv").click()
    expect(page.locator("#mesaj-stergere")).to_have_text("Parola nu este corectă. Contul nu a fost șters.")

    # WHEN they confirm with their password, THEN the account is gone
    page.get_by_label("Pentru confirmare, introduceți parola").fill(PASSWORD)
    page.get_by_role("button", name="Șterge contul definitiv").click()
    expect(page.locator("#continut").get_by_role("status")).to_contain_text("Contul a fost șters.")
    expect(page.locator("#sesiune").get_by_role("link", name="Autentificare")).to_be_visible()
    page.goto("/autentificare")
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("alert")).to_have_text("Adresa de e-mail sau parola nu este corectă.")


def test_the_terms_page_is_readable_and_shows_the_version(page: Page, base_url):
    version = requests.get(f"{base_url}/api/terms", timeout=10).json()["version"]
    page.goto("/termeni")
    expect(page.get_by_role("heading", level=1)).to_have_text("Termeni și condiții")
    expect(page.locator("#versiune-termeni")).to_have_text(f"Versiunea: {version}")
    for heading in ("Autorizarea la ANAF", "Arhivarea și păstrarea documentelor",
                    "Prelucrarea datelor personale", "Limitarea răspunderii",
                    "Încetarea utilizării și ștergerea contului"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("article")).to_contain_text("nealterată")
    expect(page.locator("article")).to_contain_text("10 ani")

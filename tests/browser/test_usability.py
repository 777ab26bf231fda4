"""What makes the app readable and findable for a Romanian accountant: button contrast in every
state, no sideways scrolling, the licence and notification settings one click away, and an
address bar that follows the page (login, logout, confirmation) with back/forward working."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, email_address, last_code, log_in
from tests.browser.contrast import AA_NORMAL_TEXT, contrast

pytestmark = pytest.mark.browser

BUTTON_KINDS = ["buton", "buton secundar", "buton secundar contur", "buton pericol", "buton pericol-contur",
                "buton mic secundar contur"]
SURROUNDINGS = ["card", "mesaj succes", "mesaj info", "mesaj eroare", "mesaj avertisment"]


def test_every_button_kind_is_readable_in_every_state(page: Page):
    # GIVEN every kind of button, as <button> and as a link, on a card and inside each message
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.evaluate("""([kinds, places]) => {
      const main = document.getElementById("continut");
      main.replaceChildren();
      let n = 0;
      for (const place of places) {
        const box = document.createElement("div");
        box.className = place;
        for (const kind of kinds) {
          for (const tag of ["button", "a"]) {
            const el = document.createElement(tag);
            el.className = kind;
            el.id = `proba-${n++}`;
            el.textContent = "Descarcă arhiva";
            if (tag === "a") el.href = "#";
            box.append(el, " ");
          }
        }
        main.append(box);
      }
    }""", [BUTTON_KINDS, SURROUNDINGS])
    samples = page.locator("[id^=proba-]")
    failures = []
    for i in range(samples.count()):
        sample = samples.nth(i)
        label = sample.evaluate("el => `${el.tagName.toLowerCase()}.${el.className} in .${el.parentElement.className}`")
        # WHEN it is at rest, hovered, focused and (for buttons) disabled
        states = {"normal": contrast(sample)}
        sample.hover()
        states["hover"] = contrast(sample)
        sample.focus()
        states["focus"] = contrast(sample)
        page.mouse.move(0, 0)
        if sample.evaluate("el => el.tagName") == "BUTTON":
            sample.evaluate("el => { el.disabled = true; }")
            states["disabled"] = contrast(sample)
            sample.evaluate("el => { el.disabled = false; el.setAttribute('aria-busy', 'true'); }")
            states["busy"] = contrast(sample)
        # THEN its text is at least 4.5:1 against what it is drawn on
        failures += [f"{label} {state}: {ratio:.2f}" for state, ratio in states.items() if ratio < AA_NORMAL_TEXT]
    assert failures == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_main_pages_never_scroll_sideways(page: Page, new_user, fresh_cif, proven_company, width):
    # GIVEN a person with a company, on a laptop (1366 px) or a phone (390 px)
    page.set_viewport_size({"width": width, "height": 800})
    user = new_user()
    cif = fresh_cif()
    proven_company(user, cif)
    for path in ("/", "/autentificare", "/inregistrare", "/confirmare", "/resetare-parola", "/termeni"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # THEN no page is wider than the window
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (path, width)
    log_in(page, user)
    for path, ready in (("/cont", "#formular-parola"), ("/cont/notificari", "#tabel-notificari"),
                        ("/companii", "table"), (f"/companii/{cif}", "#completa-pana"),
                        (f"/documente?cif={cif}", "#continut-documente:not([aria-busy])")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (path, width)


def test_the_address_bar_follows_login_logout_and_confirmation_and_back_forward_work(page: Page, base_url,
                                                                                    new_user, fresh_cif,
                                                                                    proven_company):
    # GIVEN someone who signed up through the API, not confirmed yet
    email = email_address("adresa")
    terms = requests.get(f"{base_url}/api/terms", timeout=10).json()["version"]
    assert requests.post(f"{base_url}/api/auth/signup", json={
        "email": email, "password": PASSWORD, "accepted_terms_version": terms}, timeout=10).status_code == 201
    # WHEN they confirm the account THEN the address is the login page's
    page.goto(f"/confirmare?email={email}")
    page.get_by_label("Codul de confirmare").fill(last_code(email))
    page.get_by_role("button", name="Confirmă contul").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    expect(page).to_have_url(re.compile(r"/autentificare\?email="))
    # WHEN they log in THEN the address is the companies page's
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Panoul de control al companiilor")
    expect(page).to_have_url(re.compile(r"/companii$"))
    # WHEN they open their account, go back and forward THEN page and address move together
    page.get_by_role("navigation", name="Navigare principală").get_by_role("link", name="Contul meu").click()
    expect(page).to_have_url(re.compile(r"/cont$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/companii$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Panoul de control al companiilor")
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/cont$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contul meu")
    # WHEN they log out THEN the address is the login page's, and back does not show a signed-in page
    page.get_by_role("button", name="Ieșire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    expect(page).to_have_url(re.compile(r"/autentificare$"))
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")
    expect(page).to_have_url(re.compile(r"/autentificare\?inapoi=%2Fcont$"))


def test_the_address_bar_follows_a_login_that_returns_to_a_company_s_documents(page: Page, new_user, fresh_cif,
                                                                            proven_company):
    # GIVEN a person with a company who opens its documents' address while signed out
    user = new_user()
    cif = fresh_cif()
    proven_company(user, cif)
    page.goto(f"/documente?cif={cif}")
    expect(page).to_have_url(re.compile(r"/autentificare\?inapoi="))
    # WHEN they log in THEN they are on that address, showing that company
    page.get_by_label("Adresa de e-mail").fill(user.email)
    page.get_by_label("Parola").fill(user.password)
    page.get_by_role("button", name="Intră în cont").click()
    expect(page).to_have_url(re.compile(rf"/documente\?cif={cif}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Documente")
    # WHEN they log out from there THEN the address leaves the documents page
    page.get_by_role("button", name="Ieșire").click()
    expect(page).to_have_url(re.compile(r"/autentificare$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare")

"""Connecting companies to ANAF in the browser: "Autorizează" through the sandbox's real
certificate page (another origin, as ANAF is), the result explained back in Arhivar, the e-mailed
authorization link and its public page, and disconnecting.

Most tests use companies created in the sandbox for them alone, with a certificate issued for
exactly those CIFs (holder "Titular <cif>"), so no other test's authorization changes what they
see. A registered company is "neverificată" until an authorization proves it."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from local.mailbox import sent_mail
from tests.api.conftest import authorize, issue_certificate, new_company
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

DATE = r"\d{2}\.\d{2}\.\d{4}"


@pytest.fixture(scope="module")
def certificates(sandbox_url) -> dict[str, dict]:
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    return {c["holder"].split()[0]: c for c in world["certificates"]}


@pytest.fixture(scope="module")
def partner_company(new_user_module, sandbox_url) -> tuple:
    """One account with one registered (unproven) company, shared by the tests that leave its
    authorization as it was."""
    user = new_user_module()
    cif = new_company(sandbox_url)
    add(user, cif)
    return user, cif, company_name(user, cif)


@pytest.fixture(scope="module")
def new_user_module(base_url):
    from tests.api.conftest import sign_up
    return lambda email=None: sign_up(base_url, email)


def row(page: Page, cif: str):
    return page.locator(f'tr[data-cif="{cif}"]')


def company_name(user, cif: str) -> str:
    answer = user.call("POST", "/companies/lookup", json={"cif": cif})
    assert answer.status_code == 200, answer.text
    return answer.json()["company"]["name"]


def add(user, cif: str) -> None:
    answer = user.call("POST", "/companies", json={"cif": cif})
    assert answer.status_code in (201, 409), answer.text


def at_anaf(page: Page, sandbox_url: str, holder: str | None, *, cancel: bool = False) -> None:
    """On the sandbox's certificate page (ANAF's origin): pick the holder's certificate (or cancel)."""
    expect(page).to_have_url(re.compile(rf"^{re.escape(sandbox_url)}/anaf-oauth2/v1/authorize\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Autentificare cu certificat digital")
    if cancel:
        page.get_by_role("button", name="Renunță").click()
        return
    page.get_by_role("radio", name=re.compile(rf"^{holder}")).check()
    page.get_by_label("PIN", exact=True).fill("1234")
    page.get_by_role("button", name="Autentificare").click()


def click_authorize(page: Page, cif: str, label: str = "Autorizează") -> None:
    """The row's button, then the explanation (token plugged in, PIN, SPV rights) and go."""
    row(page, cif).get_by_role("button", name=re.compile(rf"^{label}")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("token-ul USB")
    expect(dialog).to_contain_text("PIN")
    expect(dialog).to_contain_text("drept de acces în SPV")
    dialog.get_by_role("button", name="Continuă la ANAF").click()


def test_authorizing_proves_and_connects_the_company_asked_for_and_disconnecting_revokes_it(
        page: Page, new_user, sandbox_url):
    # GIVEN a user with two new companies, and a certificate with SPV rights on both
    first, second = new_company(sandbox_url), new_company(sandbox_url)
    holder = f"Titular {first}"
    issue_certificate(sandbox_url, [first, second], holder)
    user = new_user()
    names = {cif: company_name(user, cif) for cif in (first, second)}
    for cif in (first, second):
        add(user, cif)
    log_in(page, user)
    expect(row(page, first).locator(".insigna")).to_have_text("neverificată")

    # WHEN they authorize the first company and choose that certificate at ANAF
    click_authorize(page, first)
    at_anaf(page, sandbox_url, holder)

    # THEN they are back in Arhivar, told the company was authorized, and the address is clean
    message = page.locator("#mesaj-companii")
    expect(message).to_contain_text(re.compile(
        rf"Compania {re.escape(names[first])} \(CIF {first}\) a fost autorizată la ANAF până la {DATE}\."))
    expect(page).to_have_url(re.compile(r"/companii$"))
    badge = row(page, first).locator(".insigna")
    expect(badge).to_have_text(re.compile(rf"^autorizat până la {DATE}$"))
    expect(row(page, first).get_by_role("button", name=re.compile("^Sincronizează acum"))).to_be_visible()
    expect(row(page, first)).to_have_class(re.compile("evidentiat"))
    # AND the second, which nobody asked for, is still unverified: only its own authorization proves it
    expect(row(page, second).locator(".insigna")).to_have_text("neverificată")

    # AND a reload does not repeat the message
    page.reload()
    expect(row(page, first)).to_be_visible()
    expect(page.locator("#mesaj-companii")).to_be_empty()

    # WHEN they open the first company, THEN the authorization's end date and the archive show
    row(page, first).get_by_role("link", name="Detalii").click()
    archive = page.locator("#stare-arhivare")
    expect(archive.locator("#autorizare-anaf")).to_have_text(re.compile(rf"^autorizat până la {DATE}$"))
    expect(archive).to_contain_text("Arhivă completă până la")
    expect(page.get_by_role("heading", name="Istoric sincronizări")).to_be_visible()

    # WHEN they disconnect it (after the explanation), THEN it is "revocat"
    page.get_by_role("button", name="Deconectează de la ANAF").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Facturile deja arhivate rămân păstrate")
    expect(dialog).to_contain_text(names[first])
    # (Anulează first: nothing happens)
    dialog.get_by_role("button", name="Anulează").click()
    expect(dialog).to_be_hidden()
    assert user.call("GET", f"/companies/{first}").json()["company"]["authorization"]["state"] == "authorized"
    page.get_by_role("button", name="Deconectează de la ANAF").click()
    dialog.get_by_role("button", name="Deconectează").click()
    expect(page.locator("#mesaj-anaf")).to_contain_text("a fost deconectată de la ANAF")
    expect(archive.locator(".insigna")).to_have_text("revocat")
    expect(page.get_by_role("button", name="Reautorizează")).to_be_visible()
    expect(page.get_by_role("button", name="Sincronizează acum")).to_have_count(0)
    page.get_by_role("link", name="← Companii").click()
    expect(row(page, first).locator(".insigna")).to_have_text("revocat")
    expect(row(page, first).get_by_role("button", name=re.compile("^Reautorizează"))).to_be_visible()


def test_a_certificate_without_spv_rights_is_explained(page: Page, new_user, certificates, sandbox_url):
    cif = certificates["Ionescu"]["cifs"][3]  # a company in SPV, but not for Dumitrescu's certificate
    user = new_user()
    add(user, cif)
    log_in(page, user)

    click_authorize(page, cif)
    at_anaf(page, sandbox_url, "Dumitrescu")

    expect(page.locator("#mesaj-companii")).to_contain_text(
        f"Certificatul ales nu are drept SPV pentru CIF {cif}")
    expect(page.locator("#mesaj-companii")).to_contain_text("trimiteți-i un link de autorizare")
    expect(page).to_have_url(re.compile(r"/companii$"))


def test_cancelling_at_anaf_changes_nothing(page: Page, partner_company, sandbox_url):
    user, cif, name = partner_company
    log_in(page, user)

    click_authorize(page, cif)
    at_anaf(page, sandbox_url, None, cancel=True)

    expect(page.locator("#mesaj-companii")).to_contain_text(
        f"Autorizarea la ANAF a fost anulată pentru {name} (CIF {cif}). Nu s-a schimbat nimic")
    expect(row(page, cif).locator(".insigna")).to_have_text("neverificată")
    expect(page).to_have_url(re.compile(r"/companii$"))


def test_changing_ones_mind_before_anaf_stays_in_arhivar(page: Page, partner_company):
    user, cif, _ = partner_company
    calls = []
    page.on("request", lambda r: "/anaf/authorize" in r.url and calls.append(r.url))
    log_in(page, user)
    row(page, cif).get_by_role("button", name=re.compile("^Autorizează")).click()
    page.get_by_role("dialog").get_by_role("button", name="Anulează").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/companii$"))
    assert calls == []


def test_every_outcome_from_anaf_is_explained_once(page: Page, partner_company):
    user, cif, _ = partner_company
    log_in(page, user)
    cases = {
        "invalid_request": "Cererea de autorizare nu este valabilă",
        "anaf_error": "Codul primit de la ANAF este valabil doar 60 de secunde",
    }
    for outcome, text in cases.items():
        page.goto(f"/companii?anaf={outcome}&cif={cif}")
        expect(page.locator("#mesaj-companii")).to_contain_text(text)
        expect(page).to_have_url(re.compile(r"/companii$"))
    page.reload()
    expect(row(page, cif)).to_be_visible()
    expect(page.locator("#mesaj-companii")).to_be_empty()


def test_a_reminder_link_points_at_the_company_and_offers_the_authorization(page: Page, partner_company):
    user, cif, name = partner_company
    # Signed out, the reminder link goes through the login page and comes back.
    log_in(page, user, start=f"/autentificare?inapoi=/companii?autorizeaza={cif}")
    expect(row(page, cif)).to_have_class(re.compile("evidentiat"))
    expect(page.locator("tr.evidentiat")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/companii$"))
    offer = page.locator(".oferta-autorizare")
    expect(offer).to_contain_text(name)
    button = offer.get_by_role("button", name="Autorizează acum")
    expect(button).to_be_focused()
    button.click()
    expect(page.get_by_role("dialog")).to_contain_text(name)


def test_an_emailed_link_lets_the_certificate_holder_authorize_without_an_account(
        page: Page, new_page, new_user, certificates, sandbox_url):
    cif = certificates["Popescu"]["cifs"][2]
    user = new_user()
    add(user, cif)
    accountant = f"contabil-{cif}-{user.email.split('@')[0][-6:]}@exemplu.ro"
    if user.call("GET", f"/companies/{cif}").status_code == 404:
        # Another test's account archives it (a whole-suite run): the owner proves access first.
        assert authorize(user, cif, certificates["Popescu"]["serial"])["anaf"] in ("connected", "proven")
    log_in(page, user, start=f"/autentificare?inapoi=/companii/{cif}")

    # WHEN the owner e-mails an authorization link to the accountant
    page.get_by_role("button", name="Trimite link de autorizare").click()
    form = page.locator("#formular-link")
    expect(form).to_contain_text("Nu are nevoie de cont Arhivar")
    expect(form).to_contain_text("o singură dată și este valabil 7 zile")
    form.get_by_label("E-mailul titularului certificatului").fill("nu-e-adresa")
    form.get_by_role("button", name="Trimite linkul").click()
    expect(page.locator("#eroare-email-titular")).to_be_visible()
    form.get_by_label("E-mailul titularului certificatului").fill(accountant)
    form.get_by_role("button", name="Trimite linkul").click()
    expect(page.locator("#mesaj-anaf")).to_contain_text(f"Am trimis linkul de autorizare la {accountant}")

    mail = next(m for m in sent_mail() if m.to == accountant)
    link = re.search(r"https?://\S+/api/anaf/link/\S+", mail.text).group(0)

    # THEN the accountant, in another browser and without an account, authorizes at ANAF
    holder = new_page()
    holder.goto(link)
    at_anaf(holder, sandbox_url, "Popescu")
    expect(holder).to_have_url(re.compile(r"/autorizare-anaf\?anaf=connected"))
    expect(holder.get_by_role("heading", level=1)).to_have_text("Vă mulțumim! Autorizarea la ANAF a reușit.")
    expect(holder.locator("#mesaj-autorizare")).to_contain_text(cif)

    # AND the link cannot be used a second time
    holder.goto(link)
    expect(holder).to_have_url(re.compile(r"/autorizare-anaf\?anaf=link_invalid$"))
    expect(holder.get_by_role("heading", level=1)).to_have_text("Linkul de autorizare nu mai este valabil")

    # AND the owner sees the company authorized
    page.reload()
    expect(page.locator("#stare-arhivare .insigna")).to_have_text(re.compile(rf"^autorizat până la {DATE}$"))


def test_the_public_page_for_an_invalid_link_asks_for_a_new_one(page: Page):
    page.goto("/autorizare-anaf?anaf=link_invalid")
    expect(page.get_by_role("heading", level=1)).to_have_text("Linkul de autorizare nu mai este valabil")
    expect(page.locator("#mesaj-autorizare")).to_contain_text("Cereți persoanei care vi l-a trimis un link nou")
    expect(page.locator("#sesiune").get_by_role("link", name="Autentificare")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/autorizare-anaf\?anaf=link_invalid$"))


def test_a_pending_member_proves_access_with_their_own_certificate(page: Page, new_user, sandbox_url, proven_company):
    # GIVEN a company another account proved and archives, added later by a second user
    cif = new_company(sandbox_url)
    first, late = new_user(), new_user()
    proven_company(first, cif)
    add(late, cif)
    holder = f"Titular Întârziat {cif}"
    issue_certificate(sandbox_url, [cif], holder)
    log_in(page, late)
    line = row(page, cif)
    expect(line.locator(".insigna")).to_have_text("neverificată")
    expect(line).to_contain_text("dovedește accesul cu certificatul dumneavoastră")
    expect(line.get_by_role("link", name="Detalii")).to_have_count(0)

    # WHEN they authorize with their own certificate
    line.get_by_role("button", name=re.compile("^Autorizează")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("vedeți facturile ei imediat după aceea")
    dialog.get_by_role("button", name="Continuă la ANAF").click()
    at_anaf(page, sandbox_url, holder)

    # THEN they are in, and the company keeps syncing as before
    expect(page.locator("#mesaj-companii")).to_contain_text("este verificată")
    expect(line.locator(".insigna")).to_have_text(re.compile(rf"^autorizat până la {DATE}$"))
    expect(line.get_by_role("link", name="Detalii")).to_be_visible()


def test_a_pending_member_sends_a_link_to_the_certificate_holder(page: Page, new_page, new_user, sandbox_url):
    # GIVEN a registered, unverified company whose certificate is held by someone else
    cif = new_company(sandbox_url)
    holder = f"Titular Contabil {cif}"
    issue_certificate(sandbox_url, [cif], holder)
    user = new_user()
    add(user, cif)
    log_in(page, user)
    line = row(page, cif)

    # WHEN they e-mail an authorization link from the row
    line.get_by_text("Trimite link titularului").click()
    address = f"titular-{cif}@exemplu.ro"
    line.get_by_label("E-mailul titularului certificatului").fill(address)
    line.get_by_role("button", name="Trimite linkul").click()
    expect(page.locator("#mesaj-companii")).to_contain_text(f"a fost trimis la {address}")

    # AND the holder signs it in their own browser
    mail = next(m for m in sent_mail() if m.to == address)
    assert user.email in mail.text
    link = re.search(r"https?://\S+/api/anaf/link/\S+", mail.text).group(0)
    other = new_page()
    other.goto(link)
    at_anaf(other, sandbox_url, holder)
    expect(other).to_have_url(re.compile(r"/autorizare-anaf\?anaf=connected"))

    # THEN the company is verified and authorized in the user's account
    page.reload()
    expect(row(page, cif).locator(".insigna")).to_have_text(re.compile(rf"^autorizat până la {DATE}$"))

"""Companies in the browser: the dashboard, adding a company by CIF, the company page and its
members, as the people using them see it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import prove
from tests.api.proven import invite_and_accept
from tests.browser.conftest import log_in
from tests.browser.waiting import requests_settled, wait_until

pytestmark = pytest.mark.browser


def with_wrong_control_digit(cif: str) -> str:
    return cif[:-1] + str((int(cif[-1]) + 1) % 10)


def with_control_digit(body: str) -> str:
    """A CIF with the right control digit (ANAF's rule), e.g. for one that ANAF does not know."""
    weights = (7, 5, 3, 2, 1, 7, 5, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(body.zfill(9), weights, strict=True)) * 10 % 11
    return body + str(0 if remainder == 10 else remainder)


def company_name(user, cif: str) -> str:
    """The name ANAF's lookup gives (in capitals), asked through the API."""
    answer = user.call("POST", "/companies/lookup", json={"cif": cif})
    assert answer.status_code == 200, answer.text
    return answer.json()["company"]["name"]


def search(page: Page, typed: str) -> None:
    page.get_by_label("CIF-ul companiei").fill(typed)
    page.get_by_role("button", name="Caută la ANAF").click()


def add_company(page: Page, typed: str) -> None:
    search(page, typed)
    expect(page.get_by_role("heading", name="Date găsite la ANAF")).to_be_visible()
    page.get_by_role("button", name="Adaugă compania").click()
    expect(page.locator("#mesaj-companii")).to_contain_text("a fost adăugată")


def row(page: Page, cif: str):
    return page.locator(f'tr[data-cif="{cif}"]')


def test_a_user_adds_two_companies_by_cif_and_sees_them_in_the_dashboard(page: Page, new_user, fresh_cif, sandbox_url):
    user = new_user()
    first, second = fresh_cif(), fresh_cif()
    first_name, second_name = company_name(user, first), company_name(user, second)
    log_in(page, user)
    expect(page.locator("#fara-companii")).to_be_visible()

    # WHEN they type the first CIF with "RO" and a space, THEN ANAF's data is shown to confirm
    search(page, f"RO {first}")
    found = page.locator(".gasit")
    expect(found.locator("dd.denumire")).to_have_text(first_name)
    assert first_name == first_name.upper()
    expect(found).to_contain_text("Nr. Reg. Com.")
    expect(found).to_contain_text("Plătitor de TVA")
    expect(found).to_contain_text("Înregistrat în RO e-Factura")
    page.get_by_role("button", name="Adaugă compania").click()
    expect(page.locator("#mesaj-companii")).to_contain_text(
        f"Compania {first_name} a fost adăugată. Următorul pas: autorizați-o la ANAF")
    expect(page.get_by_label("CIF-ul companiei")).to_have_value("")

    # AND the second one typed as plain digits
    add_company(page, second)

    # THEN both are in the dashboard with their ANAF names, unverified until an authorization
    expect(page.locator("#fara-companii")).to_have_count(0)
    for cif, name in ((first, first_name), (second, second_name)):
        line = row(page, cif)
        expect(line.locator("td").first).to_have_text(cif)
        expect(line.locator("td.denumire")).to_have_text(name)
        expect(line.locator(".insigna")).to_have_text("neverificată")
        expect(line.get_by_role("button", name=re.compile("^Autorizează"))).to_be_visible()
        expect(line.get_by_role("link", name=re.compile("^Detalii"))).to_have_count(0)
    # Sorted by name, as the API lists them.
    names = page.locator("tbody td.denumire").all_inner_texts()
    assert names == sorted(names, key=str.casefold)

    # WHEN the first is proven (its ANAF authorization), THEN its row shows the archive's columns
    prove(user, first, sandbox_url)
    page.reload()
    line = row(page, first)
    expect(line.locator(".insigna")).to_have_text(re.compile(r"^autorizat până la \d{2}\.\d{2}\.\d{4}$"))
    expect(line.locator('td[data-eticheta="Licență"]')).to_have_text("Gratuit")
    expect(line.locator('td[data-eticheta="Ultima sincronizare"]')).to_have_text("—")
    expect(line.locator('td[data-eticheta="Documente"]')).to_have_text("0")
    expect(line.locator("td.actiuni").get_by_role("link", name="Documente")).to_have_attribute(
        "href", f"/documente?cif={first}")

    # WHEN they open the details, THEN the company page shows the public data
    row(page, first).get_by_role("link", name="Detalii").click()
    expect(page).to_have_url(re.compile(rf"/companii/{first}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(first_name)


def test_an_invalid_cif_is_refused_before_anything_is_sent(shared_page: Page, fresh_cif):
    lookups = []
    shared_page.on("request", lambda r: "/api/companies/lookup" in r.url and lookups.append(r.url))
    shared_page.goto("/companii")
    cif = fresh_cif()

    search(shared_page, f"RO {with_wrong_control_digit(cif)}")
    expect(shared_page.locator("#eroare-cif")).to_have_text(
        "CIF-ul nu este valid: cifra de control nu corespunde. Verificați cifrele.")
    expect(shared_page.get_by_label("CIF-ul companiei")).to_have_attribute("aria-invalid", "true")
    search(shared_page, "RO 12A45")
    expect(shared_page.locator("#eroare-cif")).to_have_text(
        "CIF-ul poate conține doar cifre, eventual precedate de „RO”.")
    search(shared_page, "")
    expect(shared_page.locator("#eroare-cif")).to_have_text("Introduceți CIF-ul companiei.")
    requests_settled(shared_page)
    assert lookups == []

    # Typing again clears the complaint.
    shared_page.get_by_label("CIF-ul companiei").fill(cif)
    expect(shared_page.locator("#eroare-cif")).to_be_hidden()


def test_a_company_already_in_the_account_is_not_added_twice(page: Page, new_user, fresh_cif):
    user = new_user()
    cif = fresh_cif()
    assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201
    log_in(page, user)
    expect(row(page, cif)).to_be_visible()

    # WHEN they look the same CIF up again, THEN they are told it is already there
    search(page, f"ro{cif}")
    expect(page.locator(".gasit")).to_contain_text("Compania este deja în contul dumneavoastră.")
    expect(page.get_by_role("button", name="Adaugă compania")).to_have_count(0)
    expect(page.locator(".gasit").get_by_role("link", name="Deschide compania")).to_have_attribute(
        "href", f"/companii/{cif}")


def test_adding_a_company_twice_from_two_tabs_shows_the_duplicate_message(page: Page, new_user, fresh_cif):
    user = new_user()
    cif = fresh_cif()
    log_in(page, user)
    search(page, cif)
    expect(page.get_by_role("button", name="Adaugă compania")).to_be_visible()
    # Meanwhile the same company is added elsewhere (another tab, the API).
    assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201
    page.get_by_role("button", name="Adaugă compania").click()
    expect(page.locator(".problema")).to_contain_text(f"Compania cu CIF-ul {cif} este deja în contul")
    expect(page.locator(".problema").get_by_role("link", name="Deschide compania")).to_be_visible()


def test_an_unknown_cif_is_explained(shared_page: Page):
    shared_page.goto("/companii")
    unknown = with_control_digit("99999999")  # a valid control digit, but ANAF knows no such company
    search(shared_page, f"RO {unknown}")
    expect(shared_page.locator(".problema")).to_contain_text(
        f"ANAF nu are nicio companie cu CIF-ul {unknown}")
    expect(shared_page.get_by_label("CIF-ul companiei")).to_have_value(f"RO {unknown}")


def test_when_anaf_lookup_is_down_the_typed_cif_stays_and_a_retry_is_offered(
        shared_page: Page, fresh_cif, anaf_faults, allowed_console_errors):
    allowed_console_errors.append(re.compile(r"status of 503"))
    cif = fresh_cif()
    shared_page.goto("/companii")
    anaf_faults("maintenance", "/api/PlatitorTvaRest", count=5)
    typed = f"RO {cif}"

    search(shared_page, typed)
    problem = shared_page.locator(".problema")
    expect(problem).to_contain_text("Serviciul ANAF de interogare a firmelor nu răspunde acum.")
    expect(shared_page.get_by_label("CIF-ul companiei")).to_have_value(typed)
    retry = shared_page.get_by_role("button", name="Încearcă din nou")
    expect(retry).to_be_focused()

    anaf_faults.clear()
    retry.click()
    expect(shared_page.get_by_role("heading", name="Date găsite la ANAF")).to_be_visible()
    expect(shared_page.get_by_label("CIF-ul companiei")).to_have_value(typed)
    expect(shared_page.get_by_role("button", name="Adaugă compania")).to_be_visible()


def test_buttons_show_progress_while_waiting(shared_page: Page, fresh_cif):
    cif = fresh_cif()
    shared_page.goto("/companii")
    release = []
    def hold(route):  # Playwright wraps handlers by attribute: a plain function, not list.append
        release.append(route)

    shared_page.route("**/api/companies/lookup", hold)
    search(shared_page, cif)
    button = shared_page.locator("#cauta")
    expect(button).to_have_text("Se caută…")
    expect(button).to_be_disabled()
    wait_until(shared_page, lambda: release, "the lookup request")
    release[0].continue_()
    expect(button).to_have_text("Caută la ANAF")
    expect(button).to_be_enabled()


def test_a_cif_someone_else_archives_becomes_an_unverified_row(page: Page, new_user, fresh_cif, proven_company):
    owner, late = new_user(), new_user()
    cif = fresh_cif()
    name = company_name(owner, cif)
    proven_company(owner, cif)
    log_in(page, late)
    search(page, cif)
    page.get_by_role("button", name="Adaugă compania").click()
    expect(page.locator("#mesaj-companii")).to_contain_text(f"Compania {name} a fost adăugată")
    line = row(page, cif)
    expect(line.locator("td.denumire")).to_have_text(name)
    expect(line.locator(".insigna")).to_have_text("neverificată")
    expect(line).to_contain_text("după ce o autorizați la ANAF")
    expect(line).to_contain_text("un membru verificat al companiei vă invită")
    expect(line.get_by_role("link", name="Detalii")).to_have_count(0)


def test_an_unknown_company_page_says_it_is_not_in_the_account(shared_page: Page):
    shared_page.goto("/companii/18")
    expect(shared_page.get_by_role("heading", level=1)).to_have_text(
        "Compania nu există în contul dumneavoastră.")
    shared_page.get_by_role("link", name="Înapoi la companii").click()
    expect(shared_page.get_by_role("heading", level=1)).to_have_text("Panoul de control al companiilor")


def test_the_owner_manages_the_company_and_its_members(page: Page, new_user, fresh_cif, proven_company):
    owner, colleague = new_user(), new_user()
    cif = fresh_cif()
    name = company_name(owner, cif)
    proven_company(owner, cif)
    log_in(page, owner, start=f"/autentificare?inapoi=/companii/{cif}")

    # THEN the company page shows ANAF's public data and the archive's state
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("#date-publice")).to_contain_text("Nr. Reg. Com.")
    expect(page.locator("main .insigna")).to_have_text(re.compile(r"^autorizat până la \d{2}\.\d{2}\.\d{4}$"))

    # WHEN the owner refreshes the data from ANAF, THEN they are told it worked
    page.get_by_role("button", name="Actualizează datele de la ANAF").click()
    expect(page.locator("#mesaj-companie")).to_have_text("Datele au fost actualizate de la ANAF.")

    members = page.locator("#lista-membri")
    expect(members.locator("tbody tr")).to_have_count(1)
    expect(members).to_contain_text(owner.email)
    expect(members).to_contain_text("proprietar")

    # WHEN they invite a colleague who has an account, THEN an invitation waits for their consent
    page.get_by_label("Adresa de e-mail").fill(colleague.email)
    page.get_by_label("Rol", exact=True).select_option("viewer")
    page.get_by_role("button", name="Trimite invitația").click()
    expect(page.locator("#mesaj-membri")).to_have_text(
        f"Am trimis invitația la {colleague.email}. Accesul se activează după ce persoana o acceptă.")
    expect(members.locator("tr", has_text=colleague.email)).to_contain_text("invitat, așteaptă acceptarea")
    # AND once the colleague accepts, they are an active member
    assert colleague.call("POST", f"/invitations/{cif}/accept").status_code == 200
    page.reload()
    colleague_row = members.locator("tr", has_text=colleague.email)
    expect(colleague_row).to_contain_text("activ")

    # WHEN they invite the same person again, THEN they are told the person has access already
    page.get_by_label("Adresa de e-mail").fill(colleague.email)
    page.get_by_role("button", name="Trimite invitația").click()
    messages = page.locator("#mesaj-membri")
    expect(messages).to_have_text(f"{colleague.email} are deja acces la această companie.")

    # WHEN they invite someone without an account, THEN an invitation waits for the sign-up
    stranger = f"fara-cont-{cif}@exemplu.ro"
    page.get_by_label("Adresa de e-mail").fill(stranger)
    page.get_by_role("button", name="Trimite invitația").click()
    expect(page.locator("#mesaj-membri")).to_contain_text(f"Am trimis invitația la {stranger}.")
    expect(members.locator("tr", has_text=stranger)).to_contain_text("invitat")

    # WHEN they make the colleague an administrator, THEN the role changes
    colleague_row.get_by_label(f"Rolul pentru {colleague.email}").select_option("admin")
    colleague_row.get_by_role("button", name="Schimbă rolul").click()
    expect(messages).to_have_text(f"Rolul pentru {colleague.email} este acum administrator.")

    # WHEN the only owner tries to leave, THEN the last-owner rule is explained
    members.get_by_role("button", name="Părăsește compania").click()
    page.get_by_role("dialog").get_by_role("button", name="Părăsește compania").click()
    expect(messages).to_contain_text("Compania trebuie să aibă cel puțin un proprietar.")

    # WHEN they remove the colleague (after confirming), THEN the colleague is gone
    colleague_row.get_by_role("button", name="Elimină").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"{colleague.email} nu va mai avea acces")
    # (Anulează first: nothing happens)
    dialog.get_by_role("button", name="Anulează").click()
    expect(dialog).to_be_hidden()
    expect(colleague_row).to_be_visible()
    assert colleague.email in str(owner.call("GET", f"/companies/{cif}/members").json())
    colleague_row.get_by_role("button", name="Elimină").click()
    dialog.get_by_role("button", name="Elimină").click()
    expect(page.locator("#mesaj-membri")).to_have_text(f"{colleague.email} nu mai are acces la companie.")
    expect(members.locator("tr", has_text=colleague.email)).to_have_count(0)


def test_the_owner_cancels_an_invitation(page: Page, new_user, fresh_cif, proven_company):
    owner = new_user()
    cif = fresh_cif()
    proven_company(owner, cif)
    stranger = f"anulat-{cif}@exemplu.ro"
    assert owner.call("POST", f"/companies/{cif}/members",
                      json={"email": stranger, "role": "viewer"}).status_code == 201
    log_in(page, owner, start=f"/autentificare?inapoi=/companii/{cif}")
    page.locator("#lista-membri").get_by_role("button", name="Anulează invitația").click()
    page.get_by_role("dialog").get_by_role("button", name="Anulează invitația").click()
    expect(page.locator("#mesaj-membri")).to_have_text(f"Invitația pentru {stranger} a fost anulată.")


def test_an_invited_member_sees_the_company_and_can_leave_it(page: Page, new_user, fresh_cif, proven_company):
    owner, viewer = new_user(), new_user()
    cif, unwanted = fresh_cif(), fresh_cif()
    name, unwanted_name = company_name(owner, cif), company_name(owner, unwanted)
    for each in (cif, unwanted):
        proven_company(owner, each)
        assert owner.call("POST", f"/companies/{each}/members",
                          json={"email": viewer.email, "role": "viewer"}).status_code == 201

    # GIVEN the invited person logs in, THEN the invitations wait for them, not the companies
    log_in(page, viewer)
    invitations = page.locator("#invitatii")
    expect(invitations).to_contain_text(name)
    expect(invitations).to_contain_text(unwanted_name)
    expect(invitations).to_contain_text(owner.email)
    expect(page.locator("#fara-companii")).to_be_visible()
    # WHEN they decline one, THEN it is gone and gives no access
    invitations.get_by_role("button", name=f"Refuză — {unwanted_name}").click()
    expect(page.locator("#mesaj-companii")).to_have_text(
        f"Ați refuzat invitația pentru compania {unwanted_name}.")
    expect(invitations).not_to_contain_text(unwanted_name)
    assert viewer.call("GET", f"/companies/{unwanted}").status_code == 404
    # WHEN they accept the other, THEN the company is in their dashboard and the invitation is gone
    invitations.get_by_role("button", name=f"Acceptă — {name}").click()
    expect(page.locator("#mesaj-companii")).to_have_text(
        f"Ați acceptat invitația. Compania {name} este acum în contul dumneavoastră.")
    expect(invitations).to_be_hidden()
    line = row(page, cif)
    expect(line.locator("td.denumire")).to_have_text(name)
    expect(line.locator(".insigna")).to_have_text(re.compile(r"^autorizat până la "))

    # AND on its page a viewer sees the data and the members, but no management controls
    line.get_by_role("link", name="Detalii").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator(".subtitlu")).to_contain_text("rolul dumneavoastră: vizualizare")
    members = page.locator("#lista-membri")
    expect(members).to_contain_text(owner.email)
    expect(page.get_by_role("button", name="Actualizează datele de la ANAF")).to_have_count(0)
    expect(page.get_by_role("button", name="Trimite invitația")).to_have_count(0)
    expect(members.get_by_role("button", name="Elimină")).to_have_count(0)

    # WHEN they leave the company, THEN it disappears from their dashboard
    members.get_by_role("button", name="Părăsește compania").click()
    page.get_by_role("dialog").get_by_role("button", name="Părăsește compania").click()
    expect(page.locator("#continut").get_by_role("status").first).to_contain_text(
        f"Ați părăsit compania {name}.")
    expect(page.locator("#fara-companii")).to_be_visible()


def test_the_dashboard_shows_every_authorization_state_and_third_party_text_as_text(shared_page: Page):
    """ANAF states other features produce, rendered from a stubbed API answer: each badge has
    its own label and colour, dates are Romania time, and names from ANAF never become markup."""
    def company(cif, state, label, **extra):
        return {"cif": cif, "name": f"FIRMA {state.upper()} SRL", "role": "owner",
                "membership_state": "active",
                "public": {"cif": cif, "name": f"FIRMA {state.upper()} SRL", "address": "JUD. CLUJ",
                           "registration_number": "J12/1/2020", "registration_status": "",
                           "vat_payer": True, "efactura_registered": True, "inactive": False,
                           "radiated": False},
                "authorization": {"state": state, "until": None, "label": label},
                "licence": {"code": "free", "name": "Gratuit"},
                "last_sync": {"at": None, "result": None}, "document_count": 0,
                "data_refreshed_at": None, **extra}

    states = [
        ("unauthorized", "neautorizat"), ("authorized", "autorizat până la 30.03.2027"),
        ("expiring", "expiră curând (05.12.2026)"), ("expired", "expirat"),
        ("no_spv_rights", "fără drept SPV"), ("revoked", "revocat"),
    ]
    companies = [company(str(10 + i), state, label) for i, (state, label) in enumerate(states)]
    companies[1].update(last_sync={"at": "2026-07-01T10:05:00Z", "result": "ok"}, document_count=1234)
    hostile = '<img src=x onerror="document.body.dataset.pwned=1">SRL'
    companies[0]["name"] = hostile
    companies.append({"cif": "99", "name": "NEVERIFICATĂ SRL", "role": "owner",
                      "membership_state": "pending"})
    shared_page.route("**/api/companies", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"companies": companies})))

    shared_page.goto("/companii")
    for i, (state, label) in enumerate(states):
        badge = row(shared_page, str(10 + i)).locator(".insigna")
        expect(badge).to_have_text(label)
        expect(badge).to_have_class(re.compile(f"autorizare-{state}"))
    colours = {row(shared_page, str(10 + i)).locator(".insigna").evaluate(
        "b => getComputedStyle(b).backgroundColor") for i in range(len(states))}
    assert len(colours) == len(states), "each authorization state has its own colour"

    synced = row(shared_page, "11")
    expect(synced.locator('td[data-eticheta="Ultima sincronizare"]')).to_contain_text("01.07.2026 13:05")
    expect(synced.locator('td[data-eticheta="Ultima sincronizare"]')).to_contain_text("reușită")
    expect(synced.locator('td[data-eticheta="Documente"]')).to_have_text(re.compile(r"^1.?234$"))
    expect(row(shared_page, "10").locator("td.denumire")).to_have_text(hostile)
    assert shared_page.locator("main img").count() == 0
    assert shared_page.evaluate("document.body.dataset.pwned") is None
    expect(row(shared_page, "99").locator(".insigna")).to_have_text("neverificată")


def test_the_last_owner_cannot_delete_the_account_while_others_use_the_company(
        page: Page, new_user, fresh_cif, proven_company):
    owner, colleague = new_user(), new_user()
    cif = fresh_cif()
    proven_company(owner, cif)
    invite_and_accept(owner, colleague, cif, "viewer")
    log_in(page, owner, start="/autentificare?inapoi=/cont")
    page.get_by_role("button", name="Vreau să șterg contul").click()
    page.get_by_label("Pentru confirmare, introduceți parola").fill(owner.password)
    page.get_by_role("button", name="Șterge contul definitiv").click()
    message = page.locator("#mesaj-stergere")
    expect(message).to_contain_text(f"sunteți singurul proprietar al companiei cu CIF-ul {cif}")
    expect(message.get_by_role("link", name="pagina companiei")).to_have_attribute("href", f"/companii/{cif}")
    # The account is still there.
    page.goto("/cont")
    expect(page.locator("#cont-email")).to_have_text(owner.email)

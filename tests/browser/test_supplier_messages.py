"""„Trimite mesaj furnizorului” as a person uses it: open a received invoice, write the message,
send it through ANAF (the sandbox), then ask for its state until ANAF accepted it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.api.conftest import add_proven_company, new_company
from tests.api.proven import proven_company
from tests.api.test_buyer_messages import Supplied, supplied  # noqa: F401 - the module fixture
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import log_in


def test_send_a_message_to_the_supplier_from_the_dialog_and_follow_it_to_accepted(page: Page, supplied: Supplied):  # noqa: F811
    log_in(page, supplied.user)
    page.get_by_role("link", name="Documente", exact=True).click()
    page.locator(f'tr[data-mesaj="{supplied.invoice_id}"]').get_by_role("button", name=re.compile("detalii")).click()
    dialog = page.get_by_role("dialog")
    section = dialog.locator("section.mesaje-furnizor")
    expect(section.get_by_role("heading", name="Mesaje către furnizor prin ANAF")).to_be_visible()
    expect(section).to_contain_text("Nu ați trimis încă mesaje furnizorului despre această factură.")

    # WHEN the owner opens the form and sends it empty
    section.get_by_role("button", name="Trimite mesaj furnizorului").click()
    text = section.get_by_label(re.compile("^Mesajul către"))
    expect(text).to_be_focused()
    section.get_by_role("button", name="Trimite prin ANAF").click()
    # THEN the field says why, in Romanian, and nothing is sent
    expect(section.locator("#eroare-mesaj-furnizor")).to_have_text(
        "Mesajul trebuie să aibă între 3 și 2000 de caractere.")
    expect(text).to_have_attribute("aria-invalid", "true")
    violations = blocking_violations(page)
    assert violations == [], report("the supplier message form with an error", violations)

    # WHEN a real message is sent
    text.fill("Cantitatea livrată este 8, nu 10. Vă rugăm să emiteți factura de stornare.")
    section.get_by_role("button", name="Trimite prin ANAF").click()
    # THEN ANAF took it ("trimis") and the list shows it with ANAF's index
    expect(section.locator("#stare-mesaj-furnizor")).to_have_text("Mesajul a fost trimis la ANAF. Stare: trimis")
    item = section.locator("li.mesaj-furnizor")
    expect(item).to_have_count(1)
    expect(item.locator(".text-mesaj-furnizor")).to_have_text(
        "Cantitatea livrată este 8, nu 10. Vă rugăm să emiteți factura de stornare.")
    expect(item.locator(".stare-mesaj-furnizor")).to_contain_text("Stare: trimis")
    index = re.search(r"index ANAF (\d+)", item.inner_text()).group(1)
    at_anaf = supplied.admin("GET", "messages", params={"cif": supplied.cif, "sha256": 0})["messages"]
    assert [m["tip"] for m in at_anaf if m["id_solicitare"] == index] == [
        "MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS"]

    # WHEN the owner asks for its state
    item.get_by_role("button", name=re.compile("^Verifică starea")).click()
    # THEN ANAF's answer shows, and there is nothing more to ask
    expect(section.locator("#stare-mesaj-furnizor")).to_have_text("Starea mesajului: acceptat de ANAF")
    expect(item.locator(".stare-mesaj-furnizor")).to_contain_text("Stare: acceptat de ANAF")
    expect(item.get_by_role("button", name=re.compile("^Verifică starea"))).to_have_count(0)
    violations = blocking_violations(page)
    assert violations == [], report("the supplier messages after sending", violations)

    # AND the company's list of messages to suppliers, linked from the company page, shows it
    dialog.get_by_role("button", name="Închide").click()
    page.goto(f"/companii/{supplied.cif}")
    page.get_by_role("link", name="Mesaje către furnizori").click()
    expect(page.get_by_role("heading", name="Mesaje către furnizori", level=1)).to_be_visible()
    row = page.locator("#tabel-mesaje-furnizori tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".text-mesaj-furnizor")).to_have_text(
        "Cantitatea livrată este 8, nu 10. Vă rugăm să emiteți factura de stornare.")
    expect(row.locator(".stare-mesaj-furnizor")).to_have_text("acceptat de ANAF")
    violations = blocking_violations(page)
    assert violations == [], report("Mesaje către furnizori", violations)


def test_with_no_messages_the_page_links_to_this_companys_documents(page: Page, base_url, sandbox_url):
    # GIVEN an owner of two companies whose Documents page last showed the other one
    company = proven_company(base_url, sandbox_url)
    other = new_company(sandbox_url)
    add_proven_company(company.user, other, sandbox_url)
    log_in(page, company.user)
    page.goto(f"/documente?cif={other}")
    expect(page.locator("#companie-documente")).to_contain_text(other)
    # WHEN they open the first company's messages to suppliers, where there are none yet
    page.goto(f"/companii/{company.cif}/mesaje-furnizori")
    empty = page.locator("#mesaje-furnizori .gol")
    expect(empty).to_contain_text("Compania nu a trimis încă mesaje furnizorilor.")
    # THEN "Documente" leads to that company's documents, where a message is sent from
    empty.get_by_role("link", name="Documente").click()
    expect(page).to_have_url(re.compile(rf"/documente\?cif={company.cif}"))

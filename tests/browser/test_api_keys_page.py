""""Chei API" on the Integrări page in the browser: an owner creates a key (name, scopes, expiry
through the date field), sees the secret once with a copy button and a curl line, uses it, sees
its last use, and revokes it after confirming; the page passes axe."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.api.proven import proven_company
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def clipboard_page(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, locale="ro-RO")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    yield page
    context.close()


def test_an_owner_creates_uses_and_revokes_a_key(clipboard_page: Page, base_url, sandbox_url):
    page = clipboard_page
    # GIVEN an owner of a proven company on its Integrări page, reached from the company page
    company = proven_company(base_url, sandbox_url)
    log_in(page, company.user)
    page.goto(f"/companii/{company.cif}")
    page.get_by_role("link", name="Integrări").click()
    expect(page).to_have_url(re.compile(rf"/companii/{company.cif}/integrari$"))
    expect(page.get_by_role("heading", name="Chei API")).to_be_visible()
    expect(page.locator("#lista-chei")).to_contain_text("Nicio cheie API încă.")

    # WHEN they submit the form empty, they are told what is missing
    page.get_by_role("button", name="Creează cheia").click()
    expect(page.locator("#eroare-cheie-nume")).to_have_text("Dați cheii un nume, de exemplu „ERP contabilitate”.")
    expect(page.locator("#eroare-cheie-drepturi")).to_have_text("Alegeți cel puțin un drept pentru cheie.")
    expect(page.get_by_label("Numele cheii")).to_be_focused()

    # AND with a name, the read scope and an expiry typed the Romanian way, the key is created
    page.get_by_label("Numele cheii").fill("ERP contabilitate")
    page.get_by_label(re.compile("^Citește documentele")).check()
    page.get_by_label("Expiră după (opțional)").fill("31.12.2027")
    page.get_by_role("button", name="Creează cheia").click()

    # THEN the secret is shown once, with a copy button and a curl line that carries it
    secret_field = page.get_by_label("Cheia API")
    expect(secret_field).to_have_value(re.compile(r"^arh_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$"))
    secret = secret_field.input_value()
    curl = page.get_by_label("Încercați-o din linia de comandă").input_value()
    assert f'Authorization: ApiKey {secret}' in curl and f"/api/companies/{company.cif}/documents" in curl
    page.get_by_role("button", name="Copiază cheia").click()
    expect(page.locator("#copiat")).to_have_text("Copiat.")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    # AND the list shows the key by its prefix, with its scope and expiry, never used yet
    row = page.locator("#lista-chei tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator('td[data-eticheta="Prefix"]')).to_have_text(secret[:14])
    expect(row.locator('td[data-eticheta="Drepturi"]')).to_have_text("Citește documentele")
    expect(row.locator('td[data-eticheta="Expiră"]')).to_have_text("31.12.2027")
    expect(row.locator('td[data-eticheta="Ultima folosire"]')).to_have_text("niciodată")
    assert secret not in page.locator("#lista-chei").inner_text()

    # AND the page passes axe with the secret and the list shown
    violations = blocking_violations(page)
    assert violations == [], report("integrari with a new key", violations)

    # WHEN the integrator uses the key, the list shows when (after a reload: the secret is gone)
    headers = {"Authorization": f"ApiKey {secret}"}
    used = requests.get(f"{base_url}/api/companies/{company.cif}/documents", headers=headers, timeout=30)
    assert used.status_code == 200
    page.reload()
    expect(page.get_by_label("Cheia API")).to_have_count(0)
    expect(row.locator('td[data-eticheta="Ultima folosire"]')).to_have_text(
        re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}, de la "))

    # AND revoking asks first, then the key stops working at once
    row.get_by_role("button", name=re.compile("^Revocă")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Revocați cheia?")).to_be_visible()
    dialog.get_by_role("button", name="Revocă cheia").click()
    expect(page.locator("#mesaj-chei")).to_have_text("Cheia „ERP contabilitate” a fost revocată.")
    expect(row.locator('td[data-eticheta="Stare"]')).to_have_text(re.compile("^revocată la "))
    refused = requests.get(f"{base_url}/api/companies/{company.cif}/documents", headers=headers, timeout=30)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "api_key_invalid"


def test_a_viewer_is_told_keys_are_for_owners_and_admins(page: Page, viewed_company):
    page.goto(f"/companii/{viewed_company.cif}/integrari")
    section = page.locator("#integrare-chei-api")
    expect(section).to_contain_text("Doar proprietarii și administratorii companiei pot gestiona cheile API.")
    expect(section.get_by_role("button", name="Creează cheia")).to_have_count(0)

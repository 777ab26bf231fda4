"""E-mails and their settings in the browser: the new-documents e-mail's HTML as a mail client
renders it, the notifications page (/cont/notificari) and the unsubscribe page (/dezabonare)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from chalicelib import dependencies
from chalicelib.domain.notifications import Category
from chalicelib.services.new_documents import compose
from chalicelib.services.notifications import Recipient
from local.mailbox import sent_mail
from tests.browser.conftest import email_address, log_in

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">Partener & Fiii <b>SRL</b>'


def document(number: str, partner: str, total: str) -> SimpleNamespace:
    return SimpleNamespace(kind="received", document_type="invoice", partner_name=partner, partner_cif="12345674",
                           number=number, issue_date="2026-07-03", total=total, total_with_vat=None,
                           currency="RON", created_at=datetime(2026, 7, 3, tzinfo=UTC))


def test_the_new_documents_e_mail_renders_escaped_and_carries_no_file(page: Page, base_url, local_stack):
    # GIVEN an e-mail about two new invoices, one from a partner with markup in its name
    company = SimpleNamespace(cif="14399840", name="Țesătoria Ștefănești SRL")
    notifications = dependencies.notifications()
    message = compose(notifications.public_url, company,
                      [document("FCT-1001", HOSTILE, "1190.00"),
                       document("FCT-1002", "Âncă & Îmbrăcăminte SA", "59.50")],
                      2, "2 documente noi", "la ultima sincronizare")
    to = email_address("html")
    assert notifications.send(Recipient("user-html", to), Category.NEW_DOCUMENTS, [company.cif], message)
    mail = next(m for m in sent_mail() if m.to == to)

    # WHEN a mail client shows its HTML part
    page.set_content(mail.html)

    # THEN the text reads as written, diacritics included, and the partner's markup is only text
    body = page.locator("body")
    expect(body).to_contain_text("Țesătoria Ștefănești SRL")
    expect(body).to_contain_text("FCT-1001")
    expect(body).to_contain_text("Âncă & Îmbrăcăminte SA")
    expect(body).to_contain_text('<img src=x onerror="document.title=\'pwned\'">Partener & Fiii <b>SRL</b>')
    assert page.locator("img").count() == 0 and page.locator("table b").count() == 0
    assert page.title() != "pwned"
    expect(page.get_by_role("link", name="Vedeți documentele în Arhivar")).to_have_attribute(
        "href", f"{notifications.public_url}/documente?cif=14399840")
    expect(page.get_by_role("link", name="Dezabonare cu un clic")).to_be_visible()
    # AND the message has no attachment at all
    assert list(mail.message.iter_attachments()) == []


def test_a_member_turns_e_mails_off_and_changes_the_licence_on_the_notifications_page(page: Page, new_user,
                                                                                      fresh_cif, proven_company):
    # GIVEN an owner of a (proven) company, signed in
    user, cif = new_user(), fresh_cif()
    proven_company(user, cif)
    log_in(page, user)
    # WHEN they open the notifications page, turn new-document e-mails off and save
    page.goto("/cont/notificari")
    box = page.locator(f'input[data-cif="{cif}"][data-categorie="new_documents"]')
    expect(box).to_be_checked()
    box.uncheck()
    page.get_by_role("button", name="Salvează preferințele").click()
    expect(page.locator("#mesaj-notificari")).to_contain_text("Preferințele au fost salvate.")
    # AND ask to move the company to Pro: a dialog names the company, both licences and what changes
    before = user.call("GET", f"/companies/{cif}/licence").json()["licence"]
    page.locator(f'form.schimba-licenta[data-cif="{cif}"] select').select_option("pro")
    change = page.locator(f'form.schimba-licenta[data-cif="{cif}"] button')
    change.click()
    dialog = page.get_by_role("dialog", name="Schimbați licența?")
    expect(dialog).to_contain_text(re.compile(rf"Licența companiei .+ se schimbă din\s+{before['name']}\s+în Pro\."))
    expect(dialog).to_contain_text("De acum: sincronizare")
    expect(dialog).to_contain_text("(fără documente noi de o zi: cel puțin o dată pe oră)")  # adaptive polling
    # WHEN they cancel THEN nothing changes and the focus is back on the button
    dialog.get_by_role("button", name="Anulează").click()
    expect(dialog).to_be_hidden()
    expect(change).to_be_focused()
    assert user.call("GET", f"/companies/{cif}/licence").json()["licence"]["code"] == before["code"] != "pro"
    # WHEN they confirm THEN the licence changes
    change.click()
    page.get_by_role("dialog").get_by_role("button", name="Schimbă în Pro").click()
    expect(page.locator("#mesaj-notificari")).to_contain_text("Licența este acum Pro")
    # THEN both stick
    settings = user.call("GET", "/account/notifications").json()
    row = next(c for c in settings["companies"] if c["cif"] == cif)
    assert row["categories"]["new_documents"] is False and row["licence"]["code"] == "pro"


def test_the_unsubscribe_link_works_without_login_and_refuses_a_tampered_one(page: Page, new_user, fresh_cif,
                                                                             base_url, proven_company):
    from chalicelib.domain.notifications import UnsubscribeScope
    # GIVEN the unsubscribe link of an e-mail about a company
    user, cif = new_user(), fresh_cif()
    proven_company(user, cif)
    me = user.call("GET", "/account").json()["user_id"]
    url = dependencies.notifications().unsubscribe_url(UnsubscribeScope(me, Category.AUTHORIZATION, (cif,)))
    # WHEN it is opened in a browser with no session and the person confirms
    page.goto(url.replace(dependencies.settings().public_url, base_url))
    expect(page.get_by_role("heading", name="Dezabonare")).to_be_visible()
    expect(page.locator("#dezabonare")).to_contain_text("autorizarea ANAF")
    page.get_by_role("button", name="Da, dezabonează-mă").click()
    # THEN it is done, and the settings say so
    expect(page.locator("#dezabonat")).to_contain_text("Gata: nu mai primiți e-mailurile despre autorizarea ANAF")
    row = next(c for c in user.call("GET", "/account/notifications").json()["companies"] if c["cif"] == cif)
    assert row["categories"]["authorization"] is False and row["categories"]["new_documents"] is True
    # AND a tampered link is refused with an explanation
    page.goto(url.replace(dependencies.settings().public_url, base_url)[:-4] + "AAAA")
    expect(page.locator("#link-invalid")).to_contain_text("Linkul de dezabonare nu este valid")

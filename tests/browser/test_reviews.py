"""The review of received invoices on the Documents page, as an accountant ("contabil") does
it: approve one in the dialog, reject one with its (mandatory) reason, approve the rest with
"Aprobă selecția"; the counts, badges and history follow, and axe finds nothing serious."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import sign_up
from tests.api.proven import invite_and_accept
from tests.api.test_reviews import company_with_received_invoices
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk(local_stack, base_url):
    owner, cif, received = company_with_received_invoices(base_url, local_stack.ports.sandbox_url, 4)
    contabil = sign_up(base_url)
    invite_and_accept(owner, contabil, cif, "contabil")
    return owner, contabil, cif, received


def tab(page: Page, label: str):
    return page.locator("#verificare-lista").get_by_role("link", name=label)


def row(page: Page, message_id: str):
    return page.locator(f'tr[data-mesaj="{message_id}"]')


def no_blocking_violations(page: Page, where: str) -> None:
    violations = blocking_violations(page)
    assert violations == [], report(where, violations)


def test_approve_reject_with_a_reason_and_approve_a_selection(page: Page, desk):
    owner, contabil, cif, received = desk
    log_in(page, contabil)
    page.goto(f"/documente?cif={cif}")
    expect(tab(page, "De verificat")).to_have_text("De verificat (4)")
    expect(row(page, received[0]).locator("[data-stare-verificare]")).to_have_text("de verificat")
    no_blocking_violations(page, "Documents page with the review tools")

    # Approve the newest in its dialog
    row(page, received[0]).locator("[data-detalii]").click()
    dialog = page.locator("#panou-document")
    review = dialog.locator("#verificare-document")
    expect(review.get_by_text("Nicio schimbare și niciun comentariu încă.")).to_be_visible()
    no_blocking_violations(page, "the document dialog with its review section")
    review.get_by_role("button", name="Aprobă", exact=True).click()
    expect(review.get_by_role("status")).to_have_text("Factura este acum aprobată.")
    expect(review.locator(".istoric-verificare li")).to_have_count(1)
    expect(review.locator(".istoric-verificare li").first).to_contain_text(contabil.email)
    expect(review.locator(".istoric-verificare li").first).to_contain_text("de verificat → aprobată")
    dialog.get_by_role("button", name="Închide").click()
    expect(row(page, received[0]).locator("[data-stare-verificare]")).to_have_text("aprobată")
    expect(tab(page, "Aprobate")).to_have_text("Aprobate (1)")

    # Reject the next one: not without a reason
    row(page, received[1]).locator("[data-detalii]").click()
    review.get_by_role("button", name="Respinge", exact=True).click()
    review.get_by_role("button", name="Respinge factura").click()
    expect(review.locator("#eroare-motiv-document")).to_have_text("Scrieți motivul respingerii.")
    expect(review.get_by_label("Motivul respingerii")).to_be_focused()
    review.get_by_label("Motivul respingerii").fill("Cantitatea facturată nu corespunde recepției.")
    review.get_by_role("button", name="Respinge factura").click()
    expect(review.get_by_role("status")).to_have_text("Factura este acum respinsă.")
    expect(review.locator("#motiv-respingere")).to_contain_text("Cantitatea facturată nu corespunde recepției.")
    # a rejected invoice is approved before it is booked: that action is not offered
    expect(review.get_by_role("button", name="Înregistrează în contabilitate")).to_have_count(0)
    dialog.get_by_role("button", name="Închide").click()

    # Approve the two that remain, selected together
    bar = page.locator("#bara-selectie")
    expect(bar.get_by_role("button", name="Aprobă selecția")).to_be_disabled()
    for message_id in received[2:]:
        row(page, message_id).locator("input[data-selecteaza]").check()
    expect(bar.locator("#selectie-numar")).to_have_text("2 facturi selectate")
    no_blocking_violations(page, "a selection with the bulk actions")
    bar.get_by_role("button", name="Aprobă selecția").click()
    expect(bar.locator("#rezultat-selectie")).to_have_text("2 facturi aprobate.")
    for message_id in received[2:]:
        expect(row(page, message_id).locator("[data-stare-verificare]")).to_have_text("aprobată")
    expect(tab(page, "Aprobate")).to_have_text("Aprobate (3)")
    expect(tab(page, "Respinse")).to_have_text("Respinse (1)")
    expect(tab(page, "De verificat")).to_have_text("De verificat (0)")

    # The "Aprobate" filter lists exactly those three, and the API agrees
    tab(page, "Aprobate").click()
    expect(page).to_have_url(re.compile(r"[?&]review=approved"))
    expect(page.locator("tr[data-mesaj]")).to_have_count(3)
    states = {m: owner.call("GET", f"/companies/{cif}/documents/{m}/review").json()["review"]["state"]
              for m in received}
    assert states == {received[0]: "approved", received[1]: "rejected", received[2]: "approved",
                      received[3]: "approved"}

    # One invoice selected reads in the singular, the outcome too ("O factură înregistrată", never
    # "O factură înregistrate")
    row(page, received[0]).locator("input[data-selecteaza]").check()
    expect(bar.locator("#selectie-numar")).to_have_text("O factură selectată")
    bar.get_by_role("button", name="Înregistrează selecția").click()
    expect(bar.locator("#rezultat-selectie")).to_have_text("O factură înregistrată în contabilitate.")
    expect(row(page, received[0]).locator("[data-stare-verificare]")).to_have_text("înregistrată în contabilitate")


def test_an_owner_adds_and_removes_a_routing_rule_on_the_notifications_page(page: Page, desk):
    owner, contabil, cif, _ = desk
    log_in(page, owner)
    page.goto("/cont/notificari")
    rules = page.locator("#reguli-notificare")
    expect(rules.get_by_role("heading", name="Reguli de notificare")).to_be_visible()
    # a rule without a partner or an amount is explained, next to the form
    rules.get_by_label("Adrese de e-mail").fill("achizitii@exemplu.ro")
    rules.get_by_role("button", name="Adaugă regula").click()
    expect(rules.locator("#eroare-regula")).to_have_text("Alegeți un partener (CIF), o sumă minimă sau amândouă.")
    rules.get_by_label("Total minim cu TVA").fill("10.000")
    rules.get_by_role("button", name="Adaugă regula").click()
    expect(rules.get_by_role("status")).to_have_text("Regula a fost adăugată.")
    listed = rules.locator("table.reguli-notificare tbody tr")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("10.000,00")
    expect(listed.first).to_contain_text("achizitii@exemplu.ro")
    no_blocking_violations(page, "the notifications page with a routing rule")
    assert owner.call("GET", f"/companies/{cif}/notification-rules").json()["rules"][0]["min_amount"] == "10000"
    listed.first.get_by_role("button", name="Șterge regula").click()
    page.get_by_role("dialog").get_by_role("button", name="Șterge regula").click()
    expect(rules.get_by_role("status")).to_have_text("Regula a fost ștearsă.")
    expect(listed).to_have_count(0)
    # a contabil manages no rules: the section is not offered
    page.get_by_role("button", name="Ieșire").click()
    log_in(page, contabil)
    page.goto("/cont/notificari")
    expect(page.locator(f'#tabel-notificari tr[data-cif="{cif}"]')).to_be_visible()
    expect(page.locator("#reguli-notificare")).to_have_count(0)

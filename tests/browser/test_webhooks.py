"""The "Webhook-uri" section of the Integrări page in the browser: an owner adds an endpoint
(pointing at a receiver the test runs on loopback), sees its secret once, sends a test event,
reads the delivery log, sends a delivery again, rotates the secret and deletes the endpoint
after confirming; axe finds nothing serious with the form, the list and the log on screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.proven import proven_company
from tests.api.webhook_receiver import Receiver
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _deliver(settings) -> None:
    """The webhook worker over everything queued (as its event source mapping would)."""
    spec = queue("webhook")
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0)
    while poller.poll_once().received:
        pass


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def test_an_owner_manages_a_webhook_and_follows_its_deliveries(page: Page, base_url, sandbox_url, settings,
                                                              receiver):
    company = proven_company(base_url, sandbox_url)
    log_in(page, company.user)
    page.goto(f"/companii/{company.cif}/integrari")
    section = page.locator("#integrare-webhooks")
    expect(section.get_by_role("heading", name="Webhook-uri")).to_be_visible()
    expect(section.locator("#fara-webhooks")).to_have_text("Niciun webhook încă.")

    # a URL that is not public https is refused next to the field
    page.get_by_label("Adresa (URL https://)").fill("https://10.0.0.7/hook")
    page.get_by_role("button", name="Adaugă webhook-ul").click()
    expect(page.locator("#eroare-url-webhook")).to_contain_text("public")

    # WHEN the owner adds the receiver for archived documents and failed syncs
    page.get_by_label("Adresa (URL https://)").fill(receiver.url)
    page.get_by_label("Descriere (opțional)").fill("ERP contabilitate")
    page.get_by_label("Sincronizare eșuată").check()
    page.get_by_label("Facturi primite").check()
    page.get_by_role("button", name="Adaugă webhook-ul").click()

    # THEN the secret is shown once, and the endpoint is listed with its events
    secret_box = page.locator("#secret-webhook")
    expect(secret_box).to_be_focused()
    secret = secret_box.locator("code").inner_text()
    assert secret.startswith("whsec_")
    row = page.locator("#tabel-webhooks tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(receiver.url)
    expect(row).to_contain_text("Document arhivat, Sincronizare eșuată (Facturi primite)")
    expect(row).to_contain_text("activ")

    # AND a test event reaches the receiver, signed with that secret, and the log says so
    row.get_by_role("button", name=re.compile("^Trimite un eveniment de test")).click()
    expect(page.locator("#mesaj-webhooks")).to_contain_text("pus în coada de livrare")
    _deliver(settings)
    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"
    page.get_by_role("button", name="Reîncarcă jurnalul").click()
    delivery = page.locator("#tabel-livrari tbody tr")
    expect(delivery).to_contain_text("Eveniment de test")
    expect(delivery).to_contain_text("livrat")
    expect(delivery.locator('td[data-eticheta="Cod răspuns"]')).to_have_text("200")
    assert blocking_violations(page) == [], report("integrări with a webhook and its log", blocking_violations(page))

    # "Retrimite": the same delivery again, with the same webhook-id
    delivery.get_by_role("button", name=re.compile("^Retrimite")).click()
    expect(page.locator("#mesaj-webhooks")).to_contain_text("același webhook-id")
    _deliver(settings)
    assert [r.headers["webhook-id"] for r in receiver.received] == [request.headers["webhook-id"]] * 2
    page.get_by_role("button", name="Reîncarcă jurnalul").click()
    expect(page.locator('#tabel-livrari td[data-eticheta="Încercări"]')).to_have_text("2")

    # "Schimbă secretul" asks first, then shows the new secret once
    row.get_by_role("button", name=re.compile("^Schimbă secretul")).click()
    page.get_by_role("dialog").get_by_role("button", name="Schimbă secretul").click()
    expect(page.locator("#secret-webhook")).to_contain_text("Secretul nou")
    assert page.locator("#secret-webhook code").inner_text() not in (secret, "")
    expect(row).to_contain_text("secretul vechi semnează și el până la")

    # "Șterge" asks first; cancelling keeps it, confirming removes it
    row.get_by_role("button", name=re.compile("^Șterge")).click()
    page.get_by_role("dialog").get_by_role("button", name="Anulează").click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name=re.compile("^Șterge")).click()
    page.get_by_role("dialog").get_by_role("button", name="Șterge webhook-ul").click()
    expect(page.locator("#mesaj-webhooks")).to_contain_text("Webhook-ul a fost șters.")
    expect(page.locator("#fara-webhooks")).to_be_visible()

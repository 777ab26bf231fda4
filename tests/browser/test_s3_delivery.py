"""The "Livrare în bucket-ul propriu (S3)" section of the Integrări page, in the browser: an owner
copies the external id and the policies, is told what is wrong with the settings, turns delivery
on, sees the copies land, a failure with its reason, and "Reîncearcă" fixing it."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from chalicelib import dependencies
from chalicelib.storage.documents import DocumentRepository
from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.proven import proven_company
from tests.api.test_s3_delivery import PREFIX, CustomerAccount
from tests.browser.accessibility import blocking_violations, report
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _drain(*keys: str) -> None:
    pollers = [QueuePoller(dependencies.settings(), queue(k), load_handler(queue(k).consumer), wait_time_s=0)
               for k in keys]
    while sum(poller.poll_once().received for poller in pollers):
        pass


def test_an_owner_sets_up_delivery_to_their_bucket_and_retries_a_failure(page: Page, base_url, sandbox_url, settings):
    # GIVEN an owner whose company has one archived invoice, and the customer's AWS account
    company = proven_company(base_url, sandbox_url)
    company.import_one_document()
    _drain("render")
    customer = CustomerAccount(settings.aws_endpoint_url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, company.user)

    # WHEN they open Integrări THEN the section gives the external id and the policies to copy
    page.goto(f"/companii/{company.cif}/integrari")
    section = page.locator("#integrare-s3")
    expect(section.get_by_role("heading", name="Livrare în bucket-ul propriu (S3)")).to_be_visible()
    external_id = page.locator("#id-extern-s3")
    expect(external_id).to_contain_text("arhivar-")
    section.get_by_role("button", name="Copiază ID-ul extern").click()
    expect(page.locator("#mesaj-s3")).to_contain_text("Copiat.")
    assert page.evaluate("navigator.clipboard.readText()") == external_id.text_content()
    section.get_by_role("button", name="Copiază politica de încredere").click()
    trust = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == external_id.text_content()
    violations = blocking_violations(page)
    assert violations == [], report("Integrări (S3)", violations)

    # WHEN the bucket name is not valid THEN the field says why
    page.get_by_label("Bucket", exact=True).fill("Bucket_Mare")
    page.get_by_label("Prefix (opțional)").fill(PREFIX)
    page.get_by_label("ARN-ul rolului").fill(customer.role_arn)
    page.get_by_label("Livrarea este pornită").check()
    page.get_by_role("button", name="Salvează").click()
    expect(page.locator("#eroare-bucket-s3")).to_contain_text("Numele bucket-ului nu este valid")
    expect(page.get_by_label("Bucket", exact=True)).to_have_attribute("aria-invalid", "true")

    # WHEN the bucket does not exist yet THEN turning delivery on is refused with the reason
    page.get_by_label("Bucket", exact=True).fill(customer.bucket)
    page.get_by_role("button", name="Salvează").click()
    expect(page.locator("#mesaj-s3")).to_contain_text("Bucket-ul nu există")

    # WHEN it exists THEN delivery is on, and the archived invoice lands in the bucket
    customer.create_bucket(versioned=False)
    page.get_by_role("button", name="Salvează").click()
    expect(page.locator("#mesaj-s3")).to_contain_text("livrarea este pornită")
    expect(page.locator("#stare-s3")).to_contain_text(f"s3://{customer.bucket}/{PREFIX}")
    _drain("s3delivery")
    assert sorted(path.rsplit(".", 1)[1] for path in customer.objects()) == ["pdf", "xml", "zip"]
    page.reload()
    expect(page.locator("#fapte-s3")).to_contain_text("Ultima livrare")
    expect(page.locator("#fara-esecuri-s3")).to_be_visible()

    # WHEN the bucket disappears and the document is copied again THEN the failure shows its reason
    customer.delete_bucket()
    [document] = list(DocumentRepository.every(company.cif))
    dependencies.work_queues().send("s3delivery", {"cif": company.cif, "sk": document.sk, "attempt": 1})
    _drain("s3delivery")
    page.reload()
    expect(page.locator("#esecuri-s3")).to_contain_text("Bucket-ul nu există")
    expect(page.locator("#esecuri-s3")).to_contain_text("se reîncearcă")
    violations = blocking_violations(page)
    assert violations == [], report("Integrări (S3) with a failure", violations)

    # WHEN the bucket is back and the owner presses "Reîncearcă" THEN the copy succeeds
    customer.create_bucket(versioned=False)
    page.get_by_role("button", name="Reîncearcă").click()
    expect(page.locator("#mesaj-s3")).to_contain_text("Reîncercăm livrarea pentru 1 document")
    _drain("s3delivery")
    page.reload()
    expect(page.locator("#fara-esecuri-s3")).to_be_visible()
    assert len(customer.objects()) == 3


def test_a_viewer_is_told_that_only_owners_and_admins_configure_it(page: Page, viewed_company):
    page.goto(f"/companii/{viewed_company.cif}/integrari")
    expect(page.locator("#integrare-s3")).to_contain_text("Doar proprietarii și administratorii")
    expect(page.locator("#id-extern-s3")).to_have_count(0)

"""New-invoice e-mails routed per partner or amount, against the local stack: a Pro company's
rules send the matching invoices to their addresses (read from the local SES mailbox), nobody
else gets them, a suppressed address gets nothing, and the unsubscribe link stops them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib import dependencies
from chalicelib.storage.models import CompanyModel, DocumentModel
from functions.ses_feedback import handler as ses_feedback
from local.runtime import LocalLambdaContext
from tests.api.conftest import email_address, sign_up
from tests.api.proven import invite_and_accept
from tests.api.sandbox_admin import Sandbox
from tests.api.test_notifications import NotifyWorker, bounce_event, mails_to, unsubscribe_url
from tests.api.test_reviews import company_with_received_invoices


@pytest.fixture(scope="module")
def worker(settings) -> NotifyWorker:
    worker = NotifyWorker(settings)
    worker.drain()  # whatever other modules left on the queue
    return worker


@pytest.fixture(scope="module")
def pro(local_stack, base_url, worker):
    """A Pro company with one received invoice archived, and two partners to receive from."""
    owner, cif, _ = company_with_received_invoices(base_url, local_stack.ports.sandbox_url, 1)
    worker.drain()
    assert owner.call("PUT", f"/companies/{cif}/licence", json={"licence": "pro"}).status_code == 200
    sandbox = Sandbox(local_stack.ports.sandbox_url)
    partners = [p["cif"] for p in sandbox.admin("GET", "world")["partners"] if p["cif"] != cif][:2]
    return owner, cif, sandbox, partners


def arrive_and_sync(sandbox: Sandbox, cif: str, worker: NotifyWorker, *sellers: str) -> list[DocumentModel]:
    """One invoice from each seller arrives at ANAF; a sync archives them and the notify worker
    sends its e-mails. The archive is marked complete up to before the arrival (the 30-second
    listing margin would otherwise leave them for the next sync)."""
    CompanyModel(cif=cif).update(actions=[CompanyModel.covered_until.set(datetime.now(UTC) - timedelta(minutes=3))])
    for seller in sellers:
        sandbox.arrive(kind="invoice", seller_cif=seller, buyer_cif=cif, count=1)
    outcome = dependencies.company_sync(lambda: 900.0).run(cif, "test")
    assert outcome.stats.new == len(sellers), outcome
    worker.drain()
    return list(DocumentModel.batch_get([(cif, sk) for sk in outcome.stats.new_sks]))


def add_rule(owner, cif: str, **rule) -> dict:
    answer = owner.call("POST", f"/companies/{cif}/notification-rules", json=rule)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_partner_rule_sends_that_partners_invoices_to_its_address_and_nobody_else(pro, worker):
    owner, cif, sandbox, (chosen, other) = pro
    purchasing, rich, bounced = email_address("achizitii"), email_address("mari"), email_address("respins")
    add_rule(owner, cif, partner_cif=f"RO{chosen}", emails=[purchasing, bounced])
    rules = add_rule(owner, cif, min_amount="100.000.000", emails=[rich])["rules"]
    assert [r["partner_cif"] for r in rules] == [chosen, None] and rules[1]["min_amount"] == "100000000"
    ses_feedback.lambda_handler(bounce_event(bounced), LocalLambdaContext("arhivar-ses-feedback", 30))
    owner_before = len(mails_to(owner.email))
    # WHEN one invoice from the chosen partner and one from another arrive and are synced
    documents = arrive_and_sync(sandbox, cif, worker, chosen, other)
    mine = next(d for d in documents if d.partner_cif == chosen)
    theirs = next(d for d in documents if d.partner_cif == other)
    # THEN the purchasing address gets one e-mail listing only the chosen partner's invoice
    [mail] = mails_to(purchasing)
    rows = [line for line in mail.text.splitlines() if line.startswith("- ")]
    assert len(rows) == 1 and f"nr. {mine.number}" in rows[0] and f"nr. {theirs.number}" not in mail.text
    assert mail.subject.strip() == f"Un document nou pentru {CompanyModel.get(cif).name}"
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # AND the members get their usual e-mail (both invoices), exactly once
    assert len(mails_to(owner.email)) == owner_before + 1
    # AND nobody else: not the amount rule's address (no invoice that large), not the bounced one
    assert mails_to(rich) == [] and mails_to(bounced) == []


def test_a_routed_address_unsubscribes_with_one_click_and_gets_nothing_more(pro, worker):
    owner, cif, sandbox, (chosen, _) = pro
    purchasing = next(e["email"] for r in owner.call("GET", f"/companies/{cif}/notification-rules").json()["rules"]
                      for e in r["emails"] if e["email"].startswith("achizitii"))
    [mail] = mails_to(purchasing)
    done = requests.post(unsubscribe_url(mail), data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200, done.text
    listed = owner.call("GET", f"/companies/{cif}/notification-rules").json()["rules"]
    assert {e["email"]: e["unsubscribed"] for r in listed for e in r["emails"]}[purchasing] is True
    arrive_and_sync(sandbox, cif, worker, chosen)
    assert len(mails_to(purchasing)) == 1


def test_only_owners_and_admins_manage_the_rules(pro, base_url):
    owner, cif, _, (chosen, _) = pro
    contabil = sign_up(base_url)
    invite_and_accept(owner, contabil, cif, "contabil")
    refused = contabil.call("POST", f"/companies/{cif}/notification-rules",
                            json={"partner_cif": chosen, "emails": ["x@exemplu.ro"]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    listing = contabil.call("GET", f"/companies/{cif}/notification-rules").json()
    assert listing["can_manage"] is False and len(listing["rules"]) == 2
    rule_id = listing["rules"][1]["id"]
    assert contabil.call("DELETE", f"/companies/{cif}/notification-rules/{rule_id}").status_code == 403
    # a rule needs a condition and valid addresses
    for body, code in (({"emails": ["x@exemplu.ro"]}, "notification_rule_condition_required"),
                       ({"partner_cif": "nu-e-cif", "emails": ["x@exemplu.ro"]}, "invalid_notification_rule"),
                       ({"partner_cif": chosen, "emails": ["Nume <x@exemplu.ro>"]}, "invalid_email")):
        answer = owner.call("POST", f"/companies/{cif}/notification-rules", json=body)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, answer.text
    assert owner.call("DELETE", f"/companies/{cif}/notification-rules/{rule_id}").status_code == 204
    assert [r["id"] for r in owner.call("GET", f"/companies/{cif}/notification-rules").json()["rules"]] != []
    assert owner.call("DELETE", f"/companies/{cif}/notification-rules/{rule_id}").status_code == 404


def test_a_member_a_rule_names_gets_one_email_and_a_redelivered_sync_sends_nothing_again(pro, worker):
    owner, cif, sandbox, (chosen, _) = pro
    colleague = email_address("colega")
    add_rule(owner, cif, partner_cif=chosen, emails=[owner.email, colleague])
    owner_before = len(mails_to(owner.email))
    # WHEN an invoice from the partner is synced: the owner is a member and named by the rule
    arrive_and_sync(sandbox, cif, worker, chosen)
    # THEN the owner gets the members' e-mail only, the colleague the routed one
    assert len(mails_to(owner.email)) == owner_before + 1
    assert len(mails_to(colleague)) == 1
    # AND the notify message delivered again (an SQS retry) sends nobody anything more
    worker.redeliver(cif)
    assert len(mails_to(owner.email)) == owner_before + 1 and len(mails_to(colleague)) == 1

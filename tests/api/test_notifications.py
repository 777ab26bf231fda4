"""Licences and e-mail notifications against the local stack: new-document e-mails per
licence (Pro after each sync, Standard a daily digest, Free none), preferences and the
one-click unsubscribe without login, bounces, idempotent retries, coverage warnings."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib import dependencies
from chalicelib.domain.romanian import format_amount
from chalicelib.services.coverage_warnings import send_coverage_warnings
from chalicelib.services.new_documents import romanian_day, send_digests
from chalicelib.storage.models import CompanyModel, DocumentModel
from chalicelib.topology import queue
from functions.notify import handler as notify_handler
from functions.ses_feedback import handler as ses_feedback
from local.mailbox import sent_mail
from local.runtime import LocalLambdaContext, QueuePoller
from tests.api.conftest import authorize, sign_up
from tests.api.proven import invite_and_accept
from tests.api.sandbox_admin import Sandbox

# -- helpers -----------------------------------------------------------------------------------

class NotifyWorker:
    """Plays the notify queue's event source mapping (real SQS events, partial failures) and
    remembers every event it delivered, so a test can deliver one again (an SQS retry)."""

    def __init__(self, settings) -> None:
        self.events: list[dict] = []

        def handler(event, context):
            self.events.append(event)
            return notify_handler.lambda_handler(event, context)
        self._poller = QueuePoller(settings, queue("notify"), handler, wait_time_s=0)

    def drain(self) -> int:
        delivered = 0
        while (result := self._poller.poll_once()).received:
            assert result.failed == 0, "a notify record failed"
            delivered += result.received
        return delivered

    def redeliver(self, cif: str) -> dict:
        records = [r for e in self.events for r in e["Records"] if json.loads(r["body"])["cif"] == cif]
        record = {**records[-1], "messageId": str(uuid.uuid4())}
        return notify_handler.lambda_handler({"Records": [record]}, LocalLambdaContext("arhivar-notify", 60))


def mails_to(email: str) -> list:
    """The e-mails sent to this address, newest first, without the sign-up code."""
    return [m for m in sent_mail() if m.to == email and not re.search(r"\b\d{6}\b", m.subject)]


def news_to(email: str) -> list:
    """The new-document e-mails (per run or digest) sent to this address, newest first."""
    return [m for m in mails_to(email) if re.search(r"documente? no[iu]|Rezumatul zilei", m.subject)]


def raw_mails_to(email: str) -> list:
    """The raw MIME messages sent to this address, oldest first."""
    return [m.message for m in reversed(sent_mail()) if m.message is not None and str(m.message["To"]) == email]


def unsubscribe_url(mail) -> str:
    return re.fullmatch(r"<(.+)>", mail.headers["List-Unsubscribe"]).group(1)


def arrive(sandbox: Sandbox, partner: str, cif: str, count: int) -> None:
    """New invoices at ANAF, created two minutes ago. Unlike Sandbox.arrive, the sandbox clock
    is left as found: another module may have moved it forward, and ANAF's tokens and lookup
    limiter carry times on that clock (moving it back would make fresh tokens "not yet valid")."""
    offset = sandbox.admin("GET", "clock")["offset_s"]
    sandbox.admin("POST", "clock", json={"set": (datetime.now(UTC) - timedelta(minutes=2)).isoformat()})
    try:
        sandbox.admin("POST", "invoices", json={"kind": "invoice", "seller_cif": partner, "buyer_cif": cif,
                                                "count": count})
    finally:
        sandbox.admin("POST", "clock", json={"reset": True})
        if offset:
            sandbox.admin("POST", "clock", json={"advance_s": offset})


def sync(cif: str):
    outcome = dependencies.company_sync(lambda: 900.0).run(cif, "test")
    assert outcome.result == "complete", outcome
    return outcome


def bounce_event(address: str, kind: str = "Permanent") -> dict:
    message = {"notificationType": "Bounce",
               "bounce": {"bounceType": kind, "bounceSubType": "General",
                          "bouncedRecipients": [{"emailAddress": address}],
                          "timestamp": "2026-07-01T10:00:00.000Z", "feedbackId": "x"},
               "mail": {"source": "notificari@arhivar.local", "destination": [address]}}
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": json.dumps(message),
                                                          "TopicArn": "arn:aws:sns:eu-central-1:0:ses-feedback"}}]}


# -- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def partner(world) -> str:
    return world["partners"][1]["cif"]


@pytest.fixture(scope="module")
def worker(settings) -> NotifyWorker:
    worker = NotifyWorker(settings)
    worker.drain()  # whatever other modules left on the queue
    return worker


@pytest.fixture(scope="module")
def owner(base_url):
    return sign_up(base_url)


@pytest.fixture(scope="module")
def companies(owner, world, worker):
    """Three companies of the all-seeing certificate, authorized, their archive complete up to
    a few minutes ago (set directly: the 60-day first sync is test_sync's business), synced
    once on the free licence."""
    rad = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))
    cifs = rad["cifs"][1:4]
    for cif in cifs:
        assert owner.call("POST", "/companies", json={"cif": cif}).status_code == 201
        CompanyModel(cif=cif).update(actions=[CompanyModel.licence.set("free")])
        assert authorize(owner, cif, rad["serial"])["anaf"] in ("connected", "proven")
    for cif in cifs:
        CompanyModel(cif=cif).update(actions=[
            CompanyModel.covered_until.set(datetime.now(UTC) - timedelta(minutes=3))])
        sync(cif)
    worker.drain()
    yield dict(zip(("pro", "standard", "free"), cifs, strict=True))
    for cif in cifs:  # leave them as other modules expect them
        CompanyModel(cif=cif).update(actions=[CompanyModel.licence.set("free")])


def set_licence(user, cif: str, code: str) -> dict:
    answer = user.call("PUT", f"/companies/{cif}/licence", json={"licence": code})
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- licences ----------------------------------------------------------------------------------

def test_the_licence_tiers_are_listed_in_romanian_without_login(base_url):
    answer = requests.get(f"{base_url}/api/licences", timeout=10)
    assert answer.status_code == 200
    tiers = {t["code"]: t for t in answer.json()["licences"]}
    assert tiers["free"]["name"] == "Gratuit" and tiers["free"]["sync_label"] == "o dată pe zi"
    assert tiers["standard"]["sync_interval_minutes"] == 60
    assert tiers["standard"]["new_document_emails"] == "daily_digest"
    assert tiers["pro"]["sync_label"] == "la fiecare 15 minute"
    assert tiers["pro"]["new_document_emails"] == "after_each_sync"


def test_a_viewer_cannot_change_the_licence(owner, companies, new_user):
    # GIVEN a viewer of a company
    viewer = new_user()
    cif = companies["free"]
    invite_and_accept(owner, viewer, cif, "viewer")
    # WHEN they try to change its licence THEN it is refused and nothing changes
    answer = viewer.call("PUT", f"/companies/{cif}/licence", json={"licence": "pro"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    assert CompanyModel.get(cif).licence == "free"
    assert viewer.call("GET", f"/companies/{cif}/licence").json()["can_change"] is False
    # AND a stranger does not even see the company
    assert new_user().call("PUT", f"/companies/{cif}/licence", json={"licence": "pro"}).status_code == 404


def test_a_faster_licence_moves_the_next_sync_sooner_and_is_recorded(owner, companies):
    # GIVEN a free company synced a moment ago: next sync in about a day
    cif = companies["pro"]
    before = CompanyModel.get(cif)
    assert before.next_sync_at - datetime.now(UTC) > timedelta(hours=20)
    # WHEN the owner moves it to Pro
    state = set_licence(owner, cif, "pro")
    # THEN it applies at once: the next sync is 15 minutes after the last one
    after = CompanyModel.get(cif)
    assert after.licence == "pro"
    assert after.next_sync_at <= max(before.last_sync_at + timedelta(minutes=15), datetime.now(UTC))
    assert state["licence"]["name"] == "Pro" and state["next_sync_at"]
    # AND the change is recorded with who and when
    me = owner.call("GET", "/account").json()["user_id"]
    assert state["history"][0]["licence"] == "pro" and state["history"][0]["previous"] == "free"
    assert state["history"][0]["changed_by"] == me
    # AND the dashboard shows the new licence
    assert owner.call("GET", f"/companies/{cif}").json()["company"]["licence"]["code"] == "pro"


# -- new-document e-mails ----------------------------------------------------------------------

def test_a_pro_company_gets_one_e_mail_listing_exactly_the_new_documents(owner, companies, sandbox, partner,
                                                                          worker, new_user):
    # GIVEN a Pro company with the owner and a viewer who turned new-document e-mails off
    cif = companies["pro"]
    set_licence(owner, cif, "pro")
    quiet = new_user()
    invite_and_accept(owner, quiet, cif, "viewer")
    assert quiet.call("PUT", "/account/notifications",
                      json={"companies": {cif: {"new_documents": False}}}).status_code == 200
    # WHEN two invoices arrive and a sync finds them
    arrive(sandbox, partner, cif, 2)
    outcome = sync(cif)
    assert outcome.stats.new == 2
    worker.drain()
    # THEN the owner gets exactly one e-mail, listing exactly those two documents
    mails = mails_to(owner.email)
    assert len(mails) == 1
    mail = mails[0]
    documents = DocumentModel.batch_get([(cif, sk) for sk in outcome.stats.new_sks])
    assert mail.subject.strip() == f"2 documente noi pentru {CompanyModel.get(cif).name}"
    rows = [line for line in mail.text.splitlines() if line.startswith("- ")]
    assert len(rows) == 2
    for document in documents:
        assert any(f"nr. {document.number}" in row and document.partner_name in row for row in rows)
        assert f">{document.number}<" in mail.html
    assert f"/documente?cif={cif}" in mail.text and "/documente?cif=" in mail.html
    # AND no invoice file: no attachment, no link to a file
    raw = raw_mails_to(owner.email)[-1]
    assert list(raw.iter_attachments()) == [] and ".pdf" not in mail.text and ".zip" not in mail.text
    # AND it can be unsubscribed from with one click
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url(mail).startswith(f"{dependencies.settings().public_url}/api/unsubscribe?token=")
    # AND the viewer who opted out got nothing
    assert news_to(quiet.email) == []


def test_a_retried_notify_job_sends_nothing_twice(owner, companies, worker):
    # GIVEN the Pro company's run was e-mailed
    cif = companies["pro"]
    count = len(mails_to(owner.email))
    assert count >= 1
    # WHEN SQS delivers the same message again (a retry after a time-out)
    answer = worker.redeliver(cif)
    # THEN it succeeds and nobody gets a second e-mail
    assert answer["batchItemFailures"] == []
    assert len(mails_to(owner.email)) == count


def test_one_new_document_is_counted_in_romanian_and_its_total_written_as_in_romania(owner, companies, sandbox,
                                                                                    partner, worker):
    # GIVEN a Pro company WHEN one invoice arrives and a sync finds it
    cif = companies["pro"]
    set_licence(owner, cif, "pro")
    before = len(mails_to(owner.email))
    arrive(sandbox, partner, cif, 1)
    outcome = sync(cif)
    assert outcome.stats.new == 1
    worker.drain()
    # THEN the e-mail says "1 document nou" (never "1 documente noi")
    mails = mails_to(owner.email)
    assert len(mails) == before + 1
    mail = mails[0]
    assert mail.subject.strip() == f"Un document nou pentru {CompanyModel.get(cif).name}"
    assert "a arhivat 1 document nou la ultima sincronizare" in mail.text
    assert "1 document nou" in mail.html and "documente" not in mail.text.split("Vedeți")[0]
    # AND its total reads as the web app shows it: "27.849,75 RON", not "27849.75 RON"
    document = next(DocumentModel.batch_get([(cif, sk) for sk in outcome.stats.new_sks]))
    total = document.total_with_vat or document.total
    shown = format_amount(total, document.currency)
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d{2,4} [A-Z]{3}", shown), shown
    row = next(line for line in mail.text.splitlines() if line.startswith("- "))
    assert row.endswith(f" · {shown}") and f"{total} " not in row
    assert f">{shown}<" in mail.html


def test_the_export_mail_counts_its_documents_in_romanian(owner, companies):
    cif = companies["free"]
    me = owner.call("GET", "/account").json()["user_id"]
    notifications = dependencies.notifications()
    for count, text in ((1, "(1 document)"), (20, "(20 de documente)"), (0, "(0 documente)")):
        export_id = uuid.uuid4().hex
        assert notifications.send_export_ready(user_id=me, cif=cif, export_id=export_id, document_count=count)
        mail = next(m for m in mails_to(owner.email) if f"export={export_id}" in m.text)
        assert text in mail.text


def test_a_free_company_gets_no_e_mail(owner, companies, sandbox, partner, worker):
    cif = companies["free"]
    before = len(mails_to(owner.email))
    arrive(sandbox, partner, cif, 1)
    assert sync(cif).stats.new == 1
    worker.drain()
    assert len(mails_to(owner.email)) == before


def test_a_standard_company_gets_one_digest_a_day(owner, companies, sandbox, partner, worker):
    # GIVEN a Standard company and two syncs that each find a document today
    cif = companies["standard"]
    set_licence(owner, cif, "standard")
    before = len(mails_to(owner.email))
    found = []
    for _ in range(2):
        arrive(sandbox, partner, cif, 1)
        found += sync(cif).stats.new_sks
        worker.drain()
    # THEN nothing is sent during the day
    assert len(mails_to(owner.email)) == before
    # WHEN the daily job runs tomorrow (twice: a retried run)
    tomorrow = romanian_day(datetime.now(UTC)) + timedelta(days=1)
    send_digests(tomorrow, dependencies.notifications())
    send_digests(tomorrow, dependencies.notifications())
    # THEN one digest lists both documents
    mails = mails_to(owner.email)[: len(mails_to(owner.email)) - before]
    assert len(mails) == 1 and mails[0].subject.strip().startswith("Rezumatul zilei")
    for document in DocumentModel.batch_get([(cif, sk) for sk in found]):
        assert f"nr. {document.number}" in mails[0].text
    assert len([line for line in mails[0].text.splitlines() if line.startswith("- ")]) == 2


def test_an_unsubscribed_user_gets_nothing_more_via_the_link_without_login(owner, companies, sandbox,
                                                                          partner, worker, base_url):
    cif = companies["pro"]
    name = CompanyModel.get(cif).name
    mail = next(m for m in news_to(owner.email) if m.subject.strip().endswith(f"documente noi pentru {name}"))
    url = unsubscribe_url(mail)
    assert url in mail.text and "Dezabonare" in mail.html
    # GIVEN a tampered link: refused
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert requests.post(tampered, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 400
    opened = requests.get(tampered, allow_redirects=False, timeout=10)
    assert opened.status_code == 302 and "eroare=link_invalid" in opened.headers["Location"]
    # WHEN the link is opened (no login): a confirmation page, nothing changed yet
    opened = requests.get(url, allow_redirects=False, timeout=10)
    assert opened.status_code == 302
    target = urlsplit(opened.headers["Location"])
    assert target.path == "/dezabonare" and parse_qs(target.query)["categorie"] == ["new_documents"]
    assert owner.call("GET", "/account/notifications").json()["companies"][0]["categories"]["new_documents"]
    # AND the one-click POST (RFC 8058, as a mail client sends it) unsubscribes
    done = requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200 and done.json()["category"]["code"] == "new_documents"
    settings = owner.call("GET", "/account/notifications").json()
    row = next(c for c in settings["companies"] if c["cif"] == cif)
    assert row["categories"]["new_documents"] is False and row["categories"]["authorization"] is True
    # THEN new documents bring no e-mail any more
    before = len(mails_to(owner.email))
    arrive(sandbox, partner, cif, 1)
    sync(cif)
    worker.drain()
    assert len(mails_to(owner.email)) == before
    # AND the person can turn it back on in their settings
    answer = owner.call("PUT", "/account/notifications", json={"companies": {cif: {"new_documents": True}}})
    assert next(c for c in answer.json()["companies"] if c["cif"] == cif)["categories"]["new_documents"]


def test_a_bounced_address_gets_nothing_more_and_the_settings_show_it(owner, companies, sandbox, partner,
                                                                      worker, new_user):
    # GIVEN an admin of the Pro company whose mailbox bounces permanently
    cif = companies["pro"]
    admin = new_user()
    invite_and_accept(owner, admin, cif, "admin")
    ses_feedback.lambda_handler(bounce_event(admin.email.upper()), LocalLambdaContext("arhivar-ses-feedback", 30))
    heard = len(mails_to(admin.email))  # the invitation, before the bounce
    # WHEN a transient bounce arrives for the owner, nothing is suppressed
    ses_feedback.lambda_handler(bounce_event(owner.email, "Transient"), LocalLambdaContext("arhivar-ses-feedback", 30))
    # THEN the admin's settings show the suppression
    suppressed = admin.call("GET", "/account/notifications").json()["suppressed"]
    assert suppressed["reason"] == "bounce" and suppressed["at"].startswith("2026-07-01")
    assert owner.call("GET", "/account/notifications").json()["suppressed"] is None
    # AND new documents are e-mailed to the owner but not to the admin
    before = len(mails_to(owner.email))
    arrive(sandbox, partner, cif, 1)
    sync(cif)
    worker.drain()
    assert len(mails_to(owner.email)) == before + 1
    assert len(mails_to(admin.email)) == heard
    # AND not even an invitation goes to the address
    assert owner.call("POST", f"/companies/{companies['free']}/members",
                      json={"email": admin.email, "role": "viewer"}).status_code == 201
    assert len(mails_to(admin.email)) == heard


# -- the other e-mails -------------------------------------------------------------------------

def test_an_uncovered_stretch_near_the_60_day_cliff_warns_the_admins_once(owner, companies):
    # GIVEN a company whose authorization expired and whose archive stopped 50 days ago
    cif = companies["free"]
    company = CompanyModel.get(cif)
    saved = (company.covered_until, company.authorization_state)
    stopped = datetime.now(UTC) - timedelta(days=50)
    company.update(actions=[CompanyModel.covered_until.set(stopped),
                            CompanyModel.authorization_state.set("expired")])
    try:
        # WHEN the daily check runs (twice)
        before = len(mails_to(owner.email))
        send_coverage_warnings(datetime.now(UTC), dependencies.notifications(), dependencies.webhook_events())
        send_coverage_warnings(datetime.now(UTC), dependencies.notifications(), dependencies.webhook_events())
        # THEN the owner is warned once, in Romanian, with the date the invoices start to go
        mails = mails_to(owner.email)[: len(mails_to(owner.email)) - before]
        assert len(mails) == 1
        subject = mails[0].subject
        assert subject.strip().startswith("Atenție: facturile companiei") and "peste 10 zile" in subject
        assert (stopped + timedelta(days=60)).strftime("%d.%m.%Y") in mails[0].text
        assert mails[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    finally:
        CompanyModel(cif=cif).update(actions=[CompanyModel.covered_until.set(saved[0]),
                                              CompanyModel.authorization_state.set(saved[1])])


def test_export_ready_is_e_mailed_once_to_who_asked(owner, companies):
    cif = companies["free"]
    me = owner.call("GET", "/account").json()["user_id"]
    export_id = uuid.uuid4().hex
    notifications = dependencies.notifications()
    assert notifications.send_export_ready(user_id=me, cif=cif, export_id=export_id, document_count=12)
    assert not notifications.send_export_ready(user_id=me, cif=cif, export_id=export_id, document_count=12)
    mail = mails_to(owner.email)[0]
    assert mail.subject.strip().startswith("Exportul facturilor companiei") and "(12 documente)" in mail.text
    assert f"export={export_id}" in mail.text and "List-Unsubscribe" in mail.headers

"""Signed webhooks (issue 15), end to end: endpoints through the API, deliveries by the worker's
service to a receiver these tests run on loopback, signatures checked with the Standard
Webhooks library as a receiver would. Time is the deliverer's injectable clock: a day of
retries takes no day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from chalicelib import dependencies
from chalicelib.anaf.models import AnafMessage, MessageKind
from chalicelib.domain.webhooks import GIVE_UP_AFTER, event_id
from chalicelib.services.coverage_warnings import send_coverage_warnings
from chalicelib.services.reminders import send_reminders
from chalicelib.services.webhook_events import WebhookEvents
from chalicelib.storage.models import AnafCredentialModel, CompanyModel, WebhookDeliveryModel
from chalicelib.topology import queue
from functions.deliver_webhooks import handler as webhook_handler
from local.mailbox import sent_mail
from local.runtime import QueuePoller, load_handler
from tests.api.conftest import sign_up
from tests.api.importing import import_zip
from tests.api.proven import Proven, proven_company
from tests.api.webhook_receiver import Clock, Receiver, deliverer, queued_for

ALL_EVENTS = ["document.archived", "authorization.expiring", "authorization.expired", "sync.failed",
              "archive.gap_warning", "export.ready"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def company(local_stack) -> Proven:
    return proven_company(local_stack.ports.web_url, local_stack.ports.sandbox_url)


def add_endpoint(company: Proven, url: str, events: list[str] | None = None, **extra) -> dict:
    answer = company.user.call("POST", f"/companies/{company.cif}/webhooks",
                               json={"url": url, "events": events or ALL_EVENTS, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_event(company: Proven, endpoint_id: str) -> dict[str, str]:
    answer = company.user.call("POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/test")
    assert answer.status_code == 202, answer.text
    [message] = queued_for(endpoint_id)
    assert message["event_id"] == answer.json()["delivery_id"]
    return message


test_event.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def deliveries(company: Proven, endpoint_id: str) -> list[dict]:
    answer = company.user.call("GET", f"/companies/{company.cif}/webhooks/{endpoint_id}/deliveries")
    assert answer.status_code == 200, answer.text
    return answer.json()["deliveries"]


def test_an_owner_adds_an_endpoint_and_sees_its_secret_only_once(company, base_url):
    created = add_endpoint(company, "https://receptor.exemplu.ro/arhivar", ["document.archived"],
                           kinds=["received", "sent"], description="ERP")
    assert created["secret"].startswith("whsec_") and Webhook(created["secret"])  # a usable secret
    webhook = created["webhook"]
    assert webhook["events"] == ["document.archived"] and webhook["kinds"] == ["received", "sent"]
    assert webhook["enabled"] is True and webhook["secret_hint"] == f"…{created['secret'][-4:]}"
    listed = company.user.call("GET", f"/companies/{company.cif}/webhooks")
    assert listed.status_code == 200
    assert [w["id"] for w in listed.json()["webhooks"]] == [webhook["id"]]
    assert created["secret"] not in listed.text  # never shown again
    # an outsider learns nothing about the company or its endpoints
    outsider = sign_up(base_url)
    assert outsider.call("GET", f"/companies/{company.cif}/webhooks").status_code == 404
    assert outsider.call("POST", f"/companies/{company.cif}/webhooks/{webhook['id']}/test").status_code == 404


def test_a_viewer_cannot_see_or_manage_webhooks(company, base_url):
    created = add_endpoint(company, "https://receptor.exemplu.ro/arhivar")
    viewer = sign_up(base_url)
    company.invite_and_accept(viewer, "viewer")
    path = f"/companies/{company.cif}/webhooks"
    for method, url in (("GET", path), ("POST", f"{path}/{created['webhook']['id']}/rotate"),
                        ("GET", f"{path}/{created['webhook']['id']}/deliveries")):
        answer = viewer.call(method, url)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed", (method, url)
    refused = viewer.call("POST", path, json={"url": "https://altundeva.exemplu.ro/", "events": ALL_EVENTS})
    assert refused.status_code == 403


def test_adding_changing_rotating_and_deleting_a_webhook_are_in_the_security_journal(company, receiver):
    created = add_endpoint(company, receiver.url, events=["export.ready"])
    endpoint_id = created["webhook"]["id"]
    elsewhere = receiver.url + "/alt"
    changed = company.user.call("PUT", f"/companies/{company.cif}/webhooks/{endpoint_id}",
                                json={"url": elsewhere, "events": ["sync.failed", "export.ready"]})
    assert changed.status_code == 200, changed.text
    rotated = company.user.call("POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/rotate")
    assert rotated.status_code == 200
    assert company.user.call("DELETE", f"/companies/{company.cif}/webhooks/{endpoint_id}").status_code == 204
    journal = company.user.call("GET", f"/companies/{company.cif}/audit")
    assert journal.status_code == 200
    assert created["secret"] not in journal.text and rotated.json()["secret"] not in journal.text
    events = [e for e in journal.json()["events"] if e["event"].startswith("webhook_")]
    assert [(e["event"], e["label"], e["summary"]) for e in events] == [  # newest first
        ("webhook_deleted", "Webhook șters", f"adresa: {elsewhere}"),
        ("webhook_secret_rotated", "Secretul unui webhook schimbat", f"adresa: {elsewhere}"),
        ("webhook_changed", "Webhook modificat", f"adresa: {elsewhere}; evenimente: export.ready, sync.failed"),
        ("webhook_created", "Webhook adăugat", f"adresa: {receiver.url}; evenimente: export.ready"),
    ]


@pytest.mark.parametrize("url", ["ftp://receptor.exemplu.ro/x", "https://10.0.0.7/hook",
                                 "https://169.254.169.254/latest/meta-data", "https://user:parola@exemplu.ro/",
                                 "https://[::ffff:192.168.1.1]/hook"])
def test_an_endpoint_url_must_be_public(company, url):
    answer = company.user.call("POST", f"/companies/{company.cif}/webhooks", json={"url": url, "events": ALL_EVENTS})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_webhook_url"


def test_a_test_event_is_delivered_by_the_worker_and_verifies_with_the_library(company, receiver, settings):
    created = add_endpoint(company, receiver.url)
    endpoint_id = created["webhook"]["id"]
    answer = company.user.call("POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/test")
    assert answer.status_code == 202
    # the worker function, fed by the queue as its event source mapping would
    poller = QueuePoller(settings, queue("webhook"), webhook_handler.lambda_handler, wait_time_s=0)
    while poller.poll_once().received:
        pass
    [request] = receiver.received
    payload = Webhook(created["secret"]).verify(request.body, request.headers)  # raises if forged
    assert payload["type"] == "webhook.test" and payload["data"]["cif"] == company.cif
    assert request.headers["webhook-id"] == answer.json()["delivery_id"]
    [logged] = deliveries(company, endpoint_id)
    assert logged["status"] == "delivered" and logged["attempts"] == 1 and logged["response_status"] == 200
    assert logged["response_excerpt"] == '{"primit": true}' and logged["latency_ms"] is not None


def test_retries_after_a_500_and_a_time_out_keep_the_webhook_id(company, receiver):
    created = add_endpoint(company, receiver.url)
    message = test_event(company, created["webhook"]["id"])
    receiver.plan.extend([500, ("slow", 3)])
    clock = Clock()
    worker = deliverer(clock, read_timeout_s=0.5)
    first = worker.handle(message)
    assert first.result == "retry" and first.answer.status == 500
    assert worker.handle(message).result == "waiting"  # not due yet: re-queued, nobody called
    assert len(receiver.received) == 1
    clock.move_to(first.next_attempt_at)
    second = worker.handle(message)
    assert second.result == "retry" and second.answer.status is None
    assert "timp de răspuns" in second.answer.error
    clock.move_to(second.next_attempt_at)
    assert worker.handle(message).result == "delivered"
    assert worker.handle(message).result == "skipped"  # a duplicate message sends nothing
    ids = {r.headers["webhook-id"] for r in receiver.received}
    bodies = {r.body for r in receiver.received}
    assert len(receiver.received) == 3 and ids == {message["event_id"]} and len(bodies) == 1
    for request in receiver.received:  # every attempt signed afresh, all verifiable
        Webhook(created["secret"]).verify(request.body, request.headers)
    [logged] = deliveries(company, created["webhook"]["id"])
    assert logged["status"] == "delivered" and logged["attempts"] == 3


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_emailed(company, receiver):
    created = add_endpoint(company, receiver.url)
    endpoint_id = created["webhook"]["id"]
    message = test_event(company, endpoint_id)
    receiver.always = 503
    clock = Clock()
    started = clock.now
    worker = deliverer(clock)
    outcomes = []
    while (outcome := worker.handle(message)).result == "retry":
        outcomes.append(outcome)
        clock.move_to(outcome.next_attempt_at)
    assert outcome.result == "failed"
    assert clock.now - started >= GIVE_UP_AFTER  # retried over at least a day
    assert 6 <= len(receiver.received) <= 12
    assert {r.headers["webhook-id"] for r in receiver.received} == {message["event_id"]}
    webhook = company.user.call("GET", f"/companies/{company.cif}/webhooks").json()["webhooks"][0]
    assert webhook["enabled"] is False and webhook["disabled_reason"] == "failing"
    mails = [m for m in sent_mail() if m.to == company.user.email and "Webhook dezactivat" in m.subject]
    assert len(mails) == 1 and receiver.url in mails[0].text
    assert "List-Unsubscribe" in mails[0].headers or "list-unsubscribe" in {k.lower() for k in mails[0].headers}
    # a disabled endpoint gets nothing more, until its owner turns it on again
    refused = company.user.call("POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/test")
    assert refused.status_code == 403
    again = company.user.call("PUT", f"/companies/{company.cif}/webhooks/{endpoint_id}",
                              json={"url": receiver.url, "events": ALL_EVENTS, "enabled": True})
    assert again.status_code == 200 and again.json()["webhook"]["failing_since"] is None


def test_the_address_is_checked_when_sending_not_only_when_saved(company, receiver):
    # saved in the local stage, where loopback receivers are allowed ...
    created = add_endpoint(company, receiver.url)
    message = test_event(company, created["webhook"]["id"])
    # ... but a worker of a deployment that does not allow them refuses to connect
    outcome = deliverer(Clock(), allow_loopback=False).handle(message)
    assert outcome.result == "retry" and outcome.answer.status is None
    assert outcome.answer.error == "refuzat: adresă nepermisă (127.0.0.1)"
    assert receiver.received == []


def test_a_redirect_is_not_followed(company, receiver):
    elsewhere = Receiver()
    try:
        created = add_endpoint(company, receiver.url)
        message = test_event(company, created["webhook"]["id"])
        receiver.plan.append(("redirect", elsewhere.url))
        outcome = deliverer(Clock()).handle(message)
        assert outcome.result == "retry" and outcome.answer.status == 302
        assert "redirecționare" in outcome.answer.error
        assert elsewhere.received == []
    finally:
        elsewhere.close()


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(company, receiver):
    created = add_endpoint(company, receiver.url)
    endpoint_id = created["webhook"]["id"]
    old = created["secret"]
    rotated = company.user.call("POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/rotate")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["webhook"]["previous_secret_until"] is not None
    clock = Clock()
    worker = deliverer(clock)
    assert worker.handle(test_event(company, endpoint_id)).result == "delivered"
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)  # a receiver still on the old secret
    Webhook(new).verify(request.body, request.headers)  # and one already on the new
    # after the overlap only the new secret signs
    clock.move_to(clock.now + timedelta(hours=25))
    assert worker.handle(test_event(company, endpoint_id)).result == "delivered"
    late = receiver.received[-1]
    signed = late.headers["webhook-signature"]
    text = late.body.decode()
    at = datetime.fromtimestamp(int(late.headers["webhook-timestamp"]), UTC)
    assert signed == Webhook(new).sign(late.headers["webhook-id"], at, text)
    assert Webhook(old).sign(late.headers["webhook-id"], at, text) not in signed


def test_resend_delivers_the_same_event_again(company, receiver):
    created = add_endpoint(company, receiver.url)
    endpoint_id = created["webhook"]["id"]
    message = test_event(company, endpoint_id)
    clock = Clock()
    worker = deliverer(clock)
    assert worker.handle(message).result == "delivered"
    answer = company.user.call(
        "POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/deliveries/{message['event_id']}/resend")
    assert answer.status_code == 202 and answer.json()["delivery"]["status"] == "pending"
    [again] = queued_for(endpoint_id)
    clock.move_to(datetime.now(UTC))  # due from the moment "Retrimite" was pressed
    assert worker.handle(again).result == "delivered"
    assert [r.headers["webhook-id"] for r in receiver.received] == [message["event_id"]] * 2
    assert deliveries(company, endpoint_id)[0]["attempts"] == 2


def test_resend_of_a_delivery_still_being_retried_starts_no_second_retry_chain(company, receiver):
    created = add_endpoint(company, receiver.url)
    endpoint_id = created["webhook"]["id"]
    message = test_event(company, endpoint_id)
    receiver.plan.append(500)
    worker = deliverer(Clock())
    assert worker.handle(message).result == "retry"  # its next attempt is queued (delayed) already
    answer = company.user.call(
        "POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/deliveries/{message['event_id']}/resend")
    assert answer.status_code == 202 and answer.json()["delivery"]["status"] == "pending"
    # a second message would be a second chain of attempts, each failure queueing its own next
    assert queued_for(endpoint_id) == []
    # the queued attempt is due now: it sends without waiting for the back-off
    assert deliverer(Clock()).handle(message).result == "delivered"
    assert [r.headers["webhook-id"] for r in receiver.received] == [message["event_id"]] * 2


def test_resend_of_a_pending_delivery_whose_message_was_lost_queues_it_again(company, receiver):
    created = add_endpoint(company, receiver.url)
    endpoint_id = created["webhook"]["id"]
    message = test_event(company, endpoint_id)  # taken off the queue: as if dead-lettered
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    WebhookDeliveryModel(endpoint_id=endpoint_id, event_id=message["event_id"]).update(
        actions=[WebhookDeliveryModel.next_attempt_at.set(long_ago)])
    answer = company.user.call(
        "POST", f"/companies/{company.cif}/webhooks/{endpoint_id}/deliveries/{message['event_id']}/resend")
    assert answer.status_code == 202
    assert queued_for(endpoint_id) == [message]


def test_an_archived_document_is_announced_once_whatever_the_door(company, receiver):
    created = add_endpoint(company, receiver.url, ["document.archived"], kinds=["received"])
    endpoint_id = created["webhook"]["id"]
    world = requests.get(f"{company.sandbox_url}/__sandbox/world", timeout=10).json()
    seller = next(p["cif"] for p in world["partners"] if p["cif"] != company.cif)
    arrived = requests.post(f"{company.sandbox_url}/__sandbox/invoices", timeout=10, json={
        "kind": "invoice", "seller_cif": seller, "buyer_cif": company.cif, "count": 1}).json()["created"]
    [anaf_message] = [m for c in arrived for m in c["messages"] if m["cif"] == company.cif]
    # the first door: "Importă arhive SPV"
    job = import_zip(company.user, company.cif, company.anaf_zip(anaf_message["id"]))
    assert job["counts"]["archived"] == 1, job
    [message] = queued_for(endpoint_id)
    assert deliverer(Clock()).handle(message).result == "delivered"
    [request] = receiver.received
    payload = Webhook(created["secret"]).verify(request.body, request.headers)
    data = payload["data"]
    assert payload["type"] == "document.archived" and data["kind"] == "received"
    assert data["number"] and data["partner"]["cif"] == seller and data["total"]
    assert data["links"]["document"].endswith(f"/api/companies/{company.cif}/documents/{data['message_id']}")
    assert request.headers["webhook-id"] == event_id(
        "document.archived", f"{company.cif}#{data['upload_index']}#received")
    assert len(request.body) < 4000  # ids and totals, never the files
    # the second door: the sync hands the archiver the same upload under ANAF's message id
    synced = AnafMessage(id=anaf_message["id"], upload_index=data["upload_index"], cif=company.cif,
                         created_at=datetime.now(UTC), kind=MessageKind.RECEIVED, details="", tip="FACTURA PRIMITA")
    assert dependencies.archiver().archive(company.cif, synced, company.anaf_zip(anaf_message["id"])).new is False
    assert queued_for(endpoint_id) == []  # no second event, no second webhook-id



def test_an_event_missed_by_the_first_door_is_reported_by_the_next_under_the_same_id(company, receiver):
    # GIVEN a document archived while no endpoint was listening (as if its report had failed)
    world = requests.get(f"{company.sandbox_url}/__sandbox/world", timeout=10).json()
    seller = next(p["cif"] for p in world["partners"] if p["cif"] != company.cif)
    arrived = requests.post(f"{company.sandbox_url}/__sandbox/invoices", timeout=10, json={
        "kind": "invoice", "seller_cif": seller, "buyer_cif": company.cif, "count": 1}).json()["created"]
    [anaf_message] = [m for c in arrived for m in c["messages"] if m["cif"] == company.cif]
    content = company.anaf_zip(anaf_message["id"])
    assert import_zip(company.user, company.cif, content)["counts"]["archived"] == 1
    created = add_endpoint(company, receiver.url, ["document.archived"])
    # WHEN the sync brings the same upload
    synced = AnafMessage(id=anaf_message["id"], upload_index=anaf_message["id_solicitare"], cif=company.cif,
                         created_at=datetime.now(UTC), kind=MessageKind.RECEIVED, details="", tip="FACTURA PRIMITA")
    archived = dependencies.archiver().archive(company.cif, synced, content)
    # THEN nothing new is archived, and the upload's event goes out under its one id
    assert archived.new is False
    [message] = queued_for(created["webhook"]["id"])
    payload = delivered_payload(created, receiver, message)
    assert payload["type"] == "document.archived"
    assert message["event_id"] == event_id("document.archived",
                                           f"{company.cif}#{payload['data']['upload_index']}#received")

# -- the other events, each from where it happens ------------------------------------------------

def delivered_payload(created: dict, receiver: Receiver, message: dict[str, str]) -> dict:
    """Deliver one queued message; the payload the receiver verified."""
    assert deliverer(Clock()).handle(message).result == "delivered"
    request = receiver.received[-1]
    return Webhook(created["secret"]).verify(request.body, request.headers)


def test_authorization_expiry_is_reported_once_before_and_once_after(company, receiver):
    created = add_endpoint(company, receiver.url, ["authorization.expiring", "authorization.expired"])
    endpoint_id = created["webhook"]["id"]
    credential = AnafCredentialModel.get(CompanyModel.get(company.cif).credential_id)
    today = datetime.now(UTC).date()
    credential.refresh_expires_at = datetime.now(UTC) + timedelta(days=7)
    credential.expiry_day = (today + timedelta(days=7)).isoformat()
    credential.save()
    send_reminders(today, dependencies.notifications(), dependencies.webhook_events())
    send_reminders(today, dependencies.notifications(), dependencies.webhook_events())  # a retried run
    [expiring] = queued_for(endpoint_id)
    payload = delivered_payload(created, receiver, expiring)
    assert payload["type"] == "authorization.expiring" and payload["data"]["days_left"] == 7
    credential = AnafCredentialModel.get(credential.credential_id)
    credential.expiry_day = (today - timedelta(days=1)).isoformat()
    credential.save()
    send_reminders(today, dependencies.notifications(), dependencies.webhook_events())
    [expired] = queued_for(endpoint_id)
    assert delivered_payload(created, receiver, expired)["type"] == "authorization.expired"


def test_the_60_day_gap_warning_is_reported_once(company, receiver):
    created = add_endpoint(company, receiver.url, ["archive.gap_warning"])
    stopped = datetime.now(UTC) - timedelta(days=50)
    CompanyModel.get(company.cif).update(actions=[CompanyModel.covered_until.set(stopped),
                                                  CompanyModel.authorization_state.set("expired")])
    for _ in range(2):  # the daily job, and its retry
        send_coverage_warnings(datetime.now(UTC), dependencies.notifications(), dependencies.webhook_events())
    # the rerun finds the same event not yet attempted and queues it again (its first message may
    # be what failed): one event id, one delivery, one request
    first, again = queued_for(created["webhook"]["id"])
    assert first == again
    data = delivered_payload(created, receiver, first)["data"]
    assert data["days_left"] == 10 and data["covered_until"].startswith(stopped.date().isoformat())
    assert deliverer(Clock()).handle(again).result == "skipped" and len(receiver.received) == 1


def test_a_ready_export_is_reported(company, receiver, settings):
    created = add_endpoint(company, receiver.url, ["export.ready"])
    started = company.user.call("POST", f"/companies/{company.cif}/exports", json={"format": "csv", "filters": {}})
    assert started.status_code == 202, started.text
    export_id = started.json()["export_id"]
    spec = queue("export")
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=0)
    while poller.poll_once().received:
        pass
    [ready] = queued_for(created["webhook"]["id"])
    data = delivered_payload(created, receiver, ready)["data"]
    assert data["export_id"] == export_id and data["format"] == "csv"
    assert data["links"]["export"].endswith(f"/api/companies/{company.cif}/exports/{export_id}")


def test_a_sync_that_anaf_does_not_answer_is_reported(company, receiver):
    created = add_endpoint(company, receiver.url, ["sync.failed"])
    faults = f"{company.sandbox_url}/__sandbox/faults"
    rule = requests.post(faults, json={"kind": "status", "status": 500, "path": "/prod/FCTEL/rest/listaMesaje",
                                       "count": 50}, timeout=10)
    assert rule.status_code == 200, rule.text
    try:
        outcome = dependencies.company_sync(lambda: 900.0).run(company.cif, "test")
    finally:
        requests.delete(faults, timeout=10)
    assert outcome.result == "anaf_unavailable", outcome
    [failed] = queued_for(created["webhook"]["id"])
    data = delivered_payload(created, receiver, failed)["data"]
    assert data["result"] == "anaf_unavailable" and data["cif"] == company.cif


def test_a_failing_sync_failed_event_still_releases_the_companys_lease(company, monkeypatch):
    # GIVEN ANAF not answering and the sync.failed event failing to queue (SQS down)
    faults = f"{company.sandbox_url}/__sandbox/faults"
    rule = requests.post(faults, json={"kind": "status", "status": 500, "path": "/prod/FCTEL/rest/listaMesaje",
                                       "count": 50}, timeout=10)
    assert rule.status_code == 200, rule.text

    def queue_down(*args, **kwargs):
        raise RuntimeError("SQS unavailable")
    monkeypatch.setattr(WebhookEvents, "sync_failed", queue_down)
    try:
        with pytest.raises(RuntimeError):
            dependencies.company_sync(lambda: 900.0).run(company.cif, "test")
    finally:
        requests.delete(faults, timeout=10)
    # THEN the run released its lease (the redelivered message may sync at once, not in 15 minutes)
    record = CompanyModel.get(company.cif, consistent_read=True)
    assert record.lease_owner is None, record.lease_until

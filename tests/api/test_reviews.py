"""The review of received invoices against the local stack: states with their history, the
mandatory reason of a rejection, comments, bulk changes, filters and counts, the "contabil"
role (reviews, but manages nothing), and isolation between companies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib import dependencies
from chalicelib.services.new_documents import add_to_digest, romanian_day, send_digests
from chalicelib.storage.documents import DocumentRepository
from chalicelib.storage.models import DocumentModel
from tests.api.conftest import User, add_proven_company, new_company, sign_up
from tests.api.proven import invite_and_accept
from tests.api.sandbox_admin import Sandbox
from tests.api.test_notifications import mails_to


@dataclass
class Desk:
    owner: User
    contabil: User
    viewer: User
    cif: str
    received: list[str]  # message ids of the received invoices, newest first


def company_with_received_invoices(base_url: str, sandbox_url: str, count: int) -> tuple[User, str, list[str]]:
    """A new proven company whose archive holds `count` received invoices (synced in-process)."""
    cif = new_company(sandbox_url)
    owner = sign_up(base_url)
    add_proven_company(owner, cif, sandbox_url)
    Sandbox(sandbox_url).invoices_to(cif, count)
    outcome = dependencies.company_sync(lambda: 900.0).run(cif, "test")
    assert outcome.result in ("complete", "partial"), outcome
    received = sorted((d for d in DocumentModel.query(cif, consistent_read=True) if d.kind == "received"),
                      key=lambda d: d.sk, reverse=True)
    assert len(received) == count
    return owner, cif, [d.message_id for d in received]


@pytest.fixture(scope="module")
def desk(local_stack, base_url) -> Desk:
    owner, cif, received = company_with_received_invoices(base_url, local_stack.ports.sandbox_url, 5)
    contabil, viewer = sign_up(base_url), sign_up(base_url)
    invite_and_accept(owner, contabil, cif, "contabil")
    invite_and_accept(owner, viewer, cif, "viewer")
    return Desk(owner, contabil, viewer, cif, received)


def review(user: User, cif: str, message_id: str) -> requests.Response:
    return user.call("GET", f"/companies/{cif}/documents/{message_id}/review")


def change(user: User, cif: str, message_id: str, state: str, reason: str | None = None) -> requests.Response:
    return user.call("POST", f"/companies/{cif}/documents/{message_id}/review/state",
                     json={"state": state, **({"reason": reason} if reason is not None else {})})


def counts(user: User, cif: str) -> dict[str, int]:
    answer = user.call("GET", f"/companies/{cif}/reviews/counts")
    assert answer.status_code == 200, answer.text
    return answer.json()["counts"]


def listed(user: User, cif: str, state: str) -> list[str]:
    answer = user.call("GET", f"/companies/{cif}/documents", params={"review": state, "page_size": 100})
    assert answer.status_code == 200, answer.text
    return [d["message_id"] for d in answer.json()["documents"]]


def test_a_new_received_invoice_awaits_review_and_is_listed_and_counted_so(desk):
    assert counts(desk.owner, desk.cif) == {"to_review": 5, "approved": 0, "rejected": 0, "booked": 0}
    assert listed(desk.owner, desk.cif, "to_review") == desk.received
    page = desk.owner.call("GET", f"/companies/{desk.cif}/documents", params={"type": "received"}).json()
    assert {d["review_state"] for d in page["documents"]} == {"to_review"}
    first = review(desk.viewer, desk.cif, desk.received[0]).json()["review"]
    assert first["state"] == "to_review" and first["state_label"] == "de verificat" and first["events"] == []
    assert first["can_review"] is False


def test_approving_keeps_who_when_and_what_and_moves_the_counts_and_the_filter(desk):
    message_id = desk.received[0]
    answer = change(desk.owner, desk.cif, message_id, "approved")
    assert answer.status_code == 200, answer.text
    state = answer.json()["review"]
    assert state["state"] == "approved" and state["state_label"] == "aprobată"
    [event] = state["events"]
    assert event["type"] == "change" and event["by"] == desk.owner.email
    assert (event["from"], event["to"]) == ("to_review", "approved") and event["at"]
    assert counts(desk.owner, desk.cif)["approved"] == 1
    assert message_id in listed(desk.owner, desk.cif, "approved")
    assert message_id not in listed(desk.owner, desk.cif, "to_review")
    # the same change again is refused with a stable code
    again = change(desk.owner, desk.cif, message_id, "approved")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def test_a_rejection_needs_its_reason_and_a_rejected_invoice_is_not_booked(desk):
    message_id = desk.received[1]
    for reason in (None, "", "   "):
        refused = change(desk.contabil, desk.cif, message_id, "rejected", reason)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "review_reason_required"
    assert review(desk.owner, desk.cif, message_id).json()["review"]["state"] == "to_review"
    done = change(desk.contabil, desk.cif, message_id, "rejected", "Prețul nu corespunde comenzii.")
    assert done.status_code == 200, done.text
    state = done.json()["review"]
    assert state["reason"] == "Prețul nu corespunde comenzii."
    last = state["events"][-1]
    assert last["reason"] == "Prețul nu corespunde comenzii." and last["by"] == desk.contabil.email
    booked = change(desk.contabil, desk.cif, message_id, "booked")
    assert booked.status_code == 409 and booked.json()["error"]["code"] == "invalid_transition"
    assert counts(desk.owner, desk.cif)["rejected"] == 1
    unknown = change(desk.contabil, desk.cif, message_id, "lost")
    assert unknown.status_code == 400


def test_comments_are_kept_with_the_history_in_order(desk):
    message_id = desk.received[2]
    empty = desk.contabil.call("POST", f"/companies/{desk.cif}/documents/{message_id}/review/comments",
                               json={"text": "  "})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "comment_required"
    added = desk.contabil.call("POST", f"/companies/{desk.cif}/documents/{message_id}/review/comments",
                               json={"text": "Aștept avizul de însoțire."})
    assert added.status_code == 201, added.text
    assert change(desk.owner, desk.cif, message_id, "approved").status_code == 200
    events = review(desk.viewer, desk.cif, message_id).json()["review"]["events"]
    assert [e["type"] for e in events] == ["comment", "change"]
    assert events[0]["text"] == "Aștept avizul de însoțire." and events[0]["by"] == desk.contabil.email
    # a viewer reads but does not comment
    refused = desk.viewer.call("POST", f"/companies/{desk.cif}/documents/{message_id}/review/comments",
                               json={"text": "Eu nu pot."})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"


def test_a_bulk_change_changes_each_selected_invoice_and_reports_the_ones_it_cannot(desk):
    before = counts(desk.owner, desk.cif)
    selection = [desk.received[3], desk.received[4], desk.received[0], "nu-exista"]
    answer = desk.contabil.call("POST", f"/companies/{desk.cif}/reviews/state",
                                json={"message_ids": selection, "state": "booked"})
    assert answer.status_code == 200, answer.text
    result = {r["message_id"]: r for r in answer.json()["results"]}
    # received[3] and [4] were waiting, received[0] was approved: all three are booked
    assert all(result[m]["status"] == "changed" for m in selection[:3])
    assert result["nu-exista"]["status"] == "refused"
    assert result["nu-exista"]["error"]["code"] == "document_not_found"
    assert answer.json()["changed"] == 3
    after = answer.json()["counts"]
    assert after["booked"] == before["booked"] + 3
    assert after["to_review"] == before["to_review"] - 2 and after["approved"] == before["approved"] - 1
    assert counts(desk.owner, desk.cif) == after
    # a bulk rejection needs its reason too, and a viewer cannot bulk-change
    no_reason = desk.owner.call("POST", f"/companies/{desk.cif}/reviews/state",
                                json={"message_ids": selection[:1], "state": "rejected"})
    assert no_reason.json()["error"]["code"] == "review_reason_required"
    viewer = desk.viewer.call("POST", f"/companies/{desk.cif}/reviews/state",
                              json={"message_ids": selection[:1], "state": "to_review"})
    assert viewer.status_code == 403


def test_a_contabil_reviews_but_manages_no_members_licence_or_anaf_authorization(desk, base_url):
    contabil, cif = desk.contabil, desk.cif
    company = contabil.call("GET", f"/companies/{cif}").json()["company"]
    assert company["role"] == "contabil"
    assert contabil.call("GET", f"/companies/{cif}/documents").status_code == 200
    assert contabil.call("GET", f"/companies/{cif}/members").status_code == 200
    refusals = [
        ("POST", f"/companies/{cif}/members", {"email": "altcineva@exemplu.ro", "role": "viewer"}),
        ("PUT", f"/companies/{cif}/licence", {"licence": "pro"}),
        ("POST", f"/companies/{cif}/anaf/authorize", None),
        ("DELETE", f"/companies/{cif}/anaf", None),
        ("POST", f"/companies/{cif}/anaf/link", {"email": "titular@exemplu.ro"}),
        ("POST", f"/companies/{cif}/sync", None),
        ("POST", f"/companies/{cif}/integrity", None),
        ("GET", f"/companies/{cif}/audit", None),
        ("GET", f"/companies/{cif}/audit.csv", None),
        ("POST", f"/companies/{cif}/refresh", None),
        ("POST", f"/companies/{cif}/imports", {"file_name": "arhiva.zip", "size": 1000}),
        ("POST", f"/companies/{cif}/anaf/existing-certificate", None),
        ("PUT", f"/companies/{cif}/security", {"two_factor_required": True}),
        ("POST", f"/companies/{cif}/notification-rules", {"partner_cif": "123456", "emails": ["a@exemplu.ro"]}),
        ("POST", f"/companies/{cif}/documents/{desk.received[0]}/render", None),
        ("POST", f"/companies/{cif}/documents/{desk.received[0]}/buyer-messages", {"text": "Rugăm stornare."}),
        ("PUT", f"/companies/{cif}/s3-delivery/settings",
         {"bucket": "arhiva-mea", "role_arn": "arn:aws:iam::123456789012:role/arhivar", "enabled": True}),
        ("POST", f"/companies/{cif}/api-keys", {"name": "ERP", "scopes": ["documents:read"]}),
        ("POST", f"/companies/{cif}/webhooks", {"url": "https://exemplu.ro/hook", "events": ["sync.failed"]}),
    ]
    for method, path, body in refusals:
        answer = contabil.call(method, path, json=body)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "not_allowed", (method, path)
    owner_id = desk.owner.call("GET", "/account").json()["user_id"]
    demote = contabil.call("PUT", f"/companies/{cif}/members/{owner_id}", json={"role": "viewer"})
    assert demote.status_code == 403
    assert contabil.call("GET", f"/companies/{cif}/licence").json()["can_change"] is False


def test_another_companys_member_learns_nothing(desk, local_stack, base_url):
    outsider, other_cif, other_received = company_with_received_invoices(base_url, local_stack.ports.sandbox_url, 1)
    message_id = desk.received[0]
    for method, path, body in (
            ("GET", f"/companies/{desk.cif}/documents/{message_id}/review", None),
            ("POST", f"/companies/{desk.cif}/documents/{message_id}/review/state", {"state": "to_review"}),
            ("POST", f"/companies/{desk.cif}/documents/{message_id}/review/comments", {"text": "x"}),
            ("POST", f"/companies/{desk.cif}/reviews/state", {"message_ids": [message_id], "state": "to_review"}),
            ("GET", f"/companies/{desk.cif}/reviews/counts", None)):
        answer = outsider.call(method, path, json=body)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "company_not_found", path
    # through their own company, the other company's invoice does not exist
    own = outsider.call("POST", f"/companies/{other_cif}/documents/{message_id}/review/state",
                        json={"state": "approved"})
    assert own.status_code == 404 and own.json()["error"]["code"] == "document_not_found"
    bulk = outsider.call("POST", f"/companies/{other_cif}/reviews/state",
                         json={"message_ids": [message_id, other_received[0]], "state": "approved"})
    assert [r["status"] for r in bulk.json()["results"]] == ["refused", "changed"]
    assert review(desk.owner, desk.cif, message_id).json()["review"]["state"] == "booked"


def test_the_daily_digest_says_how_many_invoices_await_review_with_a_link(desk):
    # GIVEN one invoice taken back to "de verificat" (a decision may be undone) on a Standard company
    assert change(desk.owner, desk.cif, desk.received[2], "to_review").status_code == 200
    assert counts(desk.owner, desk.cif)["to_review"] == 1
    assert desk.owner.call("PUT", f"/companies/{desk.cif}/licence", json={"licence": "standard"}).status_code == 200
    document = next(d for d in DocumentModel.query(desk.cif) if d.message_id == desk.received[2])
    day = romanian_day(datetime.now(UTC)) - timedelta(days=1)
    add_to_digest(desk.cif, (document.sk,), day)
    # WHEN the daily job sends the digest
    send_digests(day + timedelta(days=1), dependencies.notifications())
    # THEN it says what awaits review and links to exactly that filter
    mail = next(m for m in mails_to(desk.owner.email) if m.subject.strip().startswith("Rezumatul zilei"))
    link = f"{dependencies.settings().public_url}/documente?cif={desk.cif}&review=to_review"
    assert f"O factură primită așteaptă verificarea: {link}" in mail.text
    assert f'href="{link.replace("&", "&amp;")}"' in mail.html


def test_received_invoices_archived_before_reviews_are_backfilled_once(desk):
    # GIVEN an invoice archived before reviews existed (no state, no by_review key)
    old = next(d for d in DocumentModel.query(desk.cif) if d.message_id == desk.received[3])
    DocumentModel(cif=desk.cif, sk=old.sk).update(actions=[DocumentModel.review_state.remove(),
                                                           DocumentModel.cif_review.remove()])
    assert desk.received[3] not in listed(desk.owner, desk.cif, "to_review")
    assert review(desk.owner, desk.cif, desk.received[3]).json()["review"]["state"] == "to_review"
    # WHEN the backfill runs (twice: it is safe to repeat)
    repository = DocumentRepository(dependencies.settings())
    assert repository.backfill_reviews(desk.cif) == 1
    assert repository.backfill_reviews(desk.cif) == 0
    # THEN the "de verificat" filter lists it, and the reviewed ones kept their state
    assert desk.received[3] in listed(desk.owner, desk.cif, "to_review")
    assert review(desk.owner, desk.cif, desk.received[1]).json()["review"]["state"] == "rejected"

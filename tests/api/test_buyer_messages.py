"""„Trimite mesaj furnizorului” over HTTP against the local stack: the RASP upload reaches the
ANAF sandbox, its state is followed to ok, ANAF's message is archived by the sync; ANAF's
refusals are shown in ANAF's words; other companies' members learn nothing.

The sandbox runs on its own clock. The app syncs up to 30 s ago by its own (real) clock, so
uploads are filed with the sandbox clock two minutes back (as test_sync's arrivals), and the
company is authorized with the clock five minutes back (its token is valid at both times)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import requests

from chalicelib import dependencies
from chalicelib.domain.buyer_messages import State
from chalicelib.storage import buyer_messages as records
from chalicelib.storage.models import DocumentModel
from tests.api.conftest import User, add_proven_company, new_company, sign_up
from tests.api.proven import invite_and_accept


@dataclass
class Supplied:
    """A proven company with one received and one sent invoice archived."""

    user: User
    cif: str
    invoice_id: str
    invoice_upload_index: str
    sandbox_url: str

    def admin(self, method: str, path: str, **kwargs) -> dict:
        answer = requests.request(method, f"{self.sandbox_url}/__sandbox/{path}", timeout=30, **kwargs)
        answer.raise_for_status()
        return answer.json()

    @contextlib.contextmanager
    def sandbox_clock_back(self, seconds: int) -> Iterator[None]:
        offset = self.admin("GET", "clock")["offset_s"]
        self.admin("POST", "clock", json={"advance_s": -seconds})
        try:
            yield
        finally:
            current = self.admin("GET", "clock")["offset_s"]
            self.admin("POST", "clock", json={"advance_s": offset - current})

    def send(self, text: str, user: User | None = None) -> requests.Response:
        return (user or self.user).call("POST", f"/companies/{self.cif}/documents/{self.invoice_id}/buyer-messages",
                                        json={"text": text})


def run_sync(cif: str):
    outcome = dependencies.company_sync(lambda: 900.0).run(cif, "test")
    assert outcome.result == "complete", outcome
    return outcome


@pytest.fixture(scope="module")
def supplied(local_stack, base_url) -> Supplied:
    sandbox_url = local_stack.ports.sandbox_url
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    cif = new_company(sandbox_url, "Cumpărătorul Atent")
    user = sign_up(base_url)
    holder = Supplied(user, cif, "", "", sandbox_url)
    with holder.sandbox_clock_back(300):
        add_proven_company(user, cif, sandbox_url)
        holder.admin("POST", "invoices", json={"kind": "invoice", "seller_cif": world["partners"][0]["cif"],
                                               "buyer_cif": cif})
        holder.admin("POST", "invoices", json={"kind": "invoice", "seller_cif": cif,
                                               "buyer_cif": world["partners"][0]["cif"]})
    run_sync(cif)
    received = [d for d in DocumentModel.query(cif, consistent_read=True) if d.kind == "received"]
    assert len(received) == 1
    holder.invoice_id, holder.invoice_upload_index = received[0].message_id, received[0].upload_index
    return holder


def test_a_message_reaches_anaf_is_followed_to_ok_and_its_answer_is_archived(supplied):
    # GIVEN ANAF takes a minute to process uploads
    supplied.admin("POST", "settings", json={"processing_delay_s": 60})
    try:
        with supplied.sandbox_clock_back(120):
            # WHEN the owner sends the supplier a message about the received invoice
            answer = supplied.send("  Cantitatea livrată este 8, nu 10.\nVă rugăm să emiteți o factură de stornare.  ")
            assert answer.status_code == 201, answer.text
            message = answer.json()["message"]
            assert message["state"] == "sent" and message["state_label"] == "trimis"
            assert message["text"] == "Cantitatea livrată este 8, nu 10.\nVă rugăm să emiteți o factură de stornare."
            assert message["upload_index"].isdigit() and message["document_id"] == supplied.invoice_id
            # THEN ANAF is still processing it when asked at once
            checked = supplied.user.call("POST", f"/companies/{supplied.cif}/buyer-messages/{message['id']}/check")
            assert checked.status_code == 200, checked.text
            assert checked.json()["message"]["state_label"] == "în prelucrare"
    finally:
        supplied.admin("POST", "settings", json={"processing_delay_s": 0})
    # AND the sandbox holds the RASP file as ANAF's standard describes it
    uploaded = [m for m in supplied.admin("GET", "messages", params={"cif": supplied.cif, "sha256": 0})["messages"]
                if m["id_solicitare"] == message["upload_index"]]
    assert [m["tip"] for m in uploaded] == ["MESAJ CUMPARATOR PRIMIT / MESAJ CUMPARATOR TRANSMIS"]
    # WHEN the next sync runs (a minute later at ANAF)
    outcome = run_sync(supplied.cif)
    # THEN it followed the message to ok and archived ANAF's message, which the Documents list shows
    listed = supplied.user.call("GET", f"/companies/{supplied.cif}/buyer-messages",
                                params={"document_id": supplied.invoice_id}).json()["messages"]
    assert [m["id"] for m in listed] == [message["id"]]
    accepted = listed[0]
    assert accepted["state"] == "accepted" and accepted["state_label"] == "acceptat de ANAF"
    assert accepted["answer_document_id"] == uploaded[0]["id"]
    assert outcome.stats.new == 1
    document = supplied.user.call("GET", f"/companies/{supplied.cif}/documents/{accepted['answer_document_id']}")
    assert document.status_code == 200, document.text
    archived = document.json()["document"]
    # ANAF's message is the RASP file: its text, about the invoice (ANAF's detalii name its index)
    assert archived["kind"] == "buyer_message" and archived["upload_index"] == message["upload_index"]
    assert archived["messages"] == [message["text"]]
    assert f"id_incarcare={supplied.invoice_upload_index}" in archived["anaf_details"]


def test_a_refused_upload_shows_anafs_own_words(supplied):
    # GIVEN the company used up ANAF's 1000 RASP uploads of the day
    with supplied.sandbox_clock_back(120):
        supplied.admin("POST", "limits", json={"kind": "rasp", "key": supplied.cif, "exhaust": True})
        try:
            answer = supplied.send("Mesaj peste limita zilnică.")
        finally:
            supplied.admin("POST", "limits", json={"kind": "rasp", "key": supplied.cif, "used": 0})
    # THEN the message is recorded as refused, in ANAF's words
    assert answer.status_code == 201, answer.text
    message = answer.json()["message"]
    words = f"S-au incarcat deja 1000 de mesaje de tip RASP pentru cui={supplied.cif} in cursul zilei"
    assert message["state"] == "refused" and message["anaf_error"] == words
    assert message["state_label"] == f"respins de ANAF: {words}"


def test_text_is_validated_with_romanian_messages(supplied):
    for body in ({"text": "ok"}, {"text": "x" * 2001}, {"text": "a\u0000bc"}):
        answer = supplied.user.call("POST", f"/companies/{supplied.cif}/documents/{supplied.invoice_id}/buyer-messages",
                                    json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["error"]["message"].startswith("Mesaj")
    missing = supplied.user.call("POST", f"/companies/{supplied.cif}/documents/{supplied.invoice_id}/buyer-messages",
                                 json={})
    assert missing.status_code == 400


def test_only_received_invoices_can_be_answered(supplied):
    listed = supplied.user.call("GET", f"/companies/{supplied.cif}/documents").json()
    sent = next(d for d in listed["documents"] if d["kind"] == "sent")
    answer = supplied.user.call("POST", f"/companies/{supplied.cif}/documents/{sent['message_id']}/buyer-messages",
                                json={"text": "Nu se poate."})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_a_received_invoice"


def test_another_companys_member_gets_404_everywhere(supplied, base_url, local_stack):
    outsider = sign_up(base_url)
    add_proven_company(outsider, new_company(local_stack.ports.sandbox_url), local_stack.ports.sandbox_url)
    mine = supplied.user.call("GET", f"/companies/{supplied.cif}/buyer-messages").json()["messages"]
    assert mine, "the other tests sent messages"
    assert supplied.send("Încercare din afară.", user=outsider).status_code == 404
    assert outsider.call("GET", f"/companies/{supplied.cif}/buyer-messages").status_code == 404
    check = outsider.call("POST", f"/companies/{supplied.cif}/buyer-messages/{mine[0]['id']}/check")
    assert check.status_code == 404


def test_a_viewer_sees_the_messages_but_cannot_send_or_ask_anaf(supplied, base_url):
    viewer = sign_up(base_url)
    invite_and_accept(supplied.user, viewer, supplied.cif, "viewer")
    listed = viewer.call("GET", f"/companies/{supplied.cif}/buyer-messages")
    assert listed.status_code == 200 and listed.json()["messages"]
    refused = supplied.send("Un mesaj de la cineva care doar vede arhiva.", user=viewer)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    # asking ANAF spends the company's allowance: owners and admins only
    asked = viewer.call("POST", f"/companies/{supplied.cif}/buyer-messages/{listed.json()['messages'][0]['id']}/check")
    assert asked.status_code == 403 and asked.json()["error"]["code"] == "not_allowed"


def _recorded(supplied, upload_index: str):
    """A message as the send step records it, for an upload index the test chose (ANAF's answers
    that a buyer message itself cannot provoke from the sandbox: nok, unknown index)."""
    return records.create(supplied.cif, document_id=supplied.invoice_id,
                          invoice_upload_index=supplied.invoice_upload_index, invoice_number=None, partner_name=None,
                          partner_cif=None, text="Text de test.", sent_by="test", now=datetime.now(UTC),
                          state=State.SENT, upload_index=upload_index)


def test_a_nok_is_shown_with_the_errors_of_anafs_error_file(supplied, seeded_companies):
    with supplied.sandbox_clock_back(120):
        created = supplied.admin("POST", "invoices", json={"kind": "error", "seller_cif": supplied.cif,
                                                           "buyer_cif": seeded_companies[0]["cif"]})["created"]
    item = _recorded(supplied, created[0]["id_solicitare"])
    checked = supplied.user.call("POST", f"/companies/{supplied.cif}/buyer-messages/{item.message_id}/check")
    assert checked.status_code == 200, checked.text
    message = checked.json()["message"]
    words = "E: validari globale  SCHEMATRON   eroare: [BR-16]-An Invoice shall have at least one Invoice line (BG-25)."
    assert message["state"] == "refused" and message["anaf_error"] == words
    assert message["state_label"] == f"respins de ANAF: {words}"


def test_anafs_refusal_to_answer_is_kept_and_the_message_asked_again_later(supplied):
    item = _recorded(supplied, "999")
    checked = supplied.user.call("POST", f"/companies/{supplied.cif}/buyer-messages/{item.message_id}/check")
    assert checked.status_code == 200, checked.text
    message = checked.json()["message"]
    assert message["state"] == "sent" and message["anaf_error"] == "Nu exista factura cu id_incarcare= 999"
    assert message["state_label"] == "trimis"

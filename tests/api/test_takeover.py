"""Nobody gets a company they have not proven (issue "10 ·"): the takeovers and the forgery an
attack on wave 1 found, replayed end to end over the local stack (moto + the ANAF sandbox).

Each company here is a fresh CIF; certificates are issued by the sandbox for exactly the CIFs
a scenario needs, so no other test's state can make these pass or fail.
"""

from __future__ import annotations

import hashlib

import pytest
import requests

from chalicelib import dependencies
from chalicelib.anaf.models import AnafMessage, MessageKind
from chalicelib.storage.aws import aws_client
from chalicelib.storage.documents import message_key as archived_key
from chalicelib.storage.models import CompanyModel, DocumentModel, LimitCounterModel
from local.mailbox import sent_mail
from tests.api.conftest import at_anaf, authorize, back_to_arhivar, connect_company, issue_certificate
from tests.api.importing import anaf_zip, import_done, with_invoice_changed
from tests.api.proven import invite_and_accept
from tests.api.sandbox_admin import Sandbox
from tests.api.test_sync import _zip_of

COMPANY_ROUTES_A_STRANGER_TRIES = ("", "/members", "/documents", "/sync-runs", "/licence")


def assert_sees_nothing(user, cif: str) -> None:
    for suffix in COMPANY_ROUTES_A_STRANGER_TRIES:
        answer = user.call("GET", f"/companies/{cif}{suffix}")
        assert answer.status_code == 404, (suffix, answer.text)
        assert answer.json()["error"]["code"] == "company_not_found"
    row = next(c for c in user.call("GET", "/companies").json()["companies"] if c["cif"] == cif)
    assert row["membership_state"] == "pending"


def membership_state(user, cif: str) -> str:
    return next(c for c in user.call("GET", "/companies").json()["companies"] if c["cif"] == cif)["membership_state"]


@pytest.fixture
def sandbox_url(local_stack) -> str:
    return local_stack.ports.sandbox_url


@pytest.fixture
def archived_by_a(new_user, fresh_cif, sandbox_url):
    """Company X, proven and connected by account A."""
    a, x = new_user(), fresh_cif()
    connect_company(a, x, sandbox_url, "Titular A")
    return a, x, CompanyModel.get(x).credential_id


def test_a_link_for_your_own_company_gives_nothing_of_another_one_the_certificate_covers(
        archived_by_a, new_user, fresh_cif, sandbox_url):
    # GIVEN B pending on X (which A archives) and registering their own company Y
    a, x, a_credential = archived_by_a
    b, y = new_user(), fresh_cif()
    b.call("POST", "/companies", json={"cif": x})
    b.call("POST", "/companies", json={"cif": y})
    # AND a certificate holder whose certificate covers both X and Y
    holder_serial = issue_certificate(sandbox_url, [x, y], "Titular Comun")

    # WHEN B sends an authorization link for Y and the holder signs it
    assert b.call("POST", f"/companies/{y}/anaf/link", json={"email": "titular-comun@firma.ro"}).status_code == 202
    link = next(w for m in sent_mail() if m.to == "titular-comun@firma.ro" and y in m.text
                for w in m.text.split() if "/api/anaf/link/" in w)
    holder = requests.Session()
    opened = holder.get(link, allow_redirects=False, timeout=10).headers["Location"]
    result = back_to_arhivar(at_anaf(opened, holder_serial), holder)

    # THEN Y is B's, and X is untouched: B still sees nothing of it, A's credential stays
    assert result["anaf"] == "connected" and result["covered"] == y
    assert membership_state(b, y) == "active"
    assert_sees_nothing(b, x)
    assert CompanyModel.get(x).credential_id == a_credential
    members = a.call("GET", f"/companies/{x}/members").json()["members"]
    assert [m["email"] for m in members if m["state"] == "active"] == [a.email]


def test_an_anaf_url_forwarded_to_a_certificate_holder_proves_nothing(archived_by_a, new_user, sandbox_url):
    # GIVEN B pending on X, starting the ANAF step for X in their own browser
    _a, x, a_credential = archived_by_a
    b = new_user()
    b.call("POST", "/companies", json={"cif": x})
    url = b.call("POST", f"/companies/{x}/anaf/authorize").json()["authorization_url"]

    # WHEN B forwards the ANAF URL to a holder with rights on X, who signs in their own browser
    holder = requests.Session()
    result = back_to_arhivar(at_anaf(url, issue_certificate(sandbox_url, [x], "Titular Păcălit")), holder)

    # THEN nothing is proven or attached; even B's own browser cannot replay the spent state
    assert result["anaf"] == "invalid_request"
    assert_sees_nothing(b, x)
    assert CompanyModel.get(x).credential_id == a_credential


def test_a_viewer_cannot_start_the_anaf_step(archived_by_a, new_user):
    a, x, _ = archived_by_a
    viewer = new_user()
    invite_and_accept(a, viewer, x, "viewer")
    answer = viewer.call("POST", f"/companies/{x}/anaf/authorize")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"


def test_registering_a_cif_first_grants_nothing(new_user, fresh_cif, sandbox_url):
    # GIVEN a squatter who registers the CIF before the real company does
    squatter, owner, x = new_user(), new_user(), fresh_cif()
    answer = squatter.call("POST", "/companies", json={"cif": x})
    assert answer.status_code == 201 and answer.json()["company"]["membership_state"] == "pending"
    assert_sees_nothing(squatter, x)

    # WHEN the real company registers and proves it with its certificate
    owner.call("POST", "/companies", json={"cif": x})
    assert authorize(owner, x, issue_certificate(sandbox_url, [x], "Titular Real"))["anaf"] == "connected"

    # THEN the squatter still sees nothing, and is nobody in the company's member list
    assert_sees_nothing(squatter, x)
    members = owner.call("GET", f"/companies/{x}/members").json()["members"]
    assert [m["email"] for m in members if m["state"] == "active"] == [owner.email]
    assert squatter.call("POST", f"/companies/{x}/anaf/link", json={"email": "x@firma.ro"}).status_code == 202
    # (a pending member may still ask a holder; only the holder's signature can prove it)


# -- forging an archived invoice through "Importă arhive SPV" ------------------------------------

@pytest.fixture
def synced(archived_by_a, local_stack):
    """X with two received invoices, synced into the archive."""
    a, x, _ = archived_by_a
    seller = Sandbox(local_stack.ports.sandbox_url).invoices_to(x, 2)
    assert dependencies.company_sync(lambda: 900.0).run(x, "test").result == "complete"
    documents = [d for d in DocumentModel.query(x, consistent_read=True) if d.kind == "received"]
    assert len(documents) == 2
    return a, x, seller, documents


def _stored(key: str) -> bytes:
    settings = dependencies.settings()
    return aws_client(settings, "s3").get_object(Bucket=settings.archive_bucket, Key=key)["Body"].read()


def _tampered(original: bytes, old: str, new: str) -> bytes:
    """The same ANAF ZIP (same member names, same signature) with the invoice text changed."""
    return with_invoice_changed(original, lambda content: content.replace(old.encode(), new.encode()))


def assert_untouched(document: DocumentModel) -> None:
    stored = DocumentModel.get(document.cif, document.sk, consistent_read=True)
    assert hashlib.sha256(_stored(stored.original_key)).hexdigest() == document.original_sha256
    assert _stored(stored.xml_key) == _stored(document.xml_key)
    assert stored.number == document.number and stored.signature_status == document.signature_status


def test_an_import_named_like_an_archived_message_never_overwrites_it(synced):
    # GIVEN an archived invoice and its exact XML as stored
    a, x, _, (target, other) = synced
    original, xml_before = _stored(target.original_key), _stored(target.xml_key)

    # WHEN an admin imports a tampered copy (another number) named like the archived message,
    # and a genuine ZIP of another message also named like it
    forged = _tampered(original, target.number, "FALS-999")
    result = import_done(a, x, _zip_of({f"{target.message_id}.zip": forged,
                                    f"x/{target.message_id}.zip": _stored(other.original_key)}))

    # THEN nothing stored is replaced: same original bytes (SHA-256 as recorded), same XML,
    # same number and verdict; the file names decided nothing
    assert {f["status"] for f in result["files"]} == {"duplicate"}
    assert _stored(target.xml_key) == xml_before
    assert b"FALS-999" not in _stored(target.xml_key)
    for document in (target, other):
        assert_untouched(document)
    detail = a.call("GET", f"/companies/{x}/documents/{target.message_id}").json()
    assert "FALS-999" not in str(detail)
    assert DocumentModel.count(x) == 2 and int(CompanyModel.get(x).document_count) == 2


def test_an_imported_file_is_keyed_by_its_signed_content_not_its_name(synced, local_stack):
    # GIVEN a new invoice that no sync has seen, downloaded by hand from SPV
    a, x, seller, documents = synced
    sandbox = Sandbox(local_stack.ports.sandbox_url)
    known = {d.message_id for d in documents}
    sandbox.arrive(kind="invoice", seller_cif=seller, buyer_cif=x)
    message = next(m for m in sandbox.admin("GET", "messages", params={"cif": x, "sha256": 0})["messages"]
                   if m["id"] not in known)
    content = anaf_zip(local_stack.ports.sandbox_url, x, message["id"])

    # WHEN it is imported under the name of an archived message
    result = import_done(a, x, _zip_of({f"{documents[0].message_id}.zip": content}))

    # THEN it is archived under its own upload index, and the sync that sees it later adds nothing
    assert result["counts"]["archived"] == 1
    imported = [d for d in DocumentModel.query(x, consistent_read=True) if d.source == "import"]
    assert [d.message_id for d in imported] == [f"import-{message['id_solicitare']}"]
    assert_untouched(documents[0])
    assert dependencies.company_sync(lambda: 900.0).run(x, "test").result == "complete"
    assert DocumentModel.count(x) == 3 and int(CompanyModel.get(x).document_count) == 3
    assert LimitCounterModel.get(archived_key(x, message["id"])).claim_state == "archived"


def test_other_bytes_under_an_archived_message_id_write_nothing(synced):
    # GIVEN an archived message whose document item is gone (say, a partial restore): the
    # claim on its id still holds
    _, x, _, (target, _other) = synced
    forged = _tampered(_stored(target.original_key), target.number, "FALS-777")
    DocumentModel.get(x, target.sk).delete()
    message = AnafMessage(id=target.message_id, upload_index=target.upload_index, cif=x,
                          created_at=target.created_at, kind=MessageKind.RECEIVED, details="",
                          tip="FACTURA PRIMITA")

    # WHEN the archiver is handed other bytes under that id
    archived = dependencies.archiver().archive(x, message, forged)

    # THEN it refuses without writing a byte
    assert archived.new is False
    assert hashlib.sha256(_stored(target.original_key)).hexdigest() == target.original_sha256
    assert b"FALS-777" not in _stored(target.xml_key)


def test_authorization_links_are_rate_limited_per_sender_and_per_recipient(new_user, fresh_cif):
    # GIVEN an owner of a registered company
    user, cif = new_user(), fresh_cif()
    user.call("POST", "/companies", json={"cif": cif})
    target = f"tinta-{cif}@exemplu.ro"

    # WHEN they send links to one address in a burst
    answers = [user.call("POST", f"/companies/{cif}/anaf/link", json={"email": target}) for _ in range(5)]

    # THEN only the first few go out; the rest get 429 with Retry-After and a Romanian message
    assert [a.status_code for a in answers] == [202, 202, 202, 429, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert "prea multe linkuri de autorizare" in refused.json()["error"]["message"]
    assert sum(1 for m in sent_mail() if m.to == target) == 3
    # AND other addresses are counted against the sender's hourly total
    others = [user.call("POST", f"/companies/{cif}/anaf/link", json={"email": f"alt-{i}-{cif}@exemplu.ro"})
              for i in range(8)]
    assert [a.status_code for a in others].count(202) == 10 - 3

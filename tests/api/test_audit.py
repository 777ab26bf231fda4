"""The security journal ("Jurnal de securitate"): every security-relevant action of a company is
recorded append-only, readable by its owners only (JSON pages and CSV), and never holds a secret."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from pynamodb.exceptions import PutError

from chalicelib.domain import audit as rules
from chalicelib.domain.audit import EventType
from chalicelib.services import audit
from chalicelib.storage import audit_log
from chalicelib.storage.models import AuditEventModel
from local.mailbox import sent_mail
from tests.api.conftest import at_anaf, back_to_arhivar, email_address, issue_certificate, last_code, sign_up
from tests.api.proven import invite_and_accept


def journal(user, cif: str, **params) -> list[dict]:
    """Every event of the company, following the cursors, newest first."""
    events, cursor = [], None
    while True:
        answer = user.call("GET", f"/companies/{cif}/audit",
                           params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        events += page["events"]
        cursor = page["next_cursor"]
        if not cursor:
            return events


def events_of(user, cif: str) -> list[str]:
    return [event["event"] for event in journal(user, cif)]


@pytest.fixture
def owned(new_user, fresh_cif, proven_company):
    owner = new_user()
    cif = fresh_cif()
    proven_company(owner, cif)
    return owner, cif


def test_proving_a_company_is_recorded_with_who_and_from_where(owned):
    # GIVEN an owner who registered a CIF and proved it with their own certificate
    owner, cif = owned
    # WHEN they read the journal
    events = journal(owner, cif)
    # THEN the ANAF step is there, newest first: started, proven, completed (connected)
    assert [e["event"] for e in events] == ["authorization_completed", "membership_proven", "authorization_started"]
    completed, proven, started = events
    assert completed["details"] == {"outcome": "connected", "origin": "dashboard"}
    assert completed["summary"].startswith("rezultat: reușită")
    assert proven["label"] == "Acces dovedit prin autorizare ANAF" and proven["details"]["role"] == "owner"
    for event in events:
        assert event["actor"]["email"] == owner.email and event["actor"]["user_id"]
        assert event["ip"]  # the API request's source address
    assert started["at"] < proven["at"] < completed["at"]


def test_members_licence_export_link_and_disconnect_are_recorded(owned, new_user):
    owner, cif = owned
    colleague = new_user()
    newcomer = email_address("invitat")
    # WHEN the owner invites an existing account and an address without one, re-roles the
    # colleague, cancels the invitation, changes the licence, exports, e-mails an ANAF link
    # and disconnects
    invited = owner.call("POST", f"/companies/{cif}/members", json={"email": colleague.email, "role": "viewer"})
    assert invited.status_code == 201
    assert colleague.call("POST", f"/invitations/{cif}/accept").status_code == 200
    invited = owner.call("POST", f"/companies/{cif}/members", json={"email": newcomer, "role": "viewer"})
    assert invited.status_code == 201
    colleague_id = colleague.call("GET", "/account").json()["user_id"]
    assert owner.call("PUT", f"/companies/{cif}/members/{colleague_id}", json={"role": "admin"}).status_code == 204
    assert owner.call("DELETE", f"/companies/{cif}/members/invite%23{newcomer}").status_code == 204
    assert owner.call("PUT", f"/companies/{cif}/licence", json={"licence": "pro"}).status_code == 200
    assert owner.call("POST", f"/companies/{cif}/exports", json={"format": "csv", "filters": {}}).status_code == 202
    assert owner.call("POST", f"/companies/{cif}/anaf/link", json={"email": "contabil@firma.ro"}).status_code == 202
    assert owner.call("DELETE", f"/companies/{cif}/anaf").status_code == 204
    # THEN each is in the journal, newest first, with readable details
    events = journal(owner, cif)
    assert [e["event"] for e in events[:9]] == [
        "authorization_disconnected", "authorization_link_sent", "export_created", "licence_changed",
        "member_removed", "member_role_changed", "member_added", "member_joined", "member_added"]
    disconnected, link, export, licence, removed, rerole, invited, joined, added = events[:9]
    assert disconnected["details"] == {"companies": 1}
    assert link["details"] == {"recipient": "contabil@firma.ro"}
    assert export["details"]["format"] == "csv" and export["summary"].startswith("format: CSV")
    assert licence["details"] == {"previous": "free", "licence": "pro"}
    assert licence["summary"] == "licență: Gratuit → Pro"
    assert removed["details"] == {"member": newcomer, "role": "viewer", "left": False}
    assert rerole["details"] == {"member": colleague.email, "previous": "viewer", "role": "admin"}
    assert rerole["summary"] == f"persoana: {colleague.email}; rol: vizualizare → administrator"
    assert invited["details"] == {"member": newcomer, "role": "viewer", "invited": True}
    assert joined["details"] == {"role": "viewer"} and joined["actor"]["email"] == colleague.email
    assert added["details"] == {"member": colleague.email, "role": "viewer", "invited": True}
    assert {e["actor"]["email"] for e in events} == {owner.email, colleague.email}


def test_an_accepted_invitation_and_leaving_are_recorded_as_the_member(owned, base_url):
    owner, cif = owned
    address = email_address("nou")
    owner.call("POST", f"/companies/{cif}/members", json={"email": address, "role": "viewer"})
    # WHEN the invited person signs up, accepts the invitation and later leaves
    member = sign_up(base_url, address)
    assert member.call("POST", f"/invitations/{cif}/accept").status_code == 200
    member_id = member.call("GET", "/account").json()["user_id"]
    assert member.call("DELETE", f"/companies/{cif}/members/{member_id}").status_code == 204
    # THEN both are recorded with the member as the actor
    left, joined = journal(owner, cif)[:2]
    assert joined["event"] == "member_joined" and joined["actor"]["email"] == address
    assert left["event"] == "member_removed" and left["actor"]["email"] == address
    assert left["details"] == {"member": address, "role": "viewer", "left": True}
    assert "a părăsit compania" in left["summary"]


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_only_owners_read_the_journal(owned, new_user, role):
    owner, cif = owned
    member, stranger = new_user(), new_user()
    invite_and_accept(owner, member, cif, role)
    for path in (f"/companies/{cif}/audit", f"/companies/{cif}/audit.csv"):
        # WHEN an active admin or viewer asks: THEN 403 not_allowed
        answer = member.call("GET", path)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "not_allowed"
        # WHEN someone without a membership asks: THEN 404, as for every company route
        answer = stranger.call("GET", path)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "company_not_found"
    assert owner.call("GET", f"/companies/{cif}/audit").status_code == 200


def test_pages_follow_the_cursor_newest_first_and_bad_input_is_a_400(owned):
    owner, cif = owned
    for licence in ("standard", "pro", "free", "standard"):
        owner.call("PUT", f"/companies/{cif}/licence", json={"licence": licence})
    everything = journal(owner, cif)
    # WHEN read two events at a time
    paged = journal(owner, cif, page_size="2")
    # THEN the same events, in the same order, each once, newest first
    assert [e["at"] for e in paged] == [e["at"] for e in everything]
    assert len(paged) == 7 and [e["at"] for e in paged] == sorted((e["at"] for e in paged), reverse=True)
    first = owner.call("GET", f"/companies/{cif}/audit", params={"page_size": "3"}).json()
    assert len(first["events"]) == 3 and first["next_cursor"]
    # AND malformed input is a stable 400, never a 500
    for params, code in (({"cursor": "not-a-cursor"}, "invalid_cursor"),
                         ({"cursor": rules.encode_cursor("at#x#y")}, "invalid_cursor"),
                         ({"cursor": "%%%"}, "invalid_cursor"),
                         ({"page_size": "0"}, "invalid_page_size"),
                         ({"page_size": "101"}, "invalid_page_size"),
                         ({"page_size": "abc"}, "invalid_page_size")):
        answer = owner.call("GET", f"/companies/{cif}/audit", params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["error"]["code"] == code
    answer = owner.call("GET", f"/companies/{cif}/audit.csv", params={"cursor": "zz"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_cursor"


def test_the_csv_has_romanian_headers_and_every_event(owned):
    owner, cif = owned
    owner.call("PUT", f"/companies/{cif}/licence", json={"licence": "standard"})
    # WHEN the owner downloads the CSV
    answer = owner.call("GET", f"/companies/{cif}/audit.csv")
    # THEN a UTF-8 (BOM) CSV attachment for Excel, ";"-separated, one row per event, newest first
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert f"Arhivar_jurnal_securitate_{cif}_" in answer.headers["Content-Disposition"]
    assert "X-Arhivar-Next-Cursor" not in answer.headers
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(rules.CSV_TITLES)
    assert rows[0][:4] == ["Data și ora (ora României)", "Cine", "ID utilizator", "Ce"]
    events = journal(owner, cif)
    assert [row[4] for row in rows[1:]] == [e["event"] for e in events]
    assert rows[1][1] == owner.email and rows[1][3] == "Licență schimbată"
    assert rows[1][5] == "licență: Gratuit → Standard"


def test_no_secret_appears_in_any_event(new_user, fresh_cif, local_stack, settings):
    # GIVEN a company proven through the ANAF step, and an ANAF link e-mailed and used
    owner = new_user()
    cif = fresh_cif()
    owner.call("POST", "/companies", json={"cif": cif})
    started = owner.call("POST", f"/companies/{cif}/anaf/authorize").json()["authorization_url"]
    state = parse_qs(urlsplit(started).query)["state"][0]
    callback = at_anaf(started, issue_certificate(local_stack.ports.sandbox_url, [cif]))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert back_to_arhivar(callback, owner.http)["anaf"] == "connected"
    binding = owner.http.cookies["arhivar_anaf"]
    owner.call("POST", f"/companies/{cif}/anaf/link", json={"email": "titular@firma.ro"})
    mail = next(m for m in sent_mail() if m.to == "titular@firma.ro" and cif in m.text)
    link = next(word for word in mail.text.split() if "/api/anaf/link/" in word)
    token = link.rsplit("/", 1)[1]
    access_token = owner.http.headers["Authorization"].split()[1]
    confirmation = last_code(owner.email)
    refresh = owner.http.cookies["arhivar_refresh"]
    secrets_seen = [state, code, binding, token, access_token, confirmation, refresh]
    # WHEN every stored event of the company is read straight from the table
    stored = [json.dumps(item.attribute_values, default=str) for item in AuditEventModel.query(cif)]
    # THEN there are events, and none holds any of the secrets
    assert len(stored) >= 4
    for text in stored:
        for secret in secrets_seen:
            assert secret not in text
    served = json.dumps(journal(owner, cif)) + owner.call("GET", f"/companies/{cif}/audit.csv").text
    assert not [secret for secret in secrets_seen if secret in served]


def test_details_that_name_a_secret_are_dropped():
    # GIVEN a careless hook passing secrets among its details
    cleaned = rules.clean_details({"link_token": "abc", "code": "123456", "state": "s", "refresh_token": "r",
                                   "password": "p", "api_key": "k", "role": "owner", "count": 3,
                                   "ok": True, "nested": {"a": 1}, "long": "x" * 500, "none": None})
    # THEN only short, harmless scalars remain
    assert cleaned == {"role": "owner", "count": 3, "ok": True, "long": "x" * rules.MAX_TEXT}


def test_the_journal_has_no_update_or_delete_path(owned, settings):
    _, cif = owned
    # GIVEN the repository: it offers appending and reading only
    public = {name for name in vars(audit_log) if not name.startswith("_") and callable(vars(audit_log)[name])}
    assert public == {"append", "newest_first", "AuditEventModel", "AuditEvent"}
    # WHEN an event is appended again under an existing key with other content
    [newest] = audit_log.newest_first(cif, 1)
    # THEN the write is refused and the recorded event is unchanged
    with pytest.raises(PutError):
        audit_log.append(cif, newest.at, "licence_changed", actor_user_id="someone-else")
    [again] = audit_log.newest_first(cif, 1)
    assert (again.event, again.actor_user_id) == (newest.event, newest.actor_user_id)


def test_a_failing_journal_does_not_fail_the_action(owned, settings, monkeypatch):
    owner, cif = owned
    before = len(journal(owner, cif))

    def refuse(*_event, **_fields):
        raise PutError("the table is unavailable")

    # GIVEN a journal that cannot be written
    monkeypatch.setattr(audit_log, "append", refuse)
    # WHEN an event is recorded (as every hook does, after its action)
    result = audit.record(cif, EventType.LICENCE_CHANGED, None, previous="free", licence="pro")
    # THEN recording returns normally (the action stands) and nothing was written
    assert result is None
    monkeypatch.undo()
    assert len(journal(owner, cif)) == before


def test_a_login_from_a_new_device_is_recorded_in_each_company_of_the_user(owned, new_user, proven_company, fresh_cif):
    owner, cif = owned
    second = fresh_cif()
    proven_company(owner, second)
    before = {c: len(journal(owner, c)) for c in (cif, second)}
    # WHEN the owner logs in again from the browser they signed up with: nothing new
    owner.log_in()
    assert {c: len(journal(owner, c)) for c in (cif, second)} == before
    # WHEN they log in from another browser
    owner.http.headers["User-Agent"] = "Mozilla/5.0 (Jurnal test) Firefox/140.0"
    owner.log_in()
    # THEN each of their companies records it once, with the browser; a second login adds nothing
    owner.log_in()
    for company in (cif, second):
        events = journal(owner, company)
        assert len(events) == before[company] + 1
        assert events[0]["event"] == "login_new_device"
        assert events[0]["label"] == "Autentificare de pe un dispozitiv nou"
        assert events[0]["details"] == {"device": "Mozilla/5.0 (Jurnal test) Firefox/140.0"}
        assert events[0]["actor"]["email"] == owner.email and events[0]["ip"]


def test_a_device_is_its_browser_and_its_network():
    # GIVEN the same browser on two addresses of one /24, another /24, and another browser
    same = rules.device_fingerprint("UA", "192.0.2.10")
    # THEN only a change of network or browser is a new device; odd input does not fail
    assert rules.device_fingerprint("UA", "192.0.2.200") == same
    assert rules.device_fingerprint("UA", "192.0.3.10") != same
    assert rules.device_fingerprint("Other", "192.0.2.10") != same
    assert rules.device_fingerprint("UA", "2001:db8:1:2::1") == rules.device_fingerprint("UA", "2001:db8:1:ffff::9")
    assert rules.device_fingerprint(None, "not-an-ip") != same


def test_a_deleted_account_leaves_its_name_in_the_journal(owned, new_user):
    owner, cif = owned
    member = new_user()
    invite_and_accept(owner, member, cif, "admin")
    # WHEN the member deletes their account
    answer = member.call("DELETE", "/account", json={"password": member.password})
    assert answer.status_code == 204, answer.text
    # THEN the journal says who left and why, with the address they had
    [removed] = [e for e in journal(owner, cif) if e["event"] == "member_removed"]
    assert removed["actor"]["email"] == member.email
    assert removed["details"] == {"member": member.email, "role": "admin", "reason": "account_deleted"}
    assert "contul a fost șters" in removed["summary"]


def test_an_anaf_url_completed_in_another_browser_is_recorded_as_refused(owned, local_stack):
    owner, cif = owned
    # GIVEN the owner starts an ANAF step and the ANAF address reaches someone else's browser
    started = owner.call("POST", f"/companies/{cif}/anaf/authorize").json()["authorization_url"]
    callback = at_anaf(started, issue_certificate(local_stack.ports.sandbox_url, [cif]))
    # WHEN that browser comes back to Arhivar
    assert back_to_arhivar(callback)["anaf"] == "invalid_request"
    # THEN the owners see the refused attempt
    refused = journal(owner, cif)[0]
    assert refused["event"] == "authorization_completed"
    assert refused["details"] == {"outcome": "other_browser", "origin": "dashboard"}
    assert "alt browser" in refused["summary"]

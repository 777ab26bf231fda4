"""Companies over HTTP: lookup and registration by CIF, the dashboard, members and roles."""

from __future__ import annotations

import requests

from tests.api.conftest import prove
from tests.api.proven import invite_and_accept


def test_a_company_is_looked_up_then_registered_with_ro_prefix_and_spaces(new_user, fresh_cif, local_stack):
    user, cif = new_user(), fresh_cif()
    typed = f"ro {cif[:2]} {cif[2:]}"
    looked = user.call("POST", "/companies/lookup", json={"cif": typed})
    assert looked.status_code == 200
    company = looked.json()["company"]
    world = requests.get(f"{local_stack.ports.sandbox_url}/__sandbox/world", timeout=10).json()
    expected = next(c for c in world["companies"] + world["partners"] + world["created"] if c["cif"] == cif)
    # ANAF's lookup spells names in capitals
    assert company["cif"] == cif and company["name"] == expected["name"].upper()
    assert looked.json()["already_added"] is False

    created = user.call("POST", "/companies", json={"cif": typed})
    assert created.status_code == 201
    # Registered, not proven: the public name and nothing else until ANAF proves SPV rights
    assert created.json()["company"] == {"cif": cif, "name": expected["name"].upper(), "role": "owner",
                                         "membership_state": "pending"}
    prove(user, cif, local_stack.ports.sandbox_url)

    dashboard = user.call("GET", "/companies").json()["companies"]
    assert [c["cif"] for c in dashboard] == [cif]
    row = dashboard[0]
    assert row["name"] == expected["name"].upper() and row["membership_state"] == "active"
    assert row["authorization"]["state"] == "authorized"
    assert row["licence"] == {"code": "free", "name": "Gratuit"}
    assert row["document_count"] == 0
    assert row["public"]["registration_number"] == expected["reg_com"]


def test_invalid_unknown_and_duplicate_cifs_each_get_their_own_message(new_user, fresh_cif):
    user, cif = new_user(), fresh_cif()
    invalid = user.call("POST", "/companies", json={"cif": "RO12345678"})
    assert invalid.status_code == 400
    assert invalid.json()["error"] == {
        "code": "invalid_cif",
        "message": "CIF-ul nu este valid: cifra de control nu corespunde. Verificați cifrele."}
    letters = user.call("POST", "/companies/lookup", json={"cif": "ABC"})
    assert letters.json()["error"]["code"] == "invalid_cif"

    unknown = user.call("POST", "/companies", json={"cif": "8486152"})  # valid, but not in the sandbox
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "cif_not_found_at_anaf"

    assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201
    duplicate = user.call("POST", "/companies", json={"cif": "RO" + cif})
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "company_already_added"
    assert user.call("POST", "/companies/lookup", json={"cif": cif}).json()["already_added"] is True


def test_anaf_lookup_down_is_a_retryable_503(new_user, fresh_cif, local_stack):
    user, cif = new_user(), fresh_cif()
    admin = f"{local_stack.ports.sandbox_url}/__sandbox/faults"
    requests.post(admin, json={"kind": "maintenance", "path": "/api/PlatitorTvaRest", "count": 5},
                  timeout=10).raise_for_status()
    try:
        answer = user.call("POST", "/companies", json={"cif": cif})
    finally:
        requests.delete(admin, timeout=10)
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "anaf_lookup_unavailable"
    assert "datele introduse au fost păstrate" in answer.json()["error"]["message"]
    assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201  # retry works


def test_a_registered_cif_gives_a_pending_membership_that_shows_nothing(new_user, fresh_cif):
    first, second, cif = new_user(), new_user(), fresh_cif()
    assert first.call("POST", "/companies", json={"cif": cif}).json()["company"]["membership_state"] == "pending"
    pending = second.call("POST", "/companies", json={"cif": cif})
    assert pending.status_code == 201
    assert pending.json()["company"]["membership_state"] == "pending"
    row = second.call("GET", "/companies").json()["companies"][0]
    assert set(row) == {"cif", "name", "role", "membership_state"}  # no data, no status
    assert second.call("GET", f"/companies/{cif}").status_code == 404
    assert second.call("GET", f"/companies/{cif}/members").status_code == 404


def test_an_admin_invites_by_e_mail_and_the_invitee_accepts(new_user, proven_company, fresh_cif, base_url):
    owner, cif = new_user(), fresh_cif()
    proven_company(owner, cif)
    # An existing user: invited, not a member until they accept
    colleague = new_user()
    invited = owner.call("POST", f"/companies/{cif}/members", json={"email": colleague.email, "role": "viewer"})
    assert invited.status_code == 201 and invited.json()["member"]["state"] == "pending"
    assert colleague.call("GET", f"/companies/{cif}").status_code == 404
    assert colleague.call("POST", f"/invitations/{cif}/accept").status_code == 200
    assert colleague.call("GET", f"/companies/{cif}").json()["company"]["role"] == "viewer"
    # Someone without an account: the invitation waits for their account, then their consent
    from tests.api.conftest import email_address, sign_up
    accountant = email_address("contabil")
    invitation = owner.call("POST", f"/companies/{cif}/members", json={"email": accountant, "role": "admin"})
    assert invitation.json()["member"] == {"member_id": f"invite#{accountant}", "email": accountant,
                                           "role": "admin", "state": "pending", "invited": True}
    later = sign_up(base_url, accountant)
    assert later.call("GET", f"/companies/{cif}").status_code == 404
    assert later.call("POST", f"/invitations/{cif}/accept").json()["company"]["role"] == "admin"
    members = owner.call("GET", f"/companies/{cif}/members").json()["members"]
    assert [(m["email"], m["role"], m["state"]) for m in members] == [
        (owner.email, "owner", "active"), (accountant, "admin", "active"), (colleague.email, "viewer", "active")]


def test_roles_limit_what_members_can_do_and_the_last_owner_stays(new_user, proven_company, fresh_cif):
    owner, viewer, cif = new_user(), new_user(), fresh_cif()
    proven_company(owner, cif)
    invite_and_accept(owner, viewer, cif, "viewer")
    me = owner.call("GET", "/account").json()["user_id"]

    denied = viewer.call("POST", f"/companies/{cif}/members", json={"email": "x@exemplu.ro", "role": "viewer"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "not_allowed"
    assert viewer.call("POST", f"/companies/{cif}/refresh").status_code == 403
    assert viewer.call("DELETE", f"/companies/{cif}/members/{me}").status_code == 403

    last = owner.call("DELETE", f"/companies/{cif}/members/{me}")
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_owner"
    demote = owner.call("PUT", f"/companies/{cif}/members/{me}", json={"role": "admin"})
    assert demote.status_code == 409
    # The viewer may leave on their own
    viewer_id = viewer.call("GET", "/account").json()["user_id"]
    assert viewer.call("DELETE", f"/companies/{cif}/members/{viewer_id}").status_code == 204
    assert viewer.call("GET", f"/companies/{cif}").status_code == 404


def test_refresh_updates_the_public_data(new_user, proven_company, fresh_cif):
    user, cif = new_user(), fresh_cif()
    proven_company(user, cif)
    before = user.call("GET", f"/companies/{cif}").json()["company"]["data_refreshed_at"]
    after = user.call("POST", f"/companies/{cif}/refresh").json()["company"]["data_refreshed_at"]
    assert after > before


def test_an_invited_e_mail_gets_a_romanian_message(new_user, proven_company, fresh_cif):
    from local.mailbox import sent_mail
    owner, cif = new_user(), fresh_cif()
    name = proven_company(owner, cif)["name"]
    owner.call("POST", f"/companies/{cif}/members", json={"email": "nou-contabil@exemplu.ro", "role": "viewer"})
    mail = next(m for m in sent_mail() if m.to == "nou-contabil@exemplu.ro")
    assert mail.subject == f"Acces la arhiva e-Factura a companiei {name}"
    assert owner.email in mail.text and "Creați-vă un cont Arhivar" in mail.text

""""Autorizează cu certificatul existent" (issue "13 ·"): a company added after an authorization,
which the same certificate covers, is proven and connected in one click, and still only by
ANAF's answer to that certificate's token (issue "10 ·"): the stored list of CIFs picks the
credential, it proves nothing. Over the local stack (moto + the ANAF sandbox)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from chalicelib.storage.models import AnafCredentialModel, CompanyModel
from local.mailbox import sent_mail
from tests.api.conftest import at_anaf, authorize, back_to_arhivar, issue_certificate
from tests.api.proven import invite_and_accept
from tests.api.test_takeover import assert_sees_nothing, membership_state

OFFERS = "/anaf/existing-certificate"


def offers(user) -> list[str]:
    answer = user.call("GET", OFFERS)
    assert answer.status_code == 200, answer.text
    return answer.json()["cifs"]


def one_click(user, cif: str):
    return user.call("POST", f"/companies/{cif}{OFFERS}")


def with_an_invoice(sandbox_url: str, cif: str) -> None:
    """ANAF names all of a certificate's CIFs only in the envelope of a non-empty list."""
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    seller = next(p["cif"] for p in world["partners"] if p["cif"] != cif)
    requests.post(f"{sandbox_url}/__sandbox/invoices", json={"kind": "invoice", "seller_cif": seller,
                                                             "buyer_cif": cif, "count": 1},
                  timeout=10).raise_for_status()


def registered(user, cif: str) -> None:
    assert user.call("POST", "/companies", json={"cif": cif}).status_code == 201


def test_a_company_the_same_certificate_covers_is_authorized_in_one_click(new_user, fresh_cif, local_stack):
    # GIVEN an owner who authorized X with their own certificate, which also covers Y
    user, x, y = new_user(), fresh_cif(), fresh_cif()
    serial = issue_certificate(local_stack.ports.sandbox_url, [x, y], "Titular Două Firme")
    with_an_invoice(local_stack.ports.sandbox_url, x)
    registered(user, x)
    assert authorize(user, x, serial)["anaf"] == "connected"
    credential = CompanyModel.get(x).credential_id

    # WHEN they add Y afterwards, THEN it is pending and offered the existing certificate
    registered(user, y)
    assert membership_state(user, y) == "pending"
    assert offers(user) == [y]

    # WHEN they click it, THEN ANAF confirms and Y is theirs, connected with the same credential
    answer = one_click(user, y)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"anaf": "connected", "cif": y}
    assert membership_state(user, y) == "active"
    assert CompanyModel.get(y).credential_id == credential
    company = user.call("GET", f"/companies/{y}").json()["company"]
    assert company["authorization"]["state"] == "authorized"
    assert offers(user) == []
    journal = user.call("GET", f"/companies/{y}/audit").json()
    assert "cu certificatul existent" in str(journal)


def test_a_cif_the_certificate_does_not_cover_is_refused(new_user, fresh_cif, local_stack):
    # GIVEN an attacker whose certificate covers only their own company X
    attacker, x, victim = new_user(), fresh_cif(), fresh_cif()
    registered(attacker, x)
    own = issue_certificate(local_stack.ports.sandbox_url, [x], "Atacator")
    assert authorize(attacker, x, own)["anaf"] == "connected"
    credential_id = CompanyModel.get(x).credential_id

    # WHEN they register someone else's CIF, THEN it is not offered and the click is refused
    registered(attacker, victim)
    assert offers(attacker) == []
    answer = one_click(attacker, victim)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_existing_certificate"

    # WHEN the stored list of CIFs even names the victim (a stale or forged list), THEN ANAF is
    # asked with the certificate's token and its refusal decides: nothing is proven or attached
    item = AnafCredentialModel.get(credential_id)
    item.update(actions=[AnafCredentialModel.cifs.add({victim})])
    assert offers(attacker) == [victim]
    answer = one_click(attacker, victim)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "certificate_not_covering"
    assert "ANAF nu confirmă" in answer.json()["error"]["message"]
    assert_sees_nothing(attacker, victim)
    assert CompanyModel.get(victim).credential_id is None


def test_a_certificate_a_holder_signed_through_a_link_authorizes_nothing_else(new_user, fresh_cif, local_stack):
    # GIVEN B, whose company Y a holder authorized through an e-mailed link, with a certificate
    # that also covers X, which B registers too
    b, x, y = new_user(), fresh_cif(), fresh_cif()
    registered(b, y)
    registered(b, x)
    holder_serial = issue_certificate(local_stack.ports.sandbox_url, [x, y], "Titular Contabil")
    with_an_invoice(local_stack.ports.sandbox_url, y)
    assert b.call("POST", f"/companies/{y}/anaf/link", json={"email": f"contabil-{y}@firma.ro"}).status_code == 202
    link = next(w for m in sent_mail() if m.to == f"contabil-{y}@firma.ro"
                for w in m.text.split() if "/api/anaf/link/" in w)
    holder = requests.Session()
    opened = holder.get(link, allow_redirects=False, timeout=10).headers["Location"]
    assert back_to_arhivar(at_anaf(opened, holder_serial), holder)["anaf"] == "connected"
    assert x in AnafCredentialModel.get(CompanyModel.get(y).credential_id).cifs

    # THEN the holder's signature for Y is no proof of B's rights on X: no offer, refused
    assert offers(b) == []
    answer = one_click(b, x)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_existing_certificate"
    assert_sees_nothing(b, x)


def test_a_viewer_cannot_use_the_existing_certificate(new_user, fresh_cif, local_stack):
    owner, viewer, x = new_user(), new_user(), fresh_cif()
    registered(owner, x)
    assert authorize(owner, x, issue_certificate(local_stack.ports.sandbox_url, [x]))["anaf"] == "connected"
    invite_and_accept(owner, viewer, x, "viewer")
    answer = one_click(viewer, x)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"


def test_two_clicks_at_once_both_end_well(new_user, fresh_cif, local_stack):
    # GIVEN Y offered the existing certificate, clicked in two tabs at the same moment
    user, x, y = new_user(), fresh_cif(), fresh_cif()
    serial = issue_certificate(local_stack.ports.sandbox_url, [x, y], "Titular Grăbit")
    with_an_invoice(local_stack.ports.sandbox_url, x)
    registered(user, x)
    assert authorize(user, x, serial)["anaf"] == "connected"
    registered(user, y)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: one_click(user, y), range(2)))
    # THEN neither is a server error, and Y is proven once
    assert sorted(a.status_code for a in answers) == [200, 200], [a.text for a in answers]
    assert membership_state(user, y) == "active"
    proven = [e for e in user.call("GET", f"/companies/{y}/audit").json()["events"]
              if e["event"] == "membership_proven"]
    assert len(proven) == 1

"""Who may see what: for every route, a user without an active membership on a company gets
404 (never 403, so existence is not revealed), and every non-public route wants a token."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import requests

from app import PUBLIC_ROUTES, app
from chalicelib.api.requests import openapi_document

# Bodies that pass validation, so the answer is about access, not about the input.
VALID_BODIES = {
    ("/api/companies/{cif}/members", "POST"): {"email": "cineva@exemplu.ro", "role": "viewer"},
    ("/api/companies/{cif}/members/{member_id}", "PUT"): {"role": "viewer"},
    ("/api/companies/{cif}/anaf/link", "POST"): {"email": "contabil@exemplu.ro"},
    ("/api/companies/{cif}/licence", "PUT"): {"licence": "pro"},
    ("/api/companies/{cif}/exports", "POST"): {"format": "csv", "filters": {}},
    ("/api/companies/{cif}/imports", "POST"): {"file_name": "arhiva.zip", "size": 1000},
    ("/api/companies/{cif}/documents/{message_id}/review/state", "POST"): {"state": "approved"},
    ("/api/companies/{cif}/documents/{message_id}/review/comments", "POST"): {"text": "Verificat."},
    ("/api/companies/{cif}/reviews/state", "POST"): {"message_ids": ["x"], "state": "approved"},
    ("/api/companies/{cif}/notification-rules", "POST"): {"partner_cif": "RO123456", "emails": ["a@exemplu.ro"]},
}
# A pending member may start the ANAF step on their pending company, or e-mail a link to the
# certificate holder: it is how a certificate proves their SPV rights (the answers are ANAF's URL
# and "sent", and reveal nothing about the company).
PENDING_MAY = {("/api/companies/{cif}/anaf/authorize", "POST"): {"authorization_url"},
               ("/api/companies/{cif}/anaf/link", "POST"): {"status"},
               # refused with no_existing_certificate: a pending member has no certificate of their own here
               ("/api/companies/{cif}/anaf/existing-certificate", "POST"): {"error"}}


def company_routes():
    return [(path, method) for path, methods in app.routes.items() if "{cif}" in path for method in methods]


def test_every_route_but_the_public_ones_requires_a_token(base_url):
    for path, methods in app.routes.items():
        for method in methods:
            url = base_url + re.sub(r"\{(\w+)\}", "x", path)
            answer = requests.request(method, url, json={}, timeout=10)
            if path in PUBLIC_ROUTES:
                assert answer.status_code != 401, (method, path)
            else:
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.json()["error"]["code"] == "not_authenticated"


def test_the_openapi_security_matches_the_public_routes():
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            public = operation.get("security") == []
            if "x-arhivar-function" in operation:  # not a Chalice route: the public viewer
                assert public, (method, path)
                continue
            assert public == (path in PUBLIC_ROUTES), (method, path)


@pytest.fixture(scope="module")
def outsiders(base_url, fresh_cif_module, local_stack):
    """A proven owner; a stranger; a member who registered the CIF but never proved it."""
    from tests.api.conftest import add_proven_company, sign_up
    owner, stranger, pending = sign_up(base_url), sign_up(base_url), sign_up(base_url)
    cif = fresh_cif_module()
    assert pending.call("POST", "/companies", json={"cif": cif}).json()["company"]["membership_state"] == "pending"
    add_proven_company(owner, cif, local_stack.ports.sandbox_url)
    owner_id = owner.call("GET", "/account").json()["user_id"]
    return owner, stranger, pending, cif, owner_id


@pytest.fixture(scope="module")
def fresh_cif_module(local_stack):
    from tests.api.conftest import new_company
    return lambda: new_company(local_stack.ports.sandbox_url)


@pytest.mark.parametrize(("path", "method"), company_routes())
def test_no_active_membership_means_404_on_every_company_route(outsiders, path, method):
    owner, stranger, pending, cif, owner_id = outsiders
    body = VALID_BODIES.get((path, method))
    for user in (stranger, pending):
        for target in (cif, "99677326", "1"):  # the real company, another seeded CIF, a guess
            url = path.removeprefix("/api").replace("{cif}", target).replace("{member_id}", quote(owner_id))
            answer = user.call(method, url, json=body)
            if user is pending and target == cif and (path, method) in PENDING_MAY:
                assert set(answer.json()) == PENDING_MAY[(path, method)], answer.text
                continue
            assert answer.status_code == 404, (user.email, method, url, answer.text)
            assert answer.json()["error"]["code"] == "company_not_found"
    # The owner still sees it and nothing was changed by the attempts
    members = owner.call("GET", f"/companies/{cif}/members").json()["members"]
    assert [m["email"] for m in members if m["state"] == "active"] == [owner.email]

"""API keys for integrators (issue 15), over HTTP against the local stack: the lifecycle (create,
use, rate limit, revoke), the scope of every route in the OpenAPI document, isolation between
companies, conditional document reads (ETag), and secrets that never reach the table."""

from __future__ import annotations

import hashlib
import re

import boto3
import pytest
import requests

from chalicelib.api.requests import openapi_document
from chalicelib.domain.api_keys import RATE_LIMIT_PER_MINUTE, SCOPES
from chalicelib.storage.models import ApiKeyModel
from tests.api.conftest import new_company, sign_up
from tests.api.proven import Proven, invite_and_accept, proven_company

VALID_BODIES = {
    ("/api/companies/{cif}/exports", "post"): {"format": "csv", "filters": {}},
    ("/api/companies/{cif}/api-keys", "post"): {"name": "x", "scopes": ["documents:read"]},
}


@pytest.fixture(scope="module")
def company(local_stack, base_url) -> Proven:
    found = proven_company(base_url, local_stack.ports.sandbox_url)
    found.message_id = found.import_one_document()  # type: ignore[attr-defined]
    return found


def create_key(owner, cif: str, scopes: list[str], name: str = "ERP contabilitate", **extra) -> dict:
    answer = owner.call("POST", f"/companies/{cif}/api-keys", json={"name": name, "scopes": scopes, **extra})
    assert answer.status_code == 201, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.json()


def with_key(base_url: str, secret: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{base_url}/api{path}", headers={
        "Authorization": f"ApiKey {secret}", **kwargs.pop("headers", {})}, timeout=30, **kwargs)


def error_code(answer: requests.Response) -> str:
    return answer.json()["error"]["code"]


def listed(owner, cif: str, key_id: str) -> dict:
    keys = owner.call("GET", f"/companies/{cif}/api-keys").json()["api_keys"]
    return next(key for key in keys if key["key_id"] == key_id)


def operations() -> list[tuple[str, str, str | None]]:
    """Every operation of the OpenAPI document served by the API, with the key scope it names."""
    found = []
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            if "x-arhivar-function" in operation:
                continue  # the public viewer: its own function, which reads no credentials at all
            scopes = [s for requirement in operation.get("security") or [] for s in requirement.get("apiKey", [])]
            found.append((path, method, scopes[0] if scopes else None))
    return found


def concrete(path: str, cif: str) -> str:
    """The operation's path under /api with the company's CIF and made-up other parameters."""
    return re.sub(r"\{(\w+)\}", "necunoscut", path.removeprefix("/api").replace("{cif}", cif))


# -- lifecycle ---------------------------------------------------------------------------------

def test_a_key_is_created_used_noted_and_revoked_at_once(company, base_url):
    # GIVEN an owner's new read key
    created = create_key(company.user, company.cif, ["documents:read"])
    secret, key = created["secret"], created["api_key"]
    assert re.fullmatch(r"arh_[a-z2-7]{10}_[A-Za-z0-9_-]{43}", secret)
    assert secret.startswith(key["prefix"]) and key["scopes"] == ["documents:read"] and key["active"]
    assert key["last_used_at"] is None

    # WHEN it reads the company's documents, as the web app's own route
    listing = with_key(base_url, secret, "GET", f"/companies/{company.cif}/documents")
    detail = with_key(base_url, secret, "GET", f"/companies/{company.cif}/documents/{company.message_id}")

    # THEN it gets them; the list of keys shows its last use but never a secret
    assert listing.status_code == 200, listing.text
    assert company.message_id in {d["message_id"] for d in listing.json()["documents"]}
    assert detail.status_code == 200 and detail.json()["document"]["message_id"] == company.message_id
    shown = listed(company.user, company.cif, key["key_id"])
    assert shown["last_used_at"] is not None and shown["last_used_ip"]
    assert secret not in company.user.call("GET", f"/companies/{company.cif}/api-keys").text

    # AND once revoked, its very next request is refused
    revoked = company.user.call("DELETE", f"/companies/{company.cif}/api-keys/{key['key_id']}")
    assert revoked.status_code == 204
    refused = with_key(base_url, secret, "GET", f"/companies/{company.cif}/documents")
    assert refused.status_code == 401 and error_code(refused) == "api_key_invalid"
    assert listed(company.user, company.cif, key["key_id"])["active"] is False
    again = company.user.call("DELETE", f"/companies/{company.cif}/api-keys/{key['key_id']}")
    assert again.status_code == 404 and error_code(again) == "api_key_not_found"


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(company, base_url):
    secret = create_key(company.user, company.cif, ["sync:write"])["secret"]
    path = f"/companies/{company.cif}/sync-runs"
    for _ in range(RATE_LIMIT_PER_MINUTE):
        assert with_key(base_url, secret, "GET", path).status_code == 200
    limited = with_key(base_url, secret, "GET", path)
    assert limited.status_code == 429 and error_code(limited) == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # another key of the same company has its own allowance
    other = create_key(company.user, company.cif, ["sync:write"])["secret"]
    assert with_key(base_url, other, "GET", path).status_code == 200


def test_malformed_unknown_and_forged_keys_are_401(company, base_url):
    real = create_key(company.user, company.cif, ["documents:read"])["secret"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")  # right id, wrong secret
    for secret in ("", "nimic", "arh_aaaaaaaaaa_" + "x" * 43, forged, real + "x"):
        answer = with_key(base_url, secret, "GET", f"/companies/{company.cif}/documents")
        assert answer.status_code == 401, (secret, answer.text)
        assert error_code(answer) in ("api_key_invalid", "not_authenticated")


def test_bad_names_scopes_and_expiry_dates_are_400(company):
    for body, field in (({"name": "  ", "scopes": ["documents:read"]}, "name"),
                        ({"name": "k", "scopes": []}, "scopes"),
                        ({"name": "k", "scopes": ["admin:all"]}, "scopes"),
                        ({"name": "k", "scopes": ["documents:read"], "expires_on": "2020-01-01"}, "expires_on"),
                        ({"name": "k", "scopes": ["documents:read"], "expires_on": "2026-02-30"}, "expires_on"),
                        ({"name": "k", "scopes": ["documents:read"], "expires_on": "2999-01-01"}, "expires_on")):
        answer = company.user.call("POST", f"/companies/{company.cif}/api-keys", json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["error"]["details"]["field"].split(".")[0] == field


def test_a_key_with_an_expiry_date_shows_it(company):
    key = create_key(company.user, company.cif, ["exports:write"], expires_on="2027-06-30")["api_key"]
    assert key["expires_on"] == "2027-06-30" and key["active"] and not key["expired"]


def test_an_expired_key_is_refused_from_the_day_after_its_expiry(company, base_url):
    created = create_key(company.user, company.cif, ["documents:read"], expires_on="2027-01-31")
    path = f"/companies/{company.cif}/documents"
    assert with_key(base_url, created["secret"], "GET", path).status_code == 200
    # GIVEN its expiry day has passed (the record moved back in time through the repository's model)
    ApiKeyModel(key_id=created["api_key"]["key_id"]).update(actions=[ApiKeyModel.expires_on.set("2020-01-31")])
    # THEN the key is refused and listed as expired
    refused = with_key(base_url, created["secret"], "GET", path)
    assert refused.status_code == 401 and error_code(refused) == "api_key_invalid"
    shown = listed(company.user, company.cif, created["api_key"]["key_id"])
    assert shown["expired"] and not shown["active"]


def test_last_use_is_written_once_a_minute_not_per_request(company, base_url):
    created = create_key(company.user, company.cif, ["documents:read"])
    path = f"/companies/{company.cif}/documents"
    assert with_key(base_url, created["secret"], "GET", path).status_code == 200
    first = listed(company.user, company.cif, created["api_key"]["key_id"])["last_used_at"]
    for _ in range(3):
        assert with_key(base_url, created["secret"], "GET", path).status_code == 200
    # within the same minute the recorded use stays the first one: no write per request
    assert first is not None
    assert listed(company.user, company.cif, created["api_key"]["key_id"])["last_used_at"] == first


def test_a_key_stops_when_its_creator_no_longer_administers_the_company(new_user, proven_company, fresh_cif,
                                                                       base_url):
    # GIVEN an admin (invited by the owner) who created a key
    owner, admin, cif = new_user(), new_user(), fresh_cif()
    proven_company(owner, cif)
    invite_and_accept(owner, admin, cif, "admin")
    secret = create_key(admin, cif, ["documents:read"])["secret"]
    assert with_key(base_url, secret, "GET", f"/companies/{cif}/documents").status_code == 200
    # WHEN the owner makes them a viewer
    admin_id = admin.call("GET", "/account").json()["user_id"]
    assert owner.call("PUT", f"/companies/{cif}/members/{admin_id}", json={"role": "viewer"}).status_code == 204
    # THEN their key stops at once, and as a viewer they may not manage keys any more
    refused = with_key(base_url, secret, "GET", f"/companies/{cif}/documents")
    assert refused.status_code == 401 and error_code(refused) == "api_key_invalid"
    listing = admin.call("GET", f"/companies/{cif}/api-keys")
    assert listing.status_code == 403 and error_code(listing) == "not_allowed"


# -- scopes on every route ---------------------------------------------------------------------

def test_every_operation_of_the_openapi_document_admits_only_keys_with_its_scope(company, base_url):
    everything = create_key(company.user, company.cif, list(SCOPES))["secret"]
    scoped = [op for op in operations() if op[2] is not None]
    assert {scope for _, _, scope in scoped} == set(SCOPES)
    assert all("{cif}" in path for path, _, _ in scoped)  # a key only reaches its own company's routes
    assert len(operations()) > 40  # the whole document, not a few routes
    for path, method, scope in operations():
        url = concrete(path, company.cif)
        body = VALID_BODIES.get((path, method), {})
        if scope is None:
            # THEN no key reaches a route without a scope: account, members, keys, ANAF, auth…
            answer = with_key(base_url, everything, method, url, json=body)
            assert answer.status_code == 403, (method, path, answer.status_code)
            assert error_code(answer) == "api_key_not_allowed", (method, path, answer.text)
            continue
        # a key with every other scope is refused with a stable code naming the missing one
        others = create_key(company.user, company.cif, [s for s in SCOPES if s != scope])["secret"]
        refused = with_key(base_url, others, method, url, json=body)
        assert refused.status_code == 403, (method, path, refused.status_code)
        assert error_code(refused) == "api_key_scope_missing"
        assert refused.json()["error"]["details"]["scope"] == scope
        # and the key with the scope gets past the gate to the route itself
        reached = with_key(base_url, everything, method, url, json=body)
        assert reached.status_code not in (401, 403), (method, path, reached.text)
        revoke_all_but(company, everything)


def revoke_all_but(company: Proven, keep: str) -> None:
    """Keep the company under its active-key ceiling while the test makes many keys."""
    for key in company.user.call("GET", f"/companies/{company.cif}/api-keys").json()["api_keys"]:
        if key["active"] and not keep.startswith(key["prefix"] + "_"):
            company.user.call("DELETE", f"/companies/{company.cif}/api-keys/{key['key_id']}")


def test_a_read_key_cannot_start_a_sync_or_an_export(company, base_url):
    secret = create_key(company.user, company.cif, ["documents:read"])["secret"]
    sync = with_key(base_url, secret, "POST", f"/companies/{company.cif}/sync")
    export = with_key(base_url, secret, "POST", f"/companies/{company.cif}/exports",
                      json={"format": "csv", "filters": {}})
    members = with_key(base_url, secret, "GET", f"/companies/{company.cif}/members")
    assert (sync.status_code, error_code(sync)) == (403, "api_key_scope_missing")
    assert (export.status_code, error_code(export)) == (403, "api_key_scope_missing")
    assert (members.status_code, error_code(members)) == (403, "api_key_not_allowed")


def test_a_key_of_company_a_gets_404_on_company_b(company, base_url, local_stack):
    # GIVEN company B of another owner, and A's key with every scope
    other = proven_company(base_url, local_stack.ports.sandbox_url)
    secret = create_key(company.user, company.cif, list(SCOPES))["secret"]
    # THEN every route a key may reach answers 404 for B, as to any outsider
    for path, method, scope in operations():
        if scope is None:
            continue
        answer = with_key(base_url, secret, method, concrete(path, other.cif),
                          json=VALID_BODIES.get((path, method), {}))
        assert answer.status_code == 404, (method, path, answer.text)
        assert error_code(answer) == "company_not_found"
    # AND B's own owner cannot see or revoke A's keys
    key_id = secret.split("_")[1]
    assert other.user.call("GET", f"/companies/{company.cif}/api-keys").status_code == 404
    assert other.user.call("DELETE", f"/companies/{company.cif}/api-keys/{key_id}").status_code == 404
    assert other.user.call("DELETE", f"/companies/{other.cif}/api-keys/{key_id}").status_code == 404
    assert with_key(base_url, secret, "GET", f"/companies/{company.cif}/documents").status_code == 200


def test_only_active_owners_and_admins_manage_keys(company, base_url, local_stack):
    stranger = sign_up(base_url)
    pending_cif = new_company(local_stack.ports.sandbox_url)
    assert stranger.call("POST", "/companies", json={"cif": pending_cif}).status_code == 201
    for path in (f"/companies/{company.cif}/api-keys", f"/companies/{pending_cif}/api-keys"):
        answer = stranger.call("POST", path, json={"name": "k", "scopes": ["documents:read"]})
        assert answer.status_code == 404 and error_code(answer) == "company_not_found", answer.text


# -- conditional reads ---------------------------------------------------------------------------

@pytest.mark.parametrize("by_key", [True, False], ids=["api key", "signed-in user"])
def test_document_reads_carry_an_etag_and_answer_304_while_unchanged(company, base_url, by_key):
    secret = create_key(company.user, company.cif, ["documents:read"])["secret"] if by_key else None

    def get(path: str, **headers: str) -> requests.Response:
        if secret:
            return with_key(base_url, secret, "GET", path, headers=headers)
        return company.user.call("GET", path, headers=headers)

    for path in (f"/companies/{company.cif}/documents", f"/companies/{company.cif}/documents/{company.message_id}"):
        first = get(path)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and re.fullmatch(r'"[0-9a-f]{40}"', etag)
        unchanged = get(path, **{"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["ETag"] == etag
        stale = get(path, **{"If-None-Match": '"0000"'})
        assert stale.status_code == 200 and stale.json() == first.json()
    filtered = get(f"/companies/{company.cif}/documents", **{"If-None-Match": etag})
    assert filtered.status_code == 200  # the list's tag is not the detail's


# -- at rest -------------------------------------------------------------------------------------

def test_the_table_holds_hashes_never_secrets(company, settings):
    secret = create_key(company.user, company.cif, ["documents:read", "sync:write"])["secret"]
    table = boto3.resource("dynamodb", endpoint_url=settings.aws_endpoint_url,
                           region_name=settings.region).Table(settings.api_keys_table)
    items = table.scan()["Items"]
    assert items
    stored = repr(items)
    random_part = secret[len("arh_") + 10 + 1:]  # it may hold "_" itself
    assert len(random_part) == 43 and random_part not in stored
    mine = next(item for item in items if secret.startswith(f"arh_{item['key_id']}_"))
    assert mine["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()


def test_creating_and_revoking_a_key_are_in_the_security_journal_without_the_secret(company):
    created = create_key(company.user, company.cif, ["exports:write", "documents:read"], name="Journal key")
    key_id, secret = created["api_key"]["key_id"], created["secret"]
    assert company.user.call("DELETE", f"/companies/{company.cif}/api-keys/{key_id}").status_code == 204
    journal = company.user.call("GET", f"/companies/{company.cif}/audit")
    assert journal.status_code == 200 and secret not in journal.text
    events = [e for e in journal.json()["events"] if e["details"].get("prefix") == key_id]
    assert [e["event"] for e in events] == ["api_key_revoked", "api_key_created"]  # newest first
    assert events[1]["label"] == "Cheie API creată"
    assert events[1]["summary"] == f"cheia {key_id} „Journal key”; drepturi: documents:read, exports:write"

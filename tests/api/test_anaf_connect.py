"""Connecting companies to ANAF against the sandbox: the browser step, its callback, links,
disconnect, the encrypted rotating tokens and the reminders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib import dependencies
from chalicelib.anaf.models import TokenPair
from chalicelib.services.credentials import CredentialInvalid
from chalicelib.services.reminders import send_reminders
from chalicelib.storage.aws import aws_client
from chalicelib.storage.models import AnafCredentialModel, CompanyModel
from local.mailbox import sent_mail
from tests.api.conftest import at_anaf, authorize, back_to_arhivar, issue_certificate
from tests.api.proven import invite_and_accept


@pytest.fixture(scope="module")
def world(local_stack) -> dict:
    return requests.get(f"{local_stack.ports.sandbox_url}/__sandbox/world", timeout=10).json()


@pytest.fixture(scope="module")
def certificates(world) -> dict[str, dict]:
    """By holder: Popescu (3 CIFs), Ionescu (4 others), Rădulescu (all), Dumitrescu (none)."""
    return {c["holder"].split()[0]: c for c in world["certificates"]}


@pytest.fixture(scope="module")
def take(certificates):
    """A CIF the holder's certificate covers that no test of this module registered yet.
    Rădulescu's certificate covers every company: it gets the ones the others do not."""
    used: set[str] = set()
    others = {cif for holder in ("Popescu", "Ionescu") for cif in certificates[holder]["cifs"]}

    def pick(holder: str) -> str:
        order = sorted(certificates[holder]["cifs"], key=lambda cif: cif in others)
        cif = next(cif for cif in order if cif not in used)
        used.add(cif)
        return cif
    return pick


def test_an_authorization_attaches_only_the_company_asked_for(new_user, certificates, take):
    # GIVEN a user with two companies of Popescu's certificate and one it does not cover
    popescu = certificates["Popescu"]
    user = new_user()
    first, second, other = take("Popescu"), take("Popescu"), take("Ionescu")
    for cif in (first, second, other):
        answer = user.call("POST", "/companies", json={"cif": cif})
        assert answer.status_code == 201 and answer.json()["company"]["membership_state"] == "pending"

    # WHEN they authorize the first with Popescu's certificate
    result = authorize(user, first, popescu["serial"])

    # THEN the first is proven and authorized for about a year; the others wait for their own
    # authorization (the certificate covering the second proves nothing the user did not ask)
    assert result["path"] == "/companii" and result["cif"] == first
    assert result["anaf"] in ("connected", "proven") and result["covered"] == first
    rows = {c["cif"]: c for c in user.call("GET", "/companies").json()["companies"]}
    badge = rows[first]["authorization"]
    assert rows[first]["membership_state"] == "active" and badge["state"] == "authorized"
    until = datetime.fromisoformat(badge["until"])
    assert timedelta(days=360) < until - datetime.now(UTC) <= timedelta(days=366)
    assert badge["label"] == f"autorizat până la {until.strftime('%d.%m.%Y')}"
    assert rows[second]["membership_state"] == "pending" and rows[other]["membership_state"] == "pending"
    # AND it is due for a sync right away
    assert CompanyModel.get(first).next_sync_at <= datetime.now(UTC)


def test_tokens_are_encrypted_at_rest(settings, new_user, fresh_cif, local_stack):
    user = new_user()
    cif = fresh_cif()
    user.call("POST", "/companies", json={"cif": cif})
    assert authorize(user, cif, issue_certificate(local_stack.ports.sandbox_url, [cif]))["anaf"] == "connected"
    credential_id = CompanyModel.get(cif).credential_id
    raw = aws_client(settings, "dynamodb").get_item(
        TableName=settings.credentials_table, Key={"credential_id": {"S": credential_id}})["Item"]
    access = dependencies.credential_vault().access_token(credential_id)
    assert access.count(".") == 2  # a JWT, usable
    dumped = repr(raw)
    assert access not in dumped and access[:40] not in dumped
    assert "eyJ" not in dumped  # no JWT of any kind in clear


def test_a_certificate_without_rights_and_a_cancel_prove_nothing(new_user, certificates, fresh_cif):
    user = new_user()
    cif = fresh_cif()
    user.call("POST", "/companies", json={"cif": cif})
    assert authorize(user, cif, certificates["Dumitrescu"]["serial"])["anaf"] == "no_spv_rights"
    assert authorize(user, cif, None, action="cancel")["anaf"] == "cancelled"
    row = next(c for c in user.call("GET", "/companies").json()["companies"] if c["cif"] == cif)
    assert row["membership_state"] == "pending"
    assert user.call("GET", f"/companies/{cif}").status_code == 404
    assert CompanyModel.get(cif).credential_id is None


def test_a_proven_owner_whose_new_certificate_lacks_rights_is_told_so(new_user, certificates, fresh_cif, local_stack):
    user = new_user()
    cif = fresh_cif()
    user.call("POST", "/companies", json={"cif": cif})
    assert authorize(user, cif, issue_certificate(local_stack.ports.sandbox_url, [cif]))["anaf"] == "connected"
    user.call("DELETE", f"/companies/{cif}/anaf")
    assert authorize(user, cif, certificates["Dumitrescu"]["serial"])["anaf"] == "no_spv_rights"
    row = user.call("GET", f"/companies/{cif}").json()["company"]
    assert row["authorization"]["state"] == "no_spv_rights" and row["authorization"]["label"] == "fără drept SPV"


def test_a_replayed_or_forged_callback_is_rejected(new_user, base_url, fresh_cif, local_stack):
    user = new_user()
    cif = fresh_cif()
    user.call("POST", "/companies", json={"cif": cif})
    url = user.call("POST", f"/companies/{cif}/anaf/authorize").json()["authorization_url"]
    callback = at_anaf(url, issue_certificate(local_stack.ports.sandbox_url, [cif]))
    assert back_to_arhivar(callback, user.http)["anaf"] == "connected"
    assert back_to_arhivar(callback, user.http)["anaf"] == "invalid_request"  # the same state again
    forged = callback.replace("state=", "state=x")
    assert back_to_arhivar(forged, user.http)["anaf"] == "invalid_request"
    assert back_to_arhivar(f"{base_url}/api/anaf/callback?code=abc", user.http)["anaf"] == "invalid_request"


def test_a_code_older_than_sixty_seconds_is_refused_by_anaf(new_user, fresh_cif, local_stack):
    user = new_user()
    cif = fresh_cif()
    user.call("POST", "/companies", json={"cif": cif})
    url = user.call("POST", f"/companies/{cif}/anaf/authorize").json()["authorization_url"]
    callback = at_anaf(url, issue_certificate(local_stack.ports.sandbox_url, [cif]))
    clock = f"{local_stack.ports.sandbox_url}/__sandbox/clock"
    requests.post(clock, json={"advance_s": 61}, timeout=10).raise_for_status()
    try:
        assert back_to_arhivar(callback, user.http)["anaf"] == "anaf_error"
    finally:
        # Later tests file messages "now" at ANAF and expect the app's clock to agree.
        requests.post(clock, json={"advance_s": -61}, timeout=10).raise_for_status()
    assert user.call("GET", f"/companies/{cif}").status_code == 404  # still unproven
    assert CompanyModel.get(cif).credential_id is None


def test_a_pending_member_proves_rights_with_their_own_certificate(new_user, fresh_cif, local_stack):
    # GIVEN a company archived by a first account, added later by a second one (pending)
    cif = fresh_cif()
    first, second = new_user(), new_user()
    first.call("POST", "/companies", json={"cif": cif})
    assert authorize(first, cif, issue_certificate(local_stack.ports.sandbox_url, [cif]))["anaf"] == "connected"
    credential_id = CompanyModel.get(cif).credential_id
    assert second.call("POST", "/companies", json={"cif": cif}).json()["company"]["membership_state"] == "pending"
    assert second.call("GET", f"/companies/{cif}").status_code == 404

    # WHEN the second proves SPV rights with a certificate of their own, in their own browser
    result = authorize(second, cif, issue_certificate(local_stack.ports.sandbox_url, [cif], "Alt Titular"))

    # THEN they are in, and the first account's working credential keeps syncing the company
    assert result["anaf"] == "proven"
    company = second.call("GET", f"/companies/{cif}").json()["company"]
    assert company["membership_state"] == "active" and company["authorization"]["state"] == "authorized"
    assert CompanyModel.get(cif).credential_id == credential_id


def test_an_e_mailed_link_lets_the_certificate_holder_authorize_without_an_account(new_user, fresh_cif, local_stack):
    cif = fresh_cif()
    serial = issue_certificate(local_stack.ports.sandbox_url, [cif], "Contabil Titular")
    admin = new_user()
    admin.call("POST", "/companies", json={"cif": cif})  # registered, not proven yet
    assert admin.call("POST", f"/companies/{cif}/anaf/link", json={"email": "contabil@firma.ro"}).status_code == 202
    mail = next(m for m in sent_mail() if m.to == "contabil@firma.ro" and cif in m.text)
    assert mail.subject.startswith("Autorizare ANAF pentru ") and admin.email in mail.text
    link = next(word for word in mail.text.split() if "/api/anaf/link/" in word)

    holder = requests.Session()  # the holder's browser: no Arhivar session at all
    opened = holder.get(link, allow_redirects=False, timeout=10)
    assert opened.status_code == 302 and "/anaf-oauth2/v1/authorize" in opened.headers["Location"]
    result = back_to_arhivar(at_anaf(opened.headers["Location"], serial), holder)
    assert result["path"] == "/autorizare-anaf" and result["anaf"] == "connected"
    company = admin.call("GET", f"/companies/{cif}").json()["company"]
    assert company["membership_state"] == "active" and company["authorization"]["state"] == "authorized"
    # Single use: once it has authorized, the link is spent
    reused = holder.get(link, allow_redirects=False, timeout=10)
    assert "anaf=link_invalid" in reused.headers["Location"]


def test_a_link_is_spent_by_a_cancel_too(new_user, fresh_cif, local_stack):
    cif = fresh_cif()
    admin = new_user()
    admin.call("POST", "/companies", json={"cif": cif})
    email = f"titular-{cif}@firma.ro"
    admin.call("POST", f"/companies/{cif}/anaf/link", json={"email": email})
    link = next(w for m in sent_mail() if m.to == email for w in m.text.split() if "/api/anaf/link/" in w)
    holder = requests.Session()
    first = holder.get(link, allow_redirects=False, timeout=10).headers["Location"]
    second = holder.get(link, allow_redirects=False, timeout=10).headers["Location"]  # opened twice

    assert back_to_arhivar(at_anaf(first, None, action="cancel"), holder)["anaf"] == "cancelled"

    # THEN neither the link nor a state opened from it before the cancel authorizes anything
    assert "anaf=link_invalid" in holder.get(link, allow_redirects=False, timeout=10).headers["Location"]
    serial = issue_certificate(local_stack.ports.sandbox_url, [cif])
    assert back_to_arhivar(at_anaf(second, serial), holder)["anaf"] == "invalid_request"
    assert admin.call("GET", f"/companies/{cif}").status_code == 404


def test_disconnect_removes_the_credential_and_stops_syncing(new_user, fresh_cif, local_stack):
    cif = fresh_cif()
    user = new_user()
    user.call("POST", "/companies", json={"cif": cif})
    assert authorize(user, cif, issue_certificate(local_stack.ports.sandbox_url, [cif]))["anaf"] == "connected"
    credential_id = CompanyModel.get(cif).credential_id
    assert user.call("DELETE", f"/companies/{cif}/anaf").status_code == 204
    company = CompanyModel.get(cif)
    assert company.authorization_state == "revoked" and company.next_sync_at is None
    assert AnafCredentialModel.count(credential_id) == 0
    assert user.call("GET", f"/companies/{cif}").json()["company"]["authorization"]["label"] == "revocat"


# -- the vault: refresh, rotation, concurrency, revocation ------------------------------------

def _credential_for(sandbox_url: str, serial: str, cifs: list[str]) -> str:
    """A stored credential whose access token expires within the refresh margin."""
    tokens = _tokens(sandbox_url, serial)
    now = datetime.now(UTC)
    pair = TokenPair(tokens["access_token"], tokens["refresh_token"], access_expires_at=now + timedelta(days=2),
                     refresh_expires_at=now + timedelta(days=300), serial=serial)
    return dependencies.credential_vault().store(pair, "test-owner", cifs).credential_id


def _tokens(sandbox_url: str, serial: str) -> dict:
    """A fresh token pair for the certificate, through the registered OAuth client."""
    location = at_anaf(dependencies.anaf_oauth().authorization_url("t"), serial)
    pair = dependencies.anaf_oauth().exchange_code(parse_qs(urlsplit(location).query)["code"][0])
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


def _anaf_accepts(sandbox_url: str, access_token: str, cif: str) -> bool:
    answer = requests.get(f"{sandbox_url}/prod/FCTEL/rest/listaMesajeFactura", params={"zile": 1, "cif": cif},
                          headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
    return answer.status_code == 200


def test_an_access_token_near_expiry_is_refreshed_and_the_rotated_pair_stored(local_stack, certificates):
    popescu = certificates["Popescu"]
    credential_id = _credential_for(local_stack.ports.sandbox_url, popescu["serial"], popescu["cifs"])
    vault = dependencies.credential_vault()
    before = AnafCredentialModel.get(credential_id)

    token = vault.access_token(credential_id)

    after = AnafCredentialModel.get(credential_id)
    assert after.version > before.version and after.refresh_lease_until is None
    assert after.refresh_token_ciphertext != before.refresh_token_ciphertext
    assert after.access_expires_at > datetime.now(UTC) + timedelta(days=80)
    assert _anaf_accepts(local_stack.ports.sandbox_url, token, popescu["cifs"][0])
    assert vault.access_token(credential_id) == token  # fresh now: no second refresh


def test_concurrent_refreshes_never_lose_the_valid_pair(local_stack, certificates):
    popescu = certificates["Popescu"]
    credential_id = _credential_for(local_stack.ports.sandbox_url, popescu["serial"], popescu["cifs"])
    vault = dependencies.credential_vault()
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(vault.access_token(credential_id))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = vault.access_token(credential_id)
    assert _anaf_accepts(local_stack.ports.sandbox_url, stored, popescu["cifs"][0])
    # The stored refresh token is the live one: refreshing once more still works
    item = AnafCredentialModel.get(credential_id)
    item.access_expires_at = datetime.now(UTC) + timedelta(days=1)
    item.save()
    assert _anaf_accepts(local_stack.ports.sandbox_url, vault.access_token(credential_id), popescu["cifs"][0])


def test_a_revoked_grant_makes_the_credential_invalid(local_stack, certificates):
    ionescu = certificates["Ionescu"]
    credential_id = _credential_for(local_stack.ports.sandbox_url, ionescu["serial"], ionescu["cifs"])
    requests.post(f"{local_stack.ports.sandbox_url}/__sandbox/tokens/revoke",
                  json={"serial": ionescu["serial"]}, timeout=10).raise_for_status()
    with pytest.raises(CredentialInvalid):
        dependencies.credential_vault().access_token(credential_id)


def test_no_log_line_contains_a_token(local_stack, certificates, capsys, caplog):
    caplog.set_level("DEBUG")
    popescu = certificates["Popescu"]
    tokens = _tokens(local_stack.ports.sandbox_url, popescu["serial"])
    credential_id = _credential_for(local_stack.ports.sandbox_url, popescu["serial"], popescu["cifs"])
    fresh = dependencies.credential_vault().access_token(credential_id)
    output = capsys.readouterr()
    logged = output.out + output.err + caplog.text
    for secret in (tokens["access_token"], tokens["refresh_token"], fresh):
        assert secret[-30:] not in logged


# -- reminders ------------------------------------------------------------------------------

def test_admins_are_reminded_before_expiry_once_and_when_expired(new_user, fresh_cif, local_stack, settings):
    cif = fresh_cif()
    user = new_user()
    user.call("POST", "/companies", json={"cif": cif})
    assert authorize(user, cif, issue_certificate(local_stack.ports.sandbox_url, [cif]))["anaf"] == "connected"
    credential = AnafCredentialModel.get(CompanyModel.get(cif).credential_id)
    today = datetime.now(UTC).date()
    credential.refresh_expires_at = datetime.now(UTC) + timedelta(days=7)
    credential.expiry_day = (today + timedelta(days=7)).isoformat()
    credential.save()

    assert send_reminders(today, dependencies.notifications(), dependencies.webhook_events()) >= 1
    mail = next(m for m in sent_mail() if m.to == user.email)
    assert mail.subject == "Autorizarea ANAF expiră în 7 zile"
    assert f"{settings.public_url}/companii?autorizeaza={cif}" in mail.text
    count = sum(1 for m in sent_mail() if m.to == user.email)
    send_reminders(today, dependencies.notifications(), dependencies.webhook_events())  # a retried run
    assert sum(1 for m in sent_mail() if m.to == user.email) == count

    credential = AnafCredentialModel.get(credential.credential_id)
    credential.expiry_day = (today - timedelta(days=1)).isoformat()
    credential.save()
    send_reminders(today, dependencies.notifications(), dependencies.webhook_events())
    assert next(m for m in sent_mail() if m.to == user.email).subject.startswith("Autorizarea ANAF a expirat")


def test_disconnecting_a_shared_credential_does_not_switch_off_another_accounts_companies(
        new_user, fresh_cif, local_stack):
    # GIVEN an owner's credential that serves two companies (one certificate, as before the
    # one-company rule), and a colleague who is admin of only one of them
    first, second = fresh_cif(), fresh_cif()
    owner, colleague = new_user(), new_user()
    for cif in (first, second):
        owner.call("POST", "/companies", json={"cif": cif})
        certificate = issue_certificate(local_stack.ports.sandbox_url, [first, second])
        assert authorize(owner, cif, certificate)["anaf"] == "connected"
    credential_id = CompanyModel.get(first).credential_id
    CompanyModel(cif=second).update(actions=[CompanyModel.credential_id.set(credential_id)])
    AnafCredentialModel.get(credential_id).update(actions=[AnafCredentialModel.cifs.add({second})])
    invite_and_accept(owner, colleague, first, "admin")

    # WHEN the colleague disconnects the company they administer
    assert colleague.call("DELETE", f"/companies/{first}/anaf").status_code == 204

    # THEN only that company stops; the owner's other company and the credential stay
    assert CompanyModel.get(first).authorization_state == "revoked"
    assert CompanyModel.get(second).authorization_state == "authorized"
    assert CompanyModel.get(second).credential_id == credential_id
    assert AnafCredentialModel.count(credential_id) == 1

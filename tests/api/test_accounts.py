"""Accounts over HTTP: sign-up with terms, confirmation by e-mailed code, login, refresh cookie,
logout, password reset and change, account deletion."""

from __future__ import annotations

import requests

from chalicelib.domain.terms import TERMS_VERSION
from chalicelib.storage.models import AccountModel
from local.mailbox import sent_mail
from tests.api.conftest import PASSWORD, User, email_address, last_code, sign_up


def test_sign_up_stores_the_accepted_terms_and_e_mails_a_romanian_code(base_url, settings):
    user = User(base_url, email_address())
    answer = user.call("POST", "/auth/signup", json={
        "email": "  " + user.email.upper() + " ", "password": PASSWORD, "accepted_terms_version": TERMS_VERSION})
    assert answer.status_code == 201
    mail = next(m for m in sent_mail() if m.to == user.email)
    assert mail.subject.startswith("Codul de confirmare Arhivar: ")
    assert "valabil 24 de ore" in mail.text

    # Not confirmed yet: login says so, in Romanian
    login = user.call("POST", "/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 403
    assert login.json()["error"]["code"] == "account_not_confirmed"

    assert user.call("POST", "/auth/confirm", json={"email": user.email, "code": last_code(user.email)}).ok
    user.log_in()
    account = user.call("GET", "/account").json()
    assert account["email"] == user.email and account["terms_version"] == TERMS_VERSION
    assert AccountModel.get(account["user_id"]).terms_accepted_at is not None


def test_terms_must_be_accepted_and_weak_passwords_are_explained(base_url):
    user = User(base_url, email_address())
    no_terms = user.call("POST", "/auth/signup", json={
        "email": user.email, "password": PASSWORD, "accepted_terms_version": ""})
    assert no_terms.status_code == 400 and no_terms.json()["error"]["code"] == "terms_not_accepted"
    weak = user.call("POST", "/auth/signup", json={
        "email": user.email, "password": "parola", "accepted_terms_version": TERMS_VERSION})
    assert weak.status_code == 400
    error = weak.json()["error"]
    assert error["code"] == "weak_password"
    assert "cel puțin 12 caractere" in error["message"] and "o literă mare" in error["message"]


def test_a_wrong_code_is_refused_and_codes_are_limited(base_url):
    user = User(base_url, email_address())
    user.call("POST", "/auth/signup", json={"email": user.email, "password": PASSWORD,
                                           "accepted_terms_version": TERMS_VERSION})
    good = last_code(user.email)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        answer = user.call("POST", "/auth/confirm", json={"email": user.email, "code": wrong})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_code"
    # After five wrong attempts even the right code no longer works: a new one is needed
    assert user.call("POST", "/auth/confirm", json={"email": user.email, "code": good}).status_code == 400
    assert user.call("POST", "/auth/resend-code", json={"email": user.email}).status_code == 202
    resent = user.call("POST", "/auth/resend-code", json={"email": user.email})
    assert resent.status_code == 429  # the new code went out less than a minute ago


def test_a_duplicate_account_is_refused(base_url):
    user = sign_up(base_url)
    again = user.call("POST", "/auth/signup", json={"email": user.email, "password": PASSWORD,
                                                    "accepted_terms_version": TERMS_VERSION})
    assert again.status_code == 409 and again.json()["error"]["code"] == "account_exists"


def test_wrong_password_and_unknown_e_mail_look_the_same(base_url):
    user = sign_up(base_url)
    wrong = user.call("POST", "/auth/login", json={"email": user.email, "password": PASSWORD + "x"})
    unknown = user.call("POST", "/auth/login", json={"email": email_address(), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_the_refresh_cookie_keeps_the_session_and_logout_ends_it(base_url):
    user = sign_up(base_url)
    cookie = user.http.cookies.get("arhivar_refresh")
    assert cookie  # set by login, HttpOnly, path /api/auth
    refreshed = user.call("POST", "/auth/refresh", headers={"X-Arhivar-Client": "web"})
    assert refreshed.status_code == 200 and refreshed.json()["access_token"]
    # A cross-site form cannot add the header: refused
    assert user.call("POST", "/auth/refresh").status_code == 403

    assert user.call("POST", "/auth/logout").status_code == 204
    assert not user.http.cookies.get("arhivar_refresh")
    stolen = requests.post(f"{base_url}/api/auth/refresh", cookies={"arhivar_refresh": cookie},
                           headers={"X-Arhivar-Client": "web"}, timeout=10)
    assert stolen.status_code == 401


def test_protected_routes_refuse_missing_forged_and_foreign_tokens(base_url):
    user = sign_up(base_url)
    assert requests.get(f"{base_url}/api/account", timeout=10).status_code == 401
    token = user.http.headers["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    answer = requests.get(f"{base_url}/api/account", headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "not_authenticated"


def test_password_reset_by_e_mailed_code(base_url):
    user = sign_up(base_url)
    assert user.call("POST", "/auth/forgot-password", json={"email": user.email}).status_code == 202
    # Unknown addresses get the same answer (no account enumeration)
    assert user.call("POST", "/auth/forgot-password", json={"email": email_address()}).status_code == 202
    code = last_code(user.email)
    new_password = "Altă-Parolă-Bună-2027?"
    reset = user.call("POST", "/auth/reset-password",
                      json={"email": user.email, "code": code, "password": new_password})
    assert reset.status_code == 200
    user.password = new_password
    user.log_in()
    # The code is single-use
    again = user.call("POST", "/auth/reset-password",
                      json={"email": user.email, "code": code, "password": new_password})
    assert again.status_code == 400


def test_change_password_checks_the_current_one(base_url):
    user = sign_up(base_url)
    wrong = user.call("POST", "/account/password", json={"current_password": "Nu-Este-Asta-1!",
                                                         "new_password": "Parola-Noua-2026!"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_password"
    changed = user.call("POST", "/account/password", json={"current_password": PASSWORD,
                                                          "new_password": "Parola-Noua-2026!"})
    # Every session ends; the caller gets a new one (and a new refresh cookie)
    assert changed.status_code == 200 and changed.json()["access_token"]
    assert "arhivar_refresh=" in changed.headers["Set-Cookie"]
    user.http.headers["Authorization"] = f"Bearer {changed.json()['access_token']}"
    assert user.call("GET", "/account").status_code == 200
    user.password = "Parola-Noua-2026!"
    user.log_in()


def test_deleting_the_account_needs_the_password_and_ends_access(base_url):
    user = sign_up(base_url)
    assert user.call("DELETE", "/account", json={"password": "gresit"}).status_code == 400
    assert user.call("DELETE", "/account", json={"password": PASSWORD}).status_code == 204
    login = user.call("POST", "/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 401


def test_bodies_are_validated_with_stable_codes(base_url):
    user = User(base_url, email_address())
    unknown = user.call("POST", "/auth/login", json={"email": user.email, "password": "x", "admin": True})
    assert unknown.status_code == 400
    assert unknown.json()["error"] == {"code": "invalid_request", "message": "Câmpul „admin” nu este permis.",
                                       "details": {"field": "admin"}}
    missing = user.call("POST", "/auth/login", json={"email": user.email})
    assert missing.json()["error"]["message"] == "Câmpul „password” este obligatoriu."
    bad_email = user.call("POST", "/auth/login", json={"email": "nu-e-email", "password": "x"})
    assert bad_email.json()["error"]["message"] == "Introduceți o adresă de e-mail validă."
    not_json = user.call("POST", "/auth/login", data=b"{nu json", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_request"
    huge = user.call("POST", "/auth/login", json={"email": user.email, "password": "x" * 20000})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"

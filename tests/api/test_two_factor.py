"""Two-factor login over HTTP: enrolment with Cognito's TOTP, sign-in with a code or a recovery
code (each once), wrong codes refused and counted, turning it off, and a company's requirement."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests

from chalicelib.storage.models import AccountModel
from tests.api.conftest import User
from tests.api.proven import invite_and_accept
from tests.totp import current_code, wrong_code


def enrol(user: User) -> tuple[str, list[str]]:
    started = user.call("POST", "/account/two-factor/setup")
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    confirmed = user.call("POST", "/account/two-factor/confirm", json={"code": current_code(secret)})
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def password_step(user: User) -> str:
    answer = user.call("POST", "/auth/login", json={"email": user.email, "password": user.password})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["challenge"] == "totp" and "access_token" not in body
    return body["session"]


def code_step(user: User, session: str, code: str):
    return user.call("POST", "/auth/login/totp", json={"session": session, "code": code})


def user_id(user: User) -> str:
    return user.call("GET", "/account").json()["user_id"]


class Enrolled(NamedTuple):
    user: User  # signed in when they enrolled
    secret: str  # what their authenticator app holds
    recovery_codes: list[str]
    browser: User  # the same person in another browser, not signed in


@pytest.fixture
def enrolled(new_user, base_url) -> Enrolled:
    """A user who turned two-factor login on."""
    user = new_user()
    secret, codes = enrol(user)
    return Enrolled(user, secret, codes, User(base_url, user.email))


def test_enrolment_shows_the_secret_checks_the_first_code_and_gives_recovery_codes_once(new_user):
    user = new_user()
    # GIVEN a user without two-factor login
    assert user.call("GET", "/account/two-factor").json()["enabled"] is False

    # WHEN they start enrolling, THEN they get the secret as text and as an otpauth:// link
    started = user.call("POST", "/account/two-factor/setup").json()
    link = urlsplit(started["otpauth_uri"])
    assert link.scheme == "otpauth" and link.netloc == "totp"
    assert parse_qs(link.query)["secret"] == [started["secret"]]
    assert parse_qs(link.query)["issuer"] == ["Arhivar"] and user.email in link.path

    # WHEN the first code is wrong, THEN nothing is turned on
    wrong = user.call("POST", "/account/two-factor/confirm", json={"code": wrong_code(started["secret"])})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_totp_code"
    assert user.call("GET", "/account/two-factor").json()["enabled"] is False

    # WHEN the app's current code confirms it, THEN it is on, with ten distinct recovery codes
    confirmed = user.call("POST", "/account/two-factor/confirm",
                          json={"code": current_code(started["secret"])})
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    status = user.call("GET", "/account/two-factor").json()
    assert status["enabled"] is True and status["recovery_codes_left"] == 10

    # THEN the codes are stored only as hashes, and enrolling again is refused
    stored = AccountModel.get(user_id(user))
    assert len(stored.recovery_codes) == 10 and not set(codes) & set(stored.recovery_codes)
    assert stored.totp_secret_ciphertext and started["secret"].encode() not in stored.totp_secret_ciphertext
    again = user.call("POST", "/account/two-factor/setup")
    assert again.status_code == 409 and again.json()["error"]["code"] == "two_factor_already_enabled"


def test_login_needs_the_app_code_after_the_password(enrolled):
    user, secret, _, browser = enrolled

    # WHEN they sign in with the password, THEN they get a challenge, not a session
    session = password_step(browser)

    # WHEN they answer with the app's code, THEN they are signed in (token and refresh cookie)
    answer = code_step(browser, session, current_code(secret))
    assert answer.status_code == 200, answer.text
    assert "arhivar_refresh=" in answer.headers["Set-Cookie"]
    browser.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    assert browser.call("GET", "/account").json()["email"] == user.email

    # AND the same challenge cannot be answered twice
    replay = code_step(browser, session, current_code(secret))
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "login_challenge_expired"


def test_wrong_codes_are_refused_counted_and_end_the_sign_in_after_five(enrolled):
    user, secret, _, browser = enrolled
    session = password_step(browser)

    # WHEN five wrong codes are tried, THEN each is refused and counted
    for _ in range(5):
        wrong = code_step(browser, session, wrong_code(secret))
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_totp_code"
    assert AccountModel.get(user_id(user)).two_factor_failures == 5

    # THEN even the right code no longer completes that sign-in: the password is asked again
    late = code_step(browser, session, current_code(secret))
    assert late.status_code == 401 and late.json()["error"]["code"] == "login_challenge_expired"

    # WHEN five more wrong codes follow on a new sign-in, THEN the account's second step locks
    session = password_step(browser)
    for _ in range(5):
        assert code_step(browser, session, wrong_code(secret)).status_code == 400
    session = password_step(browser)
    locked = code_step(browser, session, current_code(secret))
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_attempts"


def test_parallel_wrong_codes_get_no_more_than_five_answers_from_one_sign_in(enrolled, base_url):
    user, secret, _, browser = enrolled
    session = password_step(browser)
    wrong = wrong_code(secret)

    # WHEN eight wrong codes arrive at once for one sign-in
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: code_step(User(base_url, user.email), session, wrong), range(8)))

    # THEN five are checked (and refused), the others find the sign-in used up
    codes = sorted(a.json()["error"]["code"] for a in answers)
    assert codes == ["invalid_totp_code"] * 5 + ["login_challenge_expired"] * 3


def test_a_recovery_code_signs_in_once_and_its_use_is_recorded(enrolled):
    user, _, codes, browser = enrolled

    # WHEN they sign in with a recovery code (typed in capitals, without the dash)
    answer = code_step(browser, password_step(browser), codes[3].replace("-", "").upper())

    # THEN they are signed in, and the code is used up and recorded
    assert answer.status_code == 200, answer.text
    status = user.call("GET", "/account/two-factor").json()
    assert status["recovery_codes_left"] == 9 and status["recovery_codes_used"] == 1
    assert status["recovery_code_last_used_at"].endswith("Z")
    used = AccountModel.get(user_id(user)).recovery_codes_used
    assert [u.purpose for u in used] == ["login"]

    # WHEN the same code is tried again, THEN it is refused
    again = code_step(browser, password_step(browser), codes[3])
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_totp_code"
    # AND an invented one too
    invented = code_step(browser, password_step(browser), "abcde-fghjk")
    assert invented.status_code == 400


def test_turning_it_off_needs_the_password_and_a_code(new_user, base_url):
    user = new_user()
    secret, _ = enrol(user)

    wrong_password = user.call("DELETE", "/account/two-factor",
                               json={"password": "Nu-Este-Parola-1!", "code": current_code(secret)})
    assert wrong_password.status_code == 400 and wrong_password.json()["error"]["code"] == "wrong_password"
    wrong = user.call("DELETE", "/account/two-factor", json={"password": user.password, "code": wrong_code(secret)})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_totp_code"
    assert user.call("GET", "/account/two-factor").json()["enabled"] is True

    off = user.call("DELETE", "/account/two-factor", json={"password": user.password, "code": current_code(secret)})
    assert off.status_code == 204
    # THEN the password alone signs in again
    User(base_url, user.email).log_in()
    assert user.call("GET", "/account/two-factor").json() == {
        "enabled": False, "enabled_at": None, "recovery_codes_left": 0, "recovery_codes_used": 0,
        "recovery_code_last_used_at": None, "required_by": []}


def test_bad_second_step_input_is_a_stable_error_never_a_500(base_url):
    anonymous = User(base_url, "nimeni@exemplu.ro")
    for body in ({"session": "x", "code": "123456"}, {"session": "nu-exista.abc", "code": "123456"},
                 {"session": ".", "code": "abcdef-ghij"}):
        answer = anonymous.call("POST", "/auth/login/totp", json=body)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "login_challenge_expired"
    missing = anonymous.call("POST", "/auth/login/totp", json={"session": "x"})
    assert missing.status_code == 400 and missing.json()["error"]["details"]["field"] == "code"


def test_a_company_can_require_two_factor_login_of_its_members(new_user, fresh_cif, proven_company):
    owner, member, outsider, cif = new_user(), new_user(), new_user(), fresh_cif()
    proven_company(owner, cif)
    invite_and_accept(owner, member, cif, "viewer")

    # GIVEN an owner without two-factor login: they cannot require it of others
    early = owner.call("PUT", f"/companies/{cif}/security", json={"two_factor_required": True})
    assert early.status_code == 409 and early.json()["error"]["code"] == "two_factor_required"

    # WHEN the owner enrols and requires it
    enrol(owner)
    required = owner.call("PUT", f"/companies/{cif}/security", json={"two_factor_required": True})
    assert required.status_code == 200 and required.json() == {"two_factor_required": True}

    # THEN a member without it is refused on the company's routes, app and blueprints alike
    for method, path in (("GET", f"/companies/{cif}"), ("GET", f"/companies/{cif}/members"),
                         ("GET", f"/companies/{cif}/documents"), ("GET", f"/companies/{cif}/security")):
        refused = member.call(method, path)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"]["code"] == "two_factor_required"
    assert member.call("GET", "/account/two-factor").json()["required_by"] == [cif]
    # AND only owners change the setting (a viewer with two-factor login is told so)
    member_secret, _ = enrol(member)
    assert member.call("GET", f"/companies/{cif}").status_code == 200
    viewer_change = member.call("PUT", f"/companies/{cif}/security", json={"two_factor_required": False})
    assert viewer_change.status_code == 403 and viewer_change.json()["error"]["code"] == "not_allowed"
    # AND a member of such a company cannot turn theirs off
    off = member.call("DELETE", "/account/two-factor",
                      json={"password": member.password, "code": current_code(member_secret)})
    assert off.status_code == 409 and off.json()["error"]["code"] == "two_factor_required_by_company"

    # AND an outsider still learns nothing: 404, not 403
    hidden = outsider.call("GET", f"/companies/{cif}")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "company_not_found"
    assert outsider.call("PUT", f"/companies/{cif}/security",
                         json={"two_factor_required": False}).status_code == 404

    # WHEN the owner lifts the requirement, THEN members without it are let in again
    assert owner.call("PUT", f"/companies/{cif}/security",
                      json={"two_factor_required": False}).json() == {"two_factor_required": False}
    assert owner.call("GET", f"/companies/{cif}/security").json() == {"two_factor_required": False}


def test_pyotp_and_the_server_agree_on_the_current_code():
    # The server computes a code from the stored secret for recovery sign-ins (RFC 6238).
    from datetime import UTC, datetime

    from chalicelib.services.two_factor import _current_code

    secret = pyotp.random_base32()
    now = datetime(2026, 12, 2, 3, 0, 7, tzinfo=UTC)
    assert _current_code(secret, now) == pyotp.TOTP(secret).at(now)


def test_turning_it_off_still_needs_a_code_when_cognito_stopped_asking(new_user, settings):
    from chalicelib.storage.aws import aws_client

    user = new_user()
    secret, codes = enrol(user)
    # GIVEN Cognito's MFA turned off behind Arhivar's back (an administrator in the console)
    aws_client(settings, "cognito-idp").admin_set_user_mfa_preference(
        UserPoolId=settings.cognito_user_pool_id, Username=user.email,
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})

    # WHEN the user turns it off with a wrong code, THEN it is refused all the same
    wrong = user.call("DELETE", "/account/two-factor", json={"password": user.password, "code": wrong_code(secret)})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_totp_code"
    assert user.call("GET", "/account/two-factor").json()["enabled"] is True

    # WHEN a recovery code proves it, THEN it is off
    off = user.call("DELETE", "/account/two-factor", json={"password": user.password, "code": codes[0]})
    assert off.status_code == 204
    assert user.call("GET", "/account/two-factor").json()["enabled"] is False


# -- with the accounts rules: sessions, failed-login limits, password checks -----------------

def test_a_two_factor_session_is_recorded_refreshes_and_ends_at_logout(enrolled, base_url):
    user, secret, _, browser = enrolled
    # WHEN they sign in with both steps
    answer = code_step(browser, password_step(browser), current_code(secret))
    assert answer.status_code == 200, answer.text
    token = f"Bearer {answer.json()['access_token']}"
    browser.http.headers["Authorization"] = token
    # THEN the session is among the account's open sessions: the token and its refresh work
    assert len(AccountModel.get(user_id(user)).sessions) == 2  # the enrolling one and this one
    assert browser.call("GET", "/account").status_code == 200
    refreshed = browser.call("POST", "/auth/refresh", headers={"X-Arhivar-Client": "web"})
    assert refreshed.status_code == 200, refreshed.text
    # AND logout ends it, as it ends a one-step login
    assert browser.call("POST", "/auth/logout").status_code == 204
    old = requests.get(f"{base_url}/api/account", headers={"Authorization": token}, timeout=10)
    assert old.status_code == 401 and old.json()["error"]["code"] == "not_authenticated"


def test_failed_code_steps_count_against_the_client_ips_failed_logins(new_user, base_url):
    user = new_user()
    secret, _ = enrol(user)
    ip = {"X-Forwarded-For": f"198.51.100.250, 10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"}

    def step(path: str, payload: dict) -> requests.Response:
        return requests.post(f"{base_url}/api{path}", json=payload, headers=ip, timeout=30)
    # GIVEN a two-factor login from one IP: neither its password step nor its code step counts
    session = step("/auth/login", {"email": user.email, "password": user.password}).json()["session"]
    assert step("/auth/login/totp", {"session": session, "code": current_code(secret)}).status_code == 200
    # WHEN that IP fails the code step 50 times (sign-ins that do not exist)
    answers = [step("/auth/login/totp", {"session": f"{i}.nu-exista", "code": "123456"}) for i in range(50)]
    assert {a.status_code for a in answers} == {401}
    # THEN the IP is refused at both steps, even with the right password
    for path, payload in (("/auth/login/totp", {"session": "x.y", "code": "123456"}),
                          ("/auth/login", {"email": user.email, "password": user.password})):
        refused = step(path, payload)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited", refused.text
        assert int(refused.headers["Retry-After"]) >= 1


def test_a_password_change_with_two_factor_login_gives_a_working_session(new_user, base_url):
    user = new_user()
    secret, _ = enrol(user)
    new_password = "Parola-Schimbată-2026!"
    changed = user.call("POST", "/account/password",
                        json={"current_password": user.password, "new_password": new_password})
    assert changed.status_code == 200, changed.text
    # THEN the old token is refused and the new one works
    assert user.call("GET", "/account").status_code == 401
    user.http.headers["Authorization"] = f"Bearer {changed.json()['access_token']}"
    assert user.call("GET", "/account/two-factor").json()["enabled"] is True
    # AND the next sign-in still asks for the code
    browser = User(base_url, user.email, new_password)
    assert code_step(browser, password_step(browser), current_code(secret)).status_code == 200


def test_turning_it_off_counts_as_a_current_password_check(new_user):
    user = new_user()
    secret, _ = enrol(user)
    wrong = [user.call("DELETE", "/account/two-factor", json={"password": "Nu-Este-Parola-1!", "code": "123456"})
             for _ in range(10)]
    assert {a.json()["error"]["code"] for a in wrong} == {"wrong_password"}
    # THEN the eleventh within the hour is refused before the password is tried, here and elsewhere
    for method, path, payload in (
            ("DELETE", "/account/two-factor", {"password": user.password, "code": current_code(secret)}),
            ("POST", "/account/two-factor/recovery-codes", {"password": user.password, "code": current_code(secret)}),
            ("POST", "/account/password", {"current_password": user.password, "new_password": "Alta-Parola-2026!"})):
        refused = user.call(method, path, json=payload)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited", (path, refused.text)

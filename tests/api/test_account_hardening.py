"""Issue 10, accounts hardening, over HTTP: code attempts counted atomically and across codes,
answers that do not tell which addresses have accounts, invitations that need consent, rate
limits (429 + Retry-After) on logins, code e-mails and exports, and sessions that really end
at logout and at a password change or reset."""

from __future__ import annotations

import functools
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib.domain.terms import TERMS_VERSION
from chalicelib.services import limits
from chalicelib.services.accounts import CODE_ATTEMPTS_PER_HOUR, MAX_CODE_ATTEMPTS
from chalicelib.services.limits import romanian_wait
from chalicelib.storage.models import AccountModel
from tests.api.conftest import PASSWORD, User, email_address, last_code, sign_up


def in_parallel(count: int, call) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=min(count, 20)) as pool:
        return list(pool.map(lambda _: call(), range(count)))


def from_ip(ip: str) -> dict[str, str]:
    """The caller's address as CloudFront reports it (the last X-Forwarded-For entry)."""
    return {"X-Forwarded-For": f"198.51.100.250, {ip}"}


def fresh_ip() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"


def pending_user(base_url: str) -> User:
    user = User(base_url, email_address("pending"))
    answer = user.call("POST", "/auth/signup", json={"email": user.email, "password": PASSWORD,
                                                     "accepted_terms_version": TERMS_VERSION})
    assert answer.status_code == 201, answer.text
    return user


def user_id_of(user: User) -> str:
    return user.call("GET", "/account").json()["user_id"]


def shape(answer: requests.Response) -> tuple:
    """An error answer without the seconds to wait (which tick on between two requests)."""
    error = answer.json()["error"]
    return answer.status_code, error["code"], re.sub(r"\d+", "N", error["message"]), sorted(error["details"])


def assert_rate_limited(answer: requests.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.json()["error"]["code"] == "rate_limited"
    assert int(answer.headers["Retry-After"]) >= 1
    assert "încercați din nou" in answer.json()["error"]["message"].lower()


# -- 1. e-mail code attempts -------------------------------------------------------------------

def test_parallel_wrong_codes_use_exactly_the_allowed_attempts(base_url):
    # GIVEN an account waiting for its confirmation code
    user = pending_user(base_url)
    good = last_code(user.email)
    wrong = "000000" if good != "000000" else "111111"
    # WHEN 40 wrong codes arrive at once
    answers = in_parallel(40, lambda: user.call("POST", "/auth/confirm",
                                                json={"email": user.email, "code": wrong}))
    # THEN only the hourly window's attempts were tried, the rest refused with 429
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [400] * CODE_ATTEMPTS_PER_HOUR + [429] * (40 - CODE_ATTEMPTS_PER_HOUR)
    # AND the code itself counted exactly its five attempts, not one more
    account = next(AccountModel.scan(AccountModel.email == user.email))
    assert account.code_attempts == MAX_CODE_ATTEMPTS
    # AND even the right code no longer works
    assert_rate_limited(user.call("POST", "/auth/confirm", json={"email": user.email, "code": good}))


def test_a_new_code_does_not_give_new_attempts(base_url):
    # GIVEN an account whose confirmation code was guessed at five times
    user = pending_user(base_url)
    first_wrong = "000000" if last_code(user.email) != "000000" else "111111"
    for _ in range(MAX_CODE_ATTEMPTS):
        answer = user.call("POST", "/auth/confirm", json={"email": user.email, "code": first_wrong})
        assert answer.status_code == 400
    # WHEN a new code is sent (a password reset also confirms the address) and guessed at again
    assert user.call("POST", "/auth/forgot-password", json={"email": user.email}).status_code == 202
    code = last_code(user.email)
    wrong = "000000" if code != "000000" else "111111"
    new_password = "Parolă-Nouă-Și-Bună-1!"
    for _ in range(CODE_ATTEMPTS_PER_HOUR - MAX_CODE_ATTEMPTS):
        answer = user.call("POST", "/auth/reset-password",
                           json={"email": user.email, "code": wrong, "password": new_password})
        assert answer.status_code == 400
    # THEN the address has used its hour's attempts: even the new, right code is refused
    assert_rate_limited(user.call("POST", "/auth/reset-password",
                                  json={"email": user.email, "code": code, "password": new_password}))


def test_a_right_code_works_once_even_when_sent_twice_at_once(base_url):
    # GIVEN an account with a right confirmation code
    user = pending_user(base_url)
    code = last_code(user.email)
    # WHEN the same right code arrives twice at once
    answers = in_parallel(2, lambda: user.call("POST", "/auth/confirm",
                                               json={"email": user.email, "code": code}))
    # THEN one confirms and the other is an invalid code
    assert sorted(a.status_code for a in answers) == [200, 400]
    user.log_in()


# -- 2. no account enumeration -----------------------------------------------------------------

def test_confirm_answers_alike_for_confirmed_unknown_and_wrong_codes(base_url):
    # GIVEN a confirmed account, an unknown address and a pending account
    confirmed = sign_up(base_url)
    pending = pending_user(base_url)
    wrong = "000000" if last_code(pending.email) != "000000" else "111111"
    # WHEN each is "confirmed" with a code that is not theirs
    answers = [requests.post(f"{base_url}/api/auth/confirm", json={"email": email, "code": wrong}, timeout=10)
               for email in (confirmed.email, email_address("nimeni"), pending.email)]
    # THEN the three answers are the same
    assert {a.status_code for a in answers} == {400}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["error"]["code"] == "invalid_code"


def test_forgot_password_and_resend_answer_alike_for_known_and_unknown_addresses(base_url):
    known = sign_up(base_url)
    unknown = email_address("nimeni")
    for path in ("/auth/forgot-password", "/auth/resend-code"):
        ip = fresh_ip()
        # WHEN each address asks twice in a row
        first = [requests.post(f"{base_url}/api{path}", json={"email": e}, headers=from_ip(ip), timeout=10)
                 for e in (known.email, unknown)]
        second = [requests.post(f"{base_url}/api{path}", json={"email": e}, headers=from_ip(ip), timeout=10)
                  for e in (known.email, unknown)]
        # THEN both get the same first answer and the same 429 the second time
        assert [a.status_code for a in first] == [202, 202], path
        assert first[0].json() == first[1].json()
        for answer in second:
            assert_rate_limited(answer)
        assert [shape(a) for a in second[:1]] == [shape(a) for a in second[1:]]


def test_an_invitation_needs_the_invitees_consent_and_looks_the_same_for_everyone(new_user, fresh_cif, proven_company):
    # GIVEN a company owner, a person with an account and an address without one
    owner, colleague, cif = new_user(), new_user(), fresh_cif()
    name = proven_company(owner, cif)["name"]
    stranger = email_address("fara-cont")
    # WHEN the owner invites both
    answers = [owner.call("POST", f"/companies/{cif}/members", json={"email": e, "role": "viewer"})
               for e in (colleague.email, stranger)]
    # THEN the answers are the same but for the address
    assert [a.status_code for a in answers] == [201, 201]
    shapes = [{**a.json()["member"], "email": "x", "member_id": a.json()["member"]["member_id"].replace(e, "x")}
              for a, e in zip(answers, (colleague.email, stranger), strict=True)]
    assert shapes[0] == shapes[1] == {"member_id": "invite#x", "email": "x", "role": "viewer",
                                      "state": "pending", "invited": True}
    # AND the colleague sees nothing of the company yet, only the invitation
    assert colleague.call("GET", f"/companies/{cif}").status_code == 404
    assert cif not in [c["cif"] for c in colleague.call("GET", "/companies").json()["companies"]]
    invitations = colleague.call("GET", "/invitations").json()["invitations"]
    assert [(i["cif"], i["name"], i["role"], i["membership_state"], i["invited_by"]) for i in invitations] == [
        (cif, name, "viewer", "invited", owner.email)]
    # AND someone else cannot accept it for them
    assert owner.call("POST", f"/invitations/{cif}/accept").status_code == 404
    # WHEN the colleague accepts THEN they are an active viewer, and the invitation is used up
    accepted = colleague.call("POST", f"/invitations/{cif}/accept")
    assert accepted.status_code == 200 and accepted.json()["company"]["role"] == "viewer"
    assert colleague.call("GET", f"/companies/{cif}").status_code == 200
    assert colleague.call("GET", "/invitations").json()["invitations"] == []
    again = colleague.call("POST", f"/invitations/{cif}/accept")
    assert again.status_code == 404 and again.json()["error"]["code"] == "company_not_found"


def test_a_declined_invitation_gives_no_access(new_user, fresh_cif, proven_company):
    owner, invitee, cif = new_user(), new_user(), fresh_cif()
    proven_company(owner, cif)
    owner.call("POST", f"/companies/{cif}/members", json={"email": invitee.email, "role": "admin"})
    # WHEN the invitee declines
    assert invitee.call("POST", f"/invitations/{cif}/decline").status_code == 204
    # THEN they have no access, nothing is left to accept, and the owner no longer lists them
    assert invitee.call("GET", f"/companies/{cif}").status_code == 404
    assert invitee.call("POST", f"/invitations/{cif}/accept").status_code == 404
    members = owner.call("GET", f"/companies/{cif}/members").json()["members"]
    assert [m["email"] for m in members] == [owner.email]


def test_the_rate_limit_service_counts_a_window_and_opens_the_next(settings):
    # GIVEN a bucket of 3 per minute (the one call other features use, e.g. authorization links)
    key, start = uuid.uuid4().hex, datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)
    take = functools.partial(limits.take, "test-links", key, per=timedelta(minutes=1), limit=3)
    # WHEN three units are taken in the window THEN the fourth is refused until the window closes
    taken = [take(now=start + timedelta(seconds=s)) for s in (0, 10, 20)]
    with pytest.raises(limits.RateLimited) as refused:
        take(now=start + timedelta(seconds=45))
    assert refused.value.retry_after_s == 15 and refused.value.status == 429
    assert refused.value.message_ro.endswith("Încercați din nou peste 15 secunde.")
    # AND a unit given back can be taken again
    taken[0].give_back()
    take(now=start + timedelta(seconds=50))
    # AND when the window has closed a new one opens with a full allowance
    for s in (61, 62, 63):
        take(now=start + timedelta(seconds=s))
    with pytest.raises(limits.RateLimited):
        take(now=start + timedelta(seconds=64))
    # AND other keys are not affected
    limits.take("test-links", key + "-other", per=timedelta(minutes=1), limit=3, now=start + timedelta(seconds=64))


def test_the_wait_is_told_in_romanian():
    assert [romanian_wait(s) for s in (1, 7, 45, 60, 61, 900, 1200, 3600)] == [
        "1 secundă", "7 secunde", "45 de secunde", "1 minut", "2 minute", "15 minute",
        "20 de minute", "60 de minute"]


# -- 3. throttling -------------------------------------------------------------------------------

def test_wrong_logins_are_limited_per_address(base_url):
    # GIVEN an account
    user = sign_up(base_url)
    ip = fresh_ip()

    def wrong():
        return requests.post(f"{base_url}/api/auth/login", headers=from_ip(ip), timeout=30,
                             json={"email": user.email, "password": PASSWORD + "x"})
    # WHEN 30 wrong passwords arrive at once
    answers = in_parallel(30, wrong)
    # THEN ten are tried, the others refused with 429 and Retry-After
    assert sorted(a.status_code for a in answers) == [401] * 10 + [429] * 20
    assert_rate_limited(next(a for a in answers if a.status_code == 429))
    # AND for this window even the right password is refused, from any address
    right = requests.post(f"{base_url}/api/auth/login", headers=from_ip(fresh_ip()), timeout=30,
                          json={"email": user.email, "password": PASSWORD})
    assert_rate_limited(right)


def test_wrong_logins_are_limited_per_client_ip_and_good_logins_do_not_count(base_url):
    user = sign_up(base_url)
    ip = fresh_ip()
    # GIVEN many successful logins from one address: they use up nothing
    for _ in range(12):
        answer = requests.post(f"{base_url}/api/auth/login", headers=from_ip(ip), timeout=30,
                               json={"email": user.email, "password": PASSWORD})
        assert answer.status_code == 200
    # WHEN one IP tries 50 different unknown addresses
    answers = in_parallel(50, lambda: requests.post(
        f"{base_url}/api/auth/login", headers=from_ip(ip), timeout=30,
        json={"email": email_address("ghicit"), "password": PASSWORD}))
    assert {a.status_code for a in answers} == {401}
    # THEN that IP is refused, even with a right password; another IP is not
    assert_rate_limited(requests.post(f"{base_url}/api/auth/login", headers=from_ip(ip), timeout=30,
                                      json={"email": user.email, "password": PASSWORD}))
    other = requests.post(f"{base_url}/api/auth/login", headers=from_ip(fresh_ip()), timeout=30,
                          json={"email": user.email, "password": PASSWORD})
    assert other.status_code == 200


def test_code_e_mails_are_limited_per_client_ip(base_url):
    ip = fresh_ip()
    # WHEN one IP asks for reset codes for 30 addresses THEN they are answered
    for _ in range(30):
        answer = requests.post(f"{base_url}/api/auth/forgot-password", headers=from_ip(ip), timeout=10,
                               json={"email": email_address("bomba")})
        assert answer.status_code == 202
    # AND the next one, for any address and either kind of code, is refused
    for path in ("/auth/forgot-password", "/auth/resend-code"):
        assert_rate_limited(requests.post(f"{base_url}/api{path}", headers=from_ip(ip), timeout=10,
                                          json={"email": email_address("bomba")}))


def test_exports_are_limited_per_user_and_per_company(new_user, fresh_cif, proven_company):
    # GIVEN a company with three active members
    owner, second, third, cif = new_user(), new_user(), new_user(), fresh_cif()
    proven_company(owner, cif)
    for member in (second, third):
        owner.call("POST", f"/companies/{cif}/members", json={"email": member.email, "role": "viewer"})
        assert member.call("POST", f"/invitations/{cif}/accept").status_code == 200

    def export(user):
        return lambda: user.call("POST", f"/companies/{cif}/exports", json={"format": "csv", "filters": {}})
    # WHEN the owner asks for 15 exports at once THEN 10 are queued, the rest refused
    answers = in_parallel(15, export(owner))
    assert sorted(a.status_code for a in answers) == [202] * 10 + [429] * 5
    assert_rate_limited(next(a for a in answers if a.status_code == 429))
    # WHEN another member takes the company's remaining 10 THEN a third member is refused
    assert [export(second)().status_code for _ in range(10)] == [202] * 10
    assert_rate_limited(export(third)())


# -- 4. sessions end for real --------------------------------------------------------------------

def test_after_logout_the_old_access_token_and_refresh_cookie_are_refused(base_url):
    user = sign_up(base_url)
    token = user.http.headers["Authorization"]
    cookie = user.http.cookies.get("arhivar_refresh")
    assert user.call("POST", "/auth/logout").status_code == 204
    old = requests.get(f"{base_url}/api/account", headers={"Authorization": token}, timeout=10)
    assert old.status_code == 401 and old.json()["error"]["code"] == "not_authenticated"
    stolen = requests.post(f"{base_url}/api/auth/refresh", cookies={"arhivar_refresh": cookie},
                           headers={"X-Arhivar-Client": "web"}, timeout=10)
    assert stolen.status_code == 401


def test_a_password_change_ends_the_other_sessions(base_url):
    # GIVEN the same person signed in on two devices
    laptop = sign_up(base_url)
    phone = User(base_url, laptop.email).log_in()
    phone_cookie = phone.http.cookies.get("arhivar_refresh")
    assert phone.call("GET", "/account").status_code == 200
    # WHEN they change the password on the laptop
    changed = laptop.call("POST", "/account/password", json={"current_password": PASSWORD,
                                                             "new_password": "Parola-Schimbată-2026!"})
    assert changed.status_code == 200
    # THEN the phone's access token and refresh cookie are refused
    assert phone.call("GET", "/account").status_code == 401
    refresh = requests.post(f"{base_url}/api/auth/refresh", cookies={"arhivar_refresh": phone_cookie},
                            headers={"X-Arhivar-Client": "web"}, timeout=10)
    assert refresh.status_code == 401
    # AND the laptop's old token too, while the new one it got works
    assert laptop.call("GET", "/account").status_code == 401
    laptop.http.headers["Authorization"] = f"Bearer {changed.json()['access_token']}"
    assert laptop.call("GET", "/account").status_code == 200


def test_a_password_reset_ends_every_session(base_url):
    user = sign_up(base_url)
    assert user.call("GET", "/account").status_code == 200
    assert user.call("POST", "/auth/forgot-password", json={"email": user.email}).status_code == 202
    reset = user.call("POST", "/auth/reset-password", json={
        "email": user.email, "code": last_code(user.email), "password": "Parola-Resetată-2026!"})
    assert reset.status_code == 200
    assert user.call("GET", "/account").status_code == 401

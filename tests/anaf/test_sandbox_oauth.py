"""OAuth against the sandbox's logincert: the real browser dance, exchange, rotating refresh."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.oauth import AnafOAuthClient


def browser_login(url: str, certificate_serial: str) -> dict[str, str]:
    """Play the person: open our authorize URL, pick the certificate, follow to the callback."""
    with requests.Session() as browser:
        page = browser.get(url, timeout=10)
        assert page.status_code == 200 and "certificat" in page.text.lower()
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        answer = browser.post(url.split("?")[0], data={**params, "certificate": certificate_serial,
                                                       "action": "login"},
                              allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def test_authorize_url_leads_to_a_code_that_exchanges_for_tokens(sb, oauth, accountant, clock):
    # GIVEN the URL our client builds for a person, with a state
    url = oauth.authorization_url("state-123")
    # WHEN the person logs in with the accountant's certificate
    callback = browser_login(url, accountant["serial"])
    assert callback["state"] == "state-123"
    # THEN the code exchanges for a JWT pair tied to that certificate, valid 90/365 days
    pair = oauth.exchange_code(callback["code"])
    assert pair.serial == accountant["serial"]
    assert pair.access_expires_at - clock.now() == pytest.approx(timedelta(days=90),
                                                                abs=timedelta(minutes=1))
    assert pair.refresh_expires_at - clock.now() == pytest.approx(timedelta(days=365),
                                                                 abs=timedelta(minutes=1))
    assert pair.access_token.count(".") == 2


def test_a_code_works_once(sb, oauth, accountant):
    code = sb.authorize(accountant["serial"])
    oauth.exchange_code(code)
    with pytest.raises(errors.AnafReauthorizationRequired) as caught:
        oauth.exchange_code(code)
    assert caught.value.code == "anaf_reauthorization_required"


def test_a_code_older_than_60_seconds_is_refused(sb, oauth, accountant):
    code = sb.authorize(accountant["serial"])
    sb.advance_clock(61)
    with pytest.raises(errors.AnafReauthorizationRequired):
        oauth.exchange_code(code)


def test_wrong_client_secret_is_a_configuration_error(sb, http, settings_for_sandbox, accountant):
    wrong = AnafOAuthClient.from_settings(settings_for_sandbox, "not-the-secret", http)
    with pytest.raises(errors.AnafClientInvalid) as caught:
        wrong.exchange_code(sb.authorize(accountant["serial"]))
    assert caught.value.code == "anaf_client_invalid"


def test_refresh_rotates_and_persists_before_returning(sb, oauth, accountant, settings_for_sandbox,
                                                       http):
    first = oauth.exchange_code(sb.authorize(accountant["serial"]))
    persisted = []
    # WHEN we refresh
    second = oauth.refresh(first.refresh_token, persisted.append)
    # THEN the callback saw the new pair, which differs in both tokens
    assert persisted == [second]
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    # AND the new access token works on the API
    client = EFacturaClient.from_settings(settings_for_sandbox, http, second.access_token)
    assert client.list_messages(accountant["cifs"][0], 60).serial == accountant["serial"]
    # AND the old refresh token is spent: only the persisted pair can continue
    with pytest.raises(errors.AnafReauthorizationRequired):
        oauth.refresh(first.refresh_token, persisted.append)
    assert len(persisted) == 1


def test_refresh_fails_when_the_new_pair_cannot_be_persisted(sb, oauth, accountant):
    first = oauth.exchange_code(sb.authorize(accountant["serial"]))

    class StoreDown(RuntimeError):
        pass

    def on_rotated(pair):
        raise StoreDown("conditional write failed")

    with pytest.raises(StoreDown):
        oauth.refresh(first.refresh_token, on_rotated)


def test_revoked_certificate_needs_a_new_authorisation(sb, oauth, accountant, settings_for_sandbox,
                                                       http):
    pair = oauth.exchange_code(sb.authorize(accountant["serial"]))
    sb.revoke(serial=accountant["serial"])
    client = EFacturaClient.from_settings(settings_for_sandbox, http, pair.access_token)
    # THEN the API refuses the access token …
    with pytest.raises(errors.AnafTokenRejected) as caught:
        client.list_messages(accountant["cifs"][0], 1)
    assert caught.value.http_status in (401, 403)
    # … and refreshing cannot help
    with pytest.raises(errors.AnafReauthorizationRequired):
        oauth.refresh(pair.refresh_token, lambda p: None)


def test_token_calls_are_not_retried_after_server_errors(sb, oauth, accountant):
    code = sb.authorize(accountant["serial"])
    sb.add_fault("status", path="/anaf-oauth2/v1/token", count=1, status=502)
    with pytest.raises(errors.AnafUnavailable):
        oauth.exchange_code(code)
    assert sb.admin("GET", "faults")["faults"] == []   # exactly one call was made


def test_concurrent_refreshes_with_a_compare_and_swap_store(sb, oauth, accountant):
    """The callback contract makes the caller's atomic persist possible (design note in oauth.py).

    Two workers hold the same stored pair and both refresh. ANAF's rotation lets one win; the
    loser either gets invalid_grant or loses the compare-and-swap, reloads, and uses the winner's
    pair. Nobody ends up with tokens that are not the stored ones.
    """
    first = oauth.exchange_code(sb.authorize(accountant["serial"]))
    store = {"pair": first}
    lock = threading.Lock()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    class LostRace(Exception):
        pass

    def persist_if_unchanged(old_refresh: str):
        def on_rotated(pair):
            with lock:                      # a DynamoDB conditional update in production
                if store["pair"].refresh_token != old_refresh:
                    raise LostRace()
                store["pair"] = pair
        return on_rotated

    def worker():
        old = store["pair"].refresh_token
        start.wait()
        try:
            pair = oauth.refresh(old, persist_if_unchanged(old))
            outcomes.append("won" if pair is store["pair"] else "returned-unstored")
        except (LostRace, errors.AnafReauthorizationRequired):
            outcomes.append("reload")       # reload the stored pair and carry on

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["reload", "won"]
    # AND the stored pair is the live one: it refreshes again
    assert store["pair"] is not first
    oauth.refresh(store["pair"].refresh_token, lambda pair: None)

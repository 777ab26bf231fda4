"""OAuth client: authorize URL, code exchange, rotating refresh and its persistence callback."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from chalicelib.anaf import errors
from chalicelib.anaf.oauth import AnafOAuthClient, jwt_claims

OAUTH = "https://logincert.example.test"
TOKEN_URL = OAUTH + "/anaf-oauth2/v1/token"
SECRET = "s3cr3t-client-secret"


def fake_jwt(**claims) -> str:
    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS512'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def oauth(make_http):
    return AnafOAuthClient(make_http(), oauth_url=OAUTH + "/", client_id="client-1",
                           client_secret=SECRET, redirect_uri="https://app.example/cb")


def form(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def test_authorization_url_asks_for_jwt_and_carries_state(oauth):
    url = oauth.authorization_url("st4te")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == OAUTH + "/anaf-oauth2/v1/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code", "client_id": "client-1", "redirect_uri": "https://app.example/cb",
        "token_content_type": "jwt", "state": "st4te"}


def test_exchange_uses_basic_auth_and_reads_expiry_and_serial(oauth, mocked, fake_clock):
    access = fake_jwt(serial="4c00a1b2", exp=int(fake_clock.now().timestamp()) + 7776000)
    refresh = fake_jwt(exp=int(fake_clock.now().timestamp()) + 31536000)
    mocked.post(TOKEN_URL, json={"access_token": access, "refresh_token": refresh,
                                 "token_type": "Bearer", "expires_in": 7776000})
    pair = oauth.exchange_code("the-code")
    call = mocked.calls[0]
    assert call.request.headers["Authorization"] == "Basic " + base64.b64encode(
        f"client-1:{SECRET}".encode()).decode()
    assert form(call) == {"grant_type": "authorization_code", "code": "the-code",
                          "redirect_uri": "https://app.example/cb", "token_content_type": "jwt"}
    assert pair.access_expires_at == fake_clock.now() + timedelta(days=90)
    assert pair.refresh_expires_at == datetime.fromtimestamp(
        int(fake_clock.now().timestamp()) + 31536000, UTC)
    assert pair.serial == "4c00a1b2"
    assert access not in repr(pair) and refresh not in repr(pair)


def test_missing_expiry_falls_back_to_anafs_documented_lifetimes(oauth, mocked, fake_clock):
    mocked.post(TOKEN_URL, json={"access_token": "opaque-a", "refresh_token": "opaque-r"})
    pair = oauth.exchange_code("c")
    assert pair.access_expires_at == fake_clock.now() + timedelta(days=90)
    assert pair.refresh_expires_at == fake_clock.now() + timedelta(days=365)
    assert pair.serial is None


def test_refresh_persists_the_rotated_pair_before_returning_it(oauth, mocked):
    mocked.post(TOKEN_URL, json={"access_token": "new-a", "refresh_token": "new-r",
                                 "token_type": "Bearer", "expires_in": 100})
    persisted = []
    pair = oauth.refresh("old-r", persisted.append)
    assert form(mocked.calls[0]) == {"grant_type": "refresh_token", "refresh_token": "old-r"}
    assert persisted == [pair]
    assert (pair.access_token, pair.refresh_token) == ("new-a", "new-r")


def test_refresh_raises_when_persisting_fails(oauth, mocked):
    # GIVEN a callback that cannot store the new pair (e.g. another worker won the race)
    mocked.post(TOKEN_URL, json={"access_token": "new-a", "refresh_token": "new-r"})

    class LostRace(Exception):
        pass

    def on_rotated(pair):
        raise LostRace()

    # THEN refresh does not hand out a pair that is not stored
    with pytest.raises(LostRace):
        oauth.refresh("old-r", on_rotated)


def test_refresh_without_a_new_refresh_token_keeps_the_old_one(oauth, mocked):
    mocked.post(TOKEN_URL, json={"access_token": "new-a"})
    pair = oauth.refresh("old-r", lambda p: None)
    assert pair.refresh_token == "old-r"


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"error": "invalid_grant", "error_description": "expired"}, errors.AnafReauthorizationRequired),
    (400, {"error": "invalid_client"}, errors.AnafClientInvalid),
    (401, {"error": "invalid_client"}, errors.AnafClientInvalid),
    (400, {"error": "invalid_request"}, errors.AnafInvalidRequest),
    (401, None, errors.AnafClientInvalid),
    (302, None, errors.AnafUnexpectedResponse),
    (200, {"token_type": "Bearer"}, errors.AnafUnexpectedResponse),
])
def test_token_endpoint_errors(oauth, mocked, status, body, expected):
    kwargs = {"json": body} if body is not None else {"body": ""}
    mocked.post(TOKEN_URL, status=status, **kwargs)
    with pytest.raises(expected):
        oauth.refresh("old-r", lambda p: None)


def test_error_texts_never_echo_the_grant_or_secret(oauth, mocked):
    mocked.post(TOKEN_URL, status=400, json={
        "error": "invalid_grant", "error_description": f"bad token old-refresh-xyz for {SECRET}"})
    with pytest.raises(errors.AnafReauthorizationRequired) as caught:
        oauth.refresh("old-refresh-xyz", lambda p: None)
    assert "old-refresh-xyz" not in str(caught.value) and SECRET not in str(caught.value)


def test_refresh_is_not_resent_after_a_5xx(oauth, mocked):
    # a refresh grant may already have been spent by ANAF: sending it twice could burn the pair
    mocked.post(TOKEN_URL, status=502)
    with pytest.raises(errors.AnafUnavailable):
        oauth.refresh("old-r", lambda p: None)
    assert len(mocked.calls) == 1


def test_repr_hides_client_id_and_secret(oauth):
    assert SECRET not in repr(oauth)


def test_jwt_claims_of_non_jwts_are_empty():
    assert jwt_claims("opaque") == {}
    assert jwt_claims("a.!!!.c") == {}
    assert jwt_claims(fake_jwt(serial="x"))["serial"] == "x"

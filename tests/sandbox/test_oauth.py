"""OAuth as logincert.anaf.ro: certificate page, 60 s single-use codes, rotating JWT tokens."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from local.anaf_sandbox.tokens import ACCESS_TTL_S, REFRESH_TTL_S


def _auth_params(sb, **over):
    return {"response_type": "code", "client_id": sb.client_id, "redirect_uri": sb.redirect_uri,
            "token_content_type": "jwt", "state": "xyz", **over}


def _token(sb, auth=None, **data):
    return requests.post(f"{sb.oauth_url}/token", data=data, auth=auth or (sb.client_id, sb.client_secret), timeout=10)


def test_authorize_page_offers_every_certificate_in_romanian(sb, world):
    page = requests.get(f"{sb.oauth_url}/authorize", params=_auth_params(sb), timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    for cert in world["certificates"]:
        assert cert["serial"] in page.text and cert["holder"] in page.text
    assert "certificatul digital" in page.text and "Renunță" in page.text and "niciun CIF" in page.text


def test_unregistered_redirect_uri_or_client_gets_an_error_page_not_a_redirect(sb):
    for params in (_auth_params(sb, redirect_uri=sb.redirect_uri + "/x"), _auth_params(sb, client_id="altceva")):
        r = requests.get(f"{sb.oauth_url}/authorize", params=params, allow_redirects=False, timeout=10)
        assert r.status_code == 400 and "Location" not in r.headers


def test_cancel_redirects_with_access_denied_and_the_state(sb, accountant):
    r = requests.post(f"{sb.oauth_url}/authorize",
                      data=_auth_params(sb, certificate=accountant["serial"], action="cancel"),
                      allow_redirects=False, timeout=10)
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == sb.redirect_uri
    assert parse_qs(location.query) == {"error": ["access_denied"], "state": ["xyz"]}


def test_code_exchange_gives_anaf_shaped_jwt_tokens(sb, accountant):
    code = sb.authorize(accountant["serial"], state="s1")
    r = _token(sb, grant_type="authorization_code", code=code, redirect_uri=sb.redirect_uri, token_content_type="jwt")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == ACCESS_TTL_S == 90 * 86400
    public = requests.get(f"{sb.base_url}/__sandbox/certs/jwt-public.pem", timeout=10).content
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "RS512"
    unchecked = {"verify_aud": False, "verify_exp": False}
    claims = jwt.decode(body["access_token"], public, algorithms=["RS512"], options=unchecked)
    assert claims["iss"] == "https://logincert.anaf.ro" and claims["serial"] == accountant["serial"]
    assert claims["scope"] == "clientappid info issuer role serial"
    assert claims["exp"] - claims["iat"] == ACCESS_TTL_S and claims["nbf"] == claims["iat"]
    refresh = jwt.decode(body["refresh_token"], public, algorithms=["RS512"], options=unchecked)
    assert refresh["exp"] - refresh["iat"] == REFRESH_TTL_S


def test_codes_are_single_use(sb, accountant):
    code = sb.authorize(accountant["serial"])
    assert _token(sb, grant_type="authorization_code", code=code, redirect_uri=sb.redirect_uri).status_code == 200
    again = _token(sb, grant_type="authorization_code", code=code, redirect_uri=sb.redirect_uri)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_codes_expire_after_60_seconds(sb, accountant):
    code = sb.authorize(accountant["serial"])
    sb.advance_clock(61)
    r = _token(sb, grant_type="authorization_code", code=code, redirect_uri=sb.redirect_uri)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_redirect_uri(sb, accountant):
    code = sb.authorize(accountant["serial"])
    r = _token(sb, grant_type="authorization_code", code=code, redirect_uri="https://elsewhere.example/cb")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_bad_client_credentials_are_invalid_client(sb, accountant):
    code = sb.authorize(accountant["serial"])
    r = _token(sb, auth=(sb.client_id, "wrong"), grant_type="authorization_code", code=code,
               redirect_uri=sb.redirect_uri)
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    no_basic = requests.post(f"{sb.oauth_url}/token", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": sb.redirect_uri,
        "client_id": sb.client_id, "client_secret": sb.client_secret})
    assert no_basic.status_code == 400 and no_basic.json()["error"] == "invalid_client"


def test_malformed_requests_are_invalid_request(sb):
    assert _token(sb).json()["error"] == "invalid_request"
    assert _token(sb, grant_type="authorization_code").json()["error"] == "invalid_request"
    assert _token(sb, grant_type="refresh_token").status_code == 400


def test_refresh_rotates_the_pair_and_kills_the_old_refresh_token(sb, accountant):
    first = sb.tokens_for(accountant["serial"])
    second = _token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    pair = second.json()
    assert pair["access_token"] != first["access_token"] and pair["refresh_token"] != first["refresh_token"]
    reuse = _token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert _token(sb, grant_type="refresh_token", refresh_token=pair["refresh_token"]).status_code == 200


def test_access_token_expires_after_90_days_and_refresh_after_365(sb, accountant, world):
    tokens = sb.tokens_for(accountant["serial"])
    cif = world["companies"][0]["cif"]
    url = f"{sb.api_url}/listaMesajeFactura"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(url, params={"zile": 1, "cif": cif}, headers=headers, timeout=10).status_code == 200
    sb.advance_clock(ACCESS_TTL_S + 1)
    assert requests.get(url, params={"zile": 1, "cif": cif}, headers=headers, timeout=10).status_code == 403
    sb.advance_clock(REFRESH_TTL_S - ACCESS_TTL_S)
    refused = _token(sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refused.json()["error"] == "invalid_grant"


def test_revoked_tokens_are_refused(sb, accountant, world):
    tokens = sb.tokens_for(accountant["serial"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    params = {"zile": 1, "cif": world["companies"][0]["cif"]}
    sb.revoke(token=tokens["access_token"])
    listed = requests.get(f"{sb.api_url}/listaMesajeFactura", params=params, headers=headers, timeout=10)
    assert listed.status_code == 403
    sb.revoke(serial=accountant["serial"])
    refused = _token(sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refused.json()["error"] == "invalid_grant"


def test_headless_revoke_meets_the_login_wall_as_live(sb):
    r = requests.post(f"{sb.oauth_url}/revoke", data={"token": "x"}, allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].endswith("/my.policy")

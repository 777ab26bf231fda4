"""logincert.anaf.ro: ``/anaf-oauth2/v1/authorize``, ``/token`` and ``/revoke``.

The authorize page plays the USB-certificate prompt. Its form posts back to the same path:

    POST /anaf-oauth2/v1/authorize   (application/x-www-form-urlencoded)
        response_type, client_id, redirect_uri, state, token_content_type   (echoed from the GET)
        certificate=<serial>          the chosen certificate (see GET /__sandbox/world)
        action=login | cancel         cancel (or no certificate) → redirect with error=access_denied

On success it answers 302 → ``redirect_uri?code=<code>&state=<state>``; cancel answers
302 → ``redirect_uri?error=access_denied&state=<state>``. An unknown ``client_id`` or a
``redirect_uri`` that is not registered exactly gets a 400 page and no redirect (sandbox
choice, per RFC 6749 §4.1.2.1). ``state`` echo is UNCONFIRMED at ANAF; the sandbox echoes it.
"""

from __future__ import annotations

import base64
import binascii
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, request

from .state import Sandbox
from .tokens import Grant, TokenError

bp = Blueprint("oauth", __name__)

_AUTH_FIELDS = ("response_type", "client_id", "redirect_uri", "state", "token_content_type")


def _sandbox() -> Sandbox:
    return current_app.config["SANDBOX"]


def _redirect(uri: str, **params: str) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return redirect(f"{uri}{'&' if '?' in uri else '?'}{query}", code=302)


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        "<!DOCTYPE html><html lang=\"ro\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}"
        "label{display:block;margin:.5em 0;padding:.5em;border:1px solid #ccc}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(html, status=status, mimetype="text/html")


def _check_client(params) -> Response | None:
    client = _sandbox().client(params.get("client_id", ""))
    if client is None:
        return _page("Eroare autentificare", "<p>Aplicația (client_id) nu este înregistrată.</p>", 400)
    if params.get("redirect_uri", "") not in client.redirect_uris:
        return _page("Eroare autentificare",
                     "<p>Callback URL (redirect_uri) nu corespunde aplicației înregistrate.</p>", 400)
    return None


@bp.get("/anaf-oauth2/v1/authorize")
def authorize_page() -> Response:
    params = request.args
    if (problem := _check_client(params)) is not None:
        return problem
    if params.get("response_type") != "code":
        return _redirect(params["redirect_uri"], error="unsupported_response_type", state=params.get("state"))
    hidden = "".join(
        f'<input type="hidden" name="{f}" value="{escape(params.get(f, ""))}">' for f in _AUTH_FIELDS
    )
    choices = "".join(
        f'<label><input type="radio" name="certificate" value="{c.serial}"{" checked" if i == 0 else ""}> '
        f"{escape(c.holder)} — serie {c.serial}"
        f" — drepturi SPV: {escape(', '.join(c.cifs) or 'niciun CIF')}</label>"
        for i, c in enumerate(_sandbox().certificates())
    )
    body = (
        "<p>Selectați certificatul digital calificat (token USB) și introduceți PIN-ul.</p>"
        f'<form method="post" action="/anaf-oauth2/v1/authorize">{hidden}{choices}'
        '<p><label>PIN <input type="password" name="pin" autocomplete="off"></label></p>'
        '<button type="submit" name="action" value="login">Autentificare</button> '
        '<button type="submit" name="action" value="cancel">Renunță</button></form>'
    )
    return _page("Autentificare cu certificat digital", body)


@bp.post("/anaf-oauth2/v1/authorize")
def authorize_choose() -> Response:
    form = request.form
    if (problem := _check_client(form)) is not None:
        return problem
    sb = _sandbox()
    state = form.get("state") or None
    cert = sb.certificate(form.get("certificate", ""))
    if form.get("action", "login") == "cancel" or cert is None:
        return _redirect(form["redirect_uri"], error="access_denied", state=state)
    grant = Grant(form["client_id"], form["redirect_uri"], cert.serial, sb.clock.now_ts())
    return _redirect(form["redirect_uri"], code=sb.tokens.new_code(grant), state=state)


def _oauth_error(error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = 400
    return response


def _client_from_basic() -> str | None:
    """The client id when HTTP Basic credentials match a registered client.

    Credentials in the form body are refused (whether ANAF accepts them is UNCONFIRMED).
    """
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client = _sandbox().client(client_id)
    return client_id if client is not None and client.client_secret == secret else None


@bp.post("/anaf-oauth2/v1/token")
def token() -> Response:
    sb = _sandbox()
    client_id = _client_from_basic()
    if client_id is None:
        return _oauth_error("invalid_client", "Bad client credentials")
    form = request.form
    grant_type = form.get("grant_type")
    now_s = sb.clock.now_ts()
    try:
        if grant_type == "authorization_code":
            if not form.get("code") or not form.get("redirect_uri"):
                return _oauth_error("invalid_request", "Missing code or redirect_uri")
            grant = sb.tokens.redeem_code(form["code"], client_id, form["redirect_uri"], now_s)
            return jsonify(sb.tokens.issue(client_id, grant.serial, now_s))
        if grant_type == "refresh_token":
            if not form.get("refresh_token"):
                return _oauth_error("invalid_request", "Missing refresh_token")
            return jsonify(sb.tokens.refresh(form["refresh_token"], client_id, now_s))
    except TokenError as exc:
        return _oauth_error(exc.error, exc.description)
    return _oauth_error("invalid_request", "Unsupported or missing grant_type")


@bp.route("/anaf-oauth2/v1/revoke", methods=["GET", "POST"])
def revoke() -> Response:
    """Headless revoke answered 302 → /my.policy live (F5 APM login wall): so here too.

    Use ``POST /__sandbox/tokens/revoke`` to revoke tokens in tests.
    """
    return redirect("/my.policy", code=302)

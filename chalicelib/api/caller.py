"""Who is calling: the one place where a route turns the request's Authorization header into
the caller (a verified Cognito access token), or into the caller's active membership of a
company. app.py and every blueprint use these; nothing else verifies tokens.

The verifier is built here, on the API side, and not in chalicelib/dependencies.py: the
workers import dependencies.py and must not load the token code (PyJWT).
"""

from __future__ import annotations

from chalice.app import Request

from chalicelib import dependencies
from chalicelib.api.tokens import AccessTokenVerifier, Principal
from chalicelib.services import memberships
from chalicelib.storage.memberships import Membership


@dependencies.resettable
def access_tokens() -> AccessTokenVerifier:
    return AccessTokenVerifier(dependencies.settings(), dependencies.accounts().session_active)


def caller(request: Request) -> Principal:
    """The caller of the request (401 `not_authenticated` without a valid, open session)."""
    return access_tokens().verify(request.headers.get("authorization"))


def member(request: Request, cif: str) -> Membership:
    """The caller's active membership of the company (401 without a token; 404 to anyone who
    is not an active member, so outsiders learn nothing about the company)."""
    return memberships.require_active(caller(request).user_id, cif)

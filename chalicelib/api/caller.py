"""Who is calling: the one place where a route turns the request's Authorization header into
the caller (a verified Cognito access token), or into the caller's active membership of a
company. app.py and every blueprint use these; nothing else verifies tokens.

The verifier is built here, on the API side, and not in chalicelib/dependencies.py: the
workers import dependencies.py and must not load the token code (PyJWT).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from chalice.app import Request

from chalicelib import dependencies
from chalicelib.api.tokens import AccessTokenVerifier, Principal
from chalicelib.services import memberships
from chalicelib.storage.memberships import Membership


@dependencies.resettable
def access_tokens() -> AccessTokenVerifier:
    return AccessTokenVerifier(dependencies.settings(), dependencies.accounts().session_active)


# Set by the route layer (api/routing.py) for a request made with an API key it let through.
_key_caller: ContextVar[Principal | None] = ContextVar("key_caller", default=None)


@contextlib.contextmanager
def acting_with_key(user_id: str) -> Iterator[None]:
    """While the block runs, `caller()` is the creator of the API key the request was made with."""
    token = _key_caller.set(Principal(user_id=user_id, access_token=""))
    try:
        yield
    finally:
        _key_caller.reset(token)


def caller(request: Request) -> Principal:
    """The caller of the request (401 `not_authenticated` without a valid, open session): the
    signed-in user, or the creator of the API key the route layer already checked."""
    by_key = _key_caller.get()
    if by_key is not None:
        return by_key
    return access_tokens().verify(request.headers.get("authorization"))


def member(request: Request, cif: str) -> Membership:
    """The caller's active membership of the company (401 without a token; 404 to anyone who
    is not an active member, so outsiders learn nothing about the company)."""
    return memberships.require_active(caller(request).user_id, cif)

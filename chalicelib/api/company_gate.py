"""What runs before every company route (every path with `{cif}`, in app.py and in the
blueprints alike): a company's "2FA obligatoriu pentru membri" requirement.

It lives at the route layer, in one place, so no company route can forget it. A request without
a valid token passes on: the route itself answers 401 (and outsiders 404).
"""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api.caller import caller
from chalicelib.domain.errors import NotAuthenticated
from chalicelib.services import two_factor


def check_company_route(request: Request, cif: str) -> None:
    try:
        who = caller(request)
    except NotAuthenticated:
        return
    two_factor.require_for_company(who.user_id, cif)

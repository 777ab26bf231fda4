"""Two-factor login routes (app.py calls `register_routes(app)`): the account's status,
enrolment, recovery codes, turning it off, and a company's "2FA obligatoriu pentru membri".
Routes only: parse, call the service (services/two_factor.py), map the result.

The second step of signing in (POST /api/auth/login/totp) lives in app.py, beside the login,
because it answers with the same session and refresh cookie.

Not a Chalice Blueprint: a blueprint's deferred registration loses the HTTP method when it is
registered a second time (Chalice pops it from the stored arguments), which breaks as soon as
two methods share a path and the app module is imported twice (the CDK packaging does).
"""

from __future__ import annotations

import functools
from typing import Any

from chalice import Chalice, Response

from chalicelib import dependencies
from chalicelib.api import caller as callers
from chalicelib.api import routing
from chalicelib.api.requests import parse_body
from chalicelib.api.tokens import Principal
from chalicelib.api.views import iso
from chalicelib.services import two_factor


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


def status_view(status: two_factor.TwoFactorStatus) -> dict[str, Any]:
    return {"enabled": status.enabled,
            "enabled_at": iso(status.enabled_at),
            "recovery_codes_left": status.recovery_codes_left,
            "recovery_codes_used": status.recovery_codes_used,
            "recovery_code_last_used_at": iso(status.recovery_code_last_used_at),
            "required_by": status.required_by}


def register_routes(app: Chalice) -> None:
    route = functools.partial(routing.route, app)

    def caller() -> Principal:
        return callers.caller(routing.current_request(app))

    def body(schema: str) -> dict[str, Any]:
        return parse_body(routing.body_bytes(routing.current_request(app)), schema)

    @route("/api/account/two-factor", "GET")
    def get_two_factor() -> Response:
        return ok(status_view(dependencies.two_factor().status(caller().user_id)))

    @route("/api/account/two-factor/setup", "POST")
    def start_two_factor() -> Response:
        who = caller()
        enrolment = dependencies.two_factor().start_enrolment(who.user_id, who.access_token)
        return ok({"secret": enrolment.secret, "otpauth_uri": enrolment.uri})

    @route("/api/account/two-factor/confirm", "POST")
    def confirm_two_factor() -> Response:
        who = caller()
        codes = dependencies.two_factor().confirm_enrolment(who.user_id, who.access_token,
                                                            body("TotpCodeRequest")["code"])
        return ok({"enabled": True, "recovery_codes": codes})

    @route("/api/account/two-factor/recovery-codes", "POST")
    def renew_recovery_codes() -> Response:
        who = caller()
        data = body("TwoFactorProofRequest")
        codes = dependencies.two_factor().new_recovery_codes(who.user_id, who.access_token,
                                                             data["password"], data["code"])
        return ok({"recovery_codes": codes})

    @route("/api/account/two-factor", "DELETE")
    def disable_two_factor() -> Response:
        who = caller()
        data = body("TwoFactorProofRequest")
        dependencies.two_factor().disable(who.user_id, who.access_token, data["password"], data["code"])
        return Response(status_code=204, body="")

    @route("/api/companies/{cif}/security", "GET")
    def get_company_security(cif: str) -> Response:
        callers.member(routing.current_request(app), cif)
        return ok({"two_factor_required": two_factor.company_requires(cif)})

    @route("/api/companies/{cif}/security", "PUT")
    def change_company_security(cif: str) -> Response:
        membership = callers.member(routing.current_request(app), cif)  # outsiders learn nothing
        required = two_factor.set_company_requirement(
            membership, body("CompanySecurityRequest")["two_factor_required"])
        return ok({"two_factor_required": required})

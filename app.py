"""The Arhivar API (Chalice). Routes only: parse the request, call a service, map the result.

Every route lives under /api/ so the same paths work behind CloudFront (which forwards
/api/* to API Gateway) and in the local stack (one origin for the web app and the API).
Routes are public only when listed in PUBLIC_ROUTES; every other route starts by verifying the
caller's Cognito access token (`caller()`, or `member(cif)` for the caller's active membership of
a company: chalicelib/api/caller.py), and a test checks that this holds for all routes.
An integrator's API key reaches only the routes whose OpenAPI operation names a key scope
(chalicelib/api/routing.py; README "API keys for integrators").
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote, urlencode

from aws_lambda_powertools import Logger
from chalice import Chalice, Response

from chalicelib import dependencies
from chalicelib.api import audit_views, integrity_views, notification_views, routing, views
from chalicelib.api import caller as callers
from chalicelib.api.requests import openapi_document, parse_body
from chalicelib.api.tokens import Principal
from chalicelib.domain import audit as audit_rules
from chalicelib.domain.client_address import client_address
from chalicelib.domain.email import parse_email
from chalicelib.domain.errors import NotAllowed
from chalicelib.domain.memberships import Role
from chalicelib.domain.terms import TERMS_VERSION
from chalicelib.services import (
    audit,
    companies,
    imports,
    integrity,
    licences,
    memberships,
    notification_rules,
    notification_settings,
    sync_requests,
)
from chalicelib.services.anaf_connect import STATE_LIFETIME
from chalicelib.services.health import check_health
from chalicelib.services.two_factor import LoginChallenge
from chalicelib.settings import refuse_the_chalice_cli
from chalicelib.storage.identity import Session
from chalicelib.storage.memberships import Membership
from chalicelib.tracing import tracer  # noqa: F401 - traces the API's AWS and ANAF calls (X-Ray)

refuse_the_chalice_cli()  # the CDK app deploys Arhivar, `make run` runs it (README, "Deploying to AWS")
app = Chalice(app_name="arhivar")
logger = Logger(service="arhivar-api")

REFRESH_COOKIE = "arhivar_refresh"
ANAF_BINDING_COOKIE = "arhivar_anaf"
REFRESH_COOKIE_MAX_AGE_S = 30 * 24 * 3600  # Cognito's default refresh token validity
CLIENT_HEADER = "x-arhivar-client"  # a header a cross-site form cannot send: CSRF guard

PUBLIC_ROUTES = frozenset({
    "/api/health", "/api/openapi.json", "/api/terms",
    "/api/auth/signup", "/api/auth/confirm", "/api/auth/resend-code", "/api/auth/login",
    "/api/auth/login/totp",
    "/api/auth/refresh", "/api/auth/forgot-password", "/api/auth/reset-password",
    "/api/anaf/callback", "/api/anaf/link/{token}",
    "/api/licences", "/api/unsubscribe",
})


# -- plumbing ----------------------------------------------------------------------------------

route = functools.partial(routing.route, app)


def caller() -> Principal:
    return callers.caller(routing.current_request(app))


def member(cif: str) -> Membership:
    return callers.member(routing.current_request(app), cif)


def body(schema: str) -> dict[str, Any]:
    return parse_body(app.current_request.raw_body, schema)


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, body=payload, headers=headers or {})


def no_content(headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=204, body="", headers=headers or {})


def _session_response(session: Session) -> Response:
    headers = {}
    if session.refresh_token:
        headers["Set-Cookie"] = _refresh_cookie(session.refresh_token, REFRESH_COOKIE_MAX_AGE_S)
    return ok({"access_token": session.access_token, "expires_in": session.expires_in}, headers=headers)


def _refresh_cookie(value: str, max_age: int) -> str:
    secure = "; Secure" if dependencies.settings().public_url.startswith("https://") else ""
    return (f"{REFRESH_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/api/auth; "
            f"Max-Age={max_age}{secure}")


def client_ip() -> str:
    """The caller's IP for rate limits (chalicelib/domain/client_address.py)."""
    return client_address(app.current_request.headers.get("x-forwarded-for", ""),
                          str(((app.current_request.context or {}).get("identity") or {}).get("sourceIp") or ""))


def _cookie(name: str) -> str | None:
    for part in app.current_request.headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


# -- service -----------------------------------------------------------------------------------

@route("/api/health", "GET")
def health() -> Response:
    stage = dependencies.settings().stage
    checks = check_health(dependencies.archive())
    healthy = all(state == "ok" for state in checks.values())
    return ok({"status": "ok" if healthy else "degraded", "stage": stage, "checks": checks},
              status=200 if healthy else 503)


@route("/api/openapi.json", "GET")
def openapi() -> Response:
    return ok(openapi_document())


@route("/api/terms", "GET")
def terms() -> Response:
    return ok({"version": TERMS_VERSION, "password_policy": views.password_policy()})


# -- accounts ----------------------------------------------------------------------------------

@route("/api/auth/signup", "POST")
def sign_up() -> Response:
    data = body("SignUpRequest")
    dependencies.accounts().sign_up(parse_email(data["email"]), data["password"],
                                    data["accepted_terms_version"])
    return ok({"status": "confirmation_required"}, status=201)


@route("/api/auth/confirm", "POST")
def confirm() -> Response:
    data = body("ConfirmRequest")
    dependencies.accounts().confirm(parse_email(data["email"]), data["code"])
    return ok({"status": "confirmed"})


@route("/api/auth/resend-code", "POST")
def resend_code() -> Response:
    dependencies.accounts().resend_confirmation(parse_email(body("EmailRequest")["email"]), client_ip())
    return ok({"status": "sent_if_pending"}, status=202)


@route("/api/auth/login", "POST")
def login() -> Response:
    """A session, or for an account with two-factor login {"challenge": "totp", "session": …}."""
    data = body("LoginRequest")
    outcome = dependencies.two_factor().sign_in(parse_email(data["email"]), data["password"], client_ip())
    if isinstance(outcome, LoginChallenge):
        return ok({"challenge": "totp", "session": outcome.token}, headers={"Cache-Control": "no-store"})
    return _session_response(outcome)


@route("/api/auth/login/totp", "POST")
def login_totp() -> Response:
    """The second step: the authenticator's code, or one of the recovery codes."""
    data = body("LoginTotpRequest")
    return _session_response(dependencies.two_factor().complete_sign_in(data["session"], data["code"],
                                                                        client_ip()))


@route("/api/auth/refresh", "POST")
def refresh() -> Response:
    if app.current_request.headers.get(CLIENT_HEADER) != "web":
        raise NotAllowed("Cerere respinsă: lipsește antetul aplicației web.")
    return _session_response(dependencies.accounts().refresh(_cookie(REFRESH_COOKIE)))


@route("/api/auth/logout", "POST")
def logout() -> Response:
    dependencies.accounts().sign_out(caller().user_id)
    return no_content({"Set-Cookie": _refresh_cookie("", 0)})


@route("/api/auth/forgot-password", "POST")
def forgot_password() -> Response:
    dependencies.accounts().request_password_reset(parse_email(body("EmailRequest")["email"]),
                                                   client_ip())
    return ok({"status": "sent_if_exists"}, status=202)


@route("/api/auth/reset-password", "POST")
def reset_password() -> Response:
    data = body("ResetPasswordRequest")
    dependencies.accounts().reset_password(parse_email(data["email"]), data["code"],
                                           data["password"])
    return ok({"status": "password_changed"})


@route("/api/account", "GET")
def get_account() -> Response:
    return ok(views.account(dependencies.accounts().profile(caller().user_id)))


@route("/api/account/password", "POST")
def change_password() -> Response:
    """Every session ends (other devices too); the caller gets a new one."""
    who = caller()
    data = body("ChangePasswordRequest")
    return _session_response(dependencies.accounts().change_password(
        who.user_id, who.access_token, data["current_password"], data["new_password"]))


@route("/api/account", "DELETE")
def delete_account() -> Response:
    who = caller()
    dependencies.accounts().delete(who.user_id, body("DeleteAccountRequest")["password"])
    return no_content({"Set-Cookie": _refresh_cookie("", 0)})


# -- companies ---------------------------------------------------------------------------------

@route("/api/companies", "GET")
def list_companies() -> Response:
    items = companies.list_for(caller().user_id, dependencies.now())
    return ok({"companies": [views.company(item) for item in items]})


@route("/api/companies/lookup", "POST")
def lookup_company() -> Response:
    answer = companies.lookup_for(caller().user_id, body("CifRequest")["cif"], dependencies.api_company_lookup())
    return ok({"company": views.public_data(answer.public), "already_added": answer.already_added})


@route("/api/companies", "POST")
def register_company() -> Response:
    who = caller()
    summary = companies.register(who.user_id, body("CifRequest")["cif"],
                                 dependencies.api_company_lookup(), dependencies.now())
    return ok({"company": views.company(summary)}, status=201)


@route("/api/companies/{cif}", "GET")
def get_company(cif: str) -> Response:
    return ok({"company": views.company(companies.get(caller().user_id, cif, dependencies.now()))})


@route("/api/companies/{cif}/refresh", "POST")
def refresh_company(cif: str) -> Response:
    summary = companies.refresh_public_data(caller().user_id, cif, dependencies.api_company_lookup(),
                                            dependencies.now())
    return ok({"company": views.company(summary)})


@route("/api/companies/{cif}/members", "GET")
def list_members(cif: str) -> Response:
    member(cif)
    return ok({"members": [views.member(m) for m in memberships.members(cif)]})


@route("/api/companies/{cif}/members", "POST")
def invite_member(cif: str) -> Response:
    actor = member(cif)
    data = body("InviteRequest")
    invited = dependencies.invitations().invite(actor, parse_email(data["email"]), Role(data["role"]))
    return ok({"member": views.member(invited)}, status=201)


@route("/api/companies/{cif}/members/{member_id}", "PUT")
def change_member_role(cif: str, member_id: str) -> Response:
    actor = member(cif)
    memberships.change_role(actor, unquote(member_id), Role(body("RoleRequest")["role"]))
    return no_content()


@route("/api/companies/{cif}/members/{member_id}", "DELETE")
def remove_member(cif: str, member_id: str) -> Response:
    actor = member(cif)
    memberships.remove(actor, unquote(member_id))  # API Gateway passes path parameters encoded
    return no_content()


# -- invitations (the invitee's side) ----------------------------------------------------------

@route("/api/invitations", "GET")
def list_invitations() -> Response:
    waiting = dependencies.invitations().waiting_for(caller().user_id)
    return ok({"invitations": [views.invitation(item) for item in waiting]})


@route("/api/invitations/{cif}/accept", "POST")
def accept_invitation(cif: str) -> Response:
    return ok({"company": views.company(dependencies.invitations().accept(caller().user_id, cif))})


@route("/api/invitations/{cif}/decline", "POST")
def decline_invitation(cif: str) -> Response:
    dependencies.invitations().decline(caller().user_id, cif)
    return no_content()


# -- security journal ("Jurnal de securitate", owners only) -------------------------------------

@route("/api/companies/{cif}/audit", "GET")
def audit_journal(cif: str) -> Response:
    reader = member(cif)
    params = app.current_request.query_params or {}
    page = audit.page(reader, params.get("cursor"), audit_rules.page_size(params.get("page_size")))
    return ok(audit_views.page(page), headers={"Cache-Control": "no-store"})


@route("/api/companies/{cif}/audit.csv", "GET")
def audit_journal_csv(cif: str) -> Response:
    reader = member(cif)
    text, next_cursor = audit.csv_file(reader, (app.current_request.query_params or {}).get("cursor"))
    headers = {"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
               "Content-Disposition": f'attachment; filename="{audit_rules.csv_file_name(cif, dependencies.now())}"'}
    if next_cursor:
        headers["X-Arhivar-Next-Cursor"] = next_cursor
    return Response(status_code=200, body=text, headers=headers)


# -- ANAF authorization ------------------------------------------------------------------------

@route("/api/companies/{cif}/anaf/authorize", "POST")
def authorize_company(cif: str) -> Response:
    start = dependencies.anaf_connect().start(caller().user_id, cif, _cookie(ANAF_BINDING_COOKIE))
    return ok({"authorization_url": start.url}, headers={"Set-Cookie": _binding_cookie(start.browser_binding)})


@route("/api/anaf/callback", "GET")
def anaf_callback() -> Response:
    """Where ANAF sends the browser back; answers with a redirect to a page that explains."""
    query = app.current_request.query_params or {}
    result = dependencies.anaf_connect().complete(query.get("state"), query.get("code"), query.get("error"),
                                                  _cookie(ANAF_BINDING_COOKIE))
    page = "/companii" if result.origin == "dashboard" else "/autorizare-anaf"
    return _redirect(page, anaf=result.outcome, cif=result.cif, covered=",".join(result.covered))


@route("/api/anaf/link/{token}", "GET")
def anaf_link(token: str) -> Response:
    start = dependencies.anaf_connect().start_from_link(token, _cookie(ANAF_BINDING_COOKIE))
    if start is None:
        return _redirect("/autorizare-anaf", anaf="link_invalid")
    return Response(status_code=302, body="", headers={
        "Location": start.url, "Cache-Control": "no-store", "Set-Cookie": _binding_cookie(start.browser_binding)})


@route("/api/companies/{cif}/anaf/link", "POST")
def send_authorization_link(cif: str) -> Response:
    who = caller()
    dependencies.anaf_connect().send_link(who.user_id, cif, parse_email(body("EmailRequest")["email"]))
    return ok({"status": "sent"}, status=202)


@route("/api/anaf/existing-certificate", "GET")
def existing_certificate_offers() -> Response:
    """The caller's companies that "Autorizează cu certificatul existent" is offered for."""
    return ok({"cifs": dependencies.anaf_connect().existing_certificate_offers(caller().user_id)})


@route("/api/companies/{cif}/anaf/existing-certificate", "POST")
def authorize_with_existing_certificate(cif: str) -> Response:
    result = dependencies.anaf_connect().connect_with_existing(caller().user_id, cif)
    return ok({"anaf": result.outcome, "cif": result.cif})


def _binding_cookie(value: str, max_age: int = int(STATE_LIFETIME.total_seconds())) -> str:
    """Binds an ANAF authorization to the browser that starts it (ANAF's redirect back is a
    top-level GET, which SameSite=Lax cookies accompany)."""
    secure = "; Secure" if dependencies.settings().public_url.startswith("https://") else ""
    return (f"{ANAF_BINDING_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/api; "
            f"Max-Age={max_age}{secure}")


@route("/api/companies/{cif}/anaf", "DELETE")
def disconnect_company(cif: str) -> Response:
    dependencies.anaf_connect().disconnect(caller().user_id, cif)
    return no_content()


def _redirect(page: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v})
    location = f"{dependencies.settings().public_url}{page}{'?' + query if query else ''}"
    return Response(status_code=302, body="", headers={"Location": location, "Cache-Control": "no-store"})


# -- sync ----------------------------------------------------------------------------------------

@route("/api/companies/{cif}/sync", "POST")
def sync_now(cif: str) -> Response:
    """"Sincronizează acum": the same message the schedule puts on the sync queue."""
    sync_requests.request_sync(caller().user_id, cif, dependencies.work_queues(), dependencies.now())
    return ok({"status": "queued"}, status=202)


@route("/api/companies/{cif}/sync-runs", "GET")
def sync_history(cif: str) -> Response:
    member(cif)
    runs = sync_requests.history(cif, limit=50)
    return ok({"runs": [views.sync_run(run) for run in runs]})


@route("/api/companies/{cif}/imports", "POST")
def create_import(cif: str) -> Response:
    """"Importă arhive SPV", step 1: a job and the presigned S3 POST its ZIP goes to."""
    who = caller()
    data = body("ImportRequest")
    job, form = imports.create(who.user_id, cif, data["file_name"], data["size"], dependencies.archive(),
                               dependencies.now())
    return ok({"import": views.import_job(job, with_files=True),
               "upload": {"url": form["url"], "fields": form["fields"], "expires_in": imports.UPLOAD_URL_TTL_S,
                          "max_bytes": imports.MAX_UPLOAD_BYTES}}, status=201)


@route("/api/companies/{cif}/imports/{import_id}/start", "POST")
def start_import(cif: str, import_id: str) -> Response:
    """Step 2, once the browser uploaded the ZIP: the job goes on the import queue."""
    job = imports.start(caller().user_id, cif, import_id, dependencies.archive(), dependencies.work_queues(),
                        dependencies.now())
    return ok({"import": views.import_job(job, with_files=True)}, status=202)


@route("/api/companies/{cif}/imports/{import_id}", "GET")
def get_import(cif: str, import_id: str) -> Response:
    job = imports.find(caller().user_id, cif, import_id)
    return ok({"import": views.import_job(job, with_files=True)})


@route("/api/companies/{cif}/imports", "GET")
def list_imports(cif: str) -> Response:
    jobs = imports.recent(caller().user_id, cif)
    return ok({"imports": [views.import_job(job, with_files=False) for job in jobs]})


# -- documents (issue 7) -------------------------------------------------------------------------

from chalicelib.api.documents_routes import documents_routes  # noqa: E402

app.register_blueprint(documents_routes)

from chalicelib.api.buyer_message_routes import buyer_message_routes  # noqa: E402 - issue 16

app.register_blueprint(buyer_message_routes)

# -- the review of received invoices (issue 16) ---------------------------------------------------

from chalicelib.api.review_routes import review_routes  # noqa: E402

app.register_blueprint(review_routes)


# -- delivery to the company's own S3 bucket (issue 15) -----------------------------------------

from chalicelib.api.s3_delivery_routes import s3_delivery_routes  # noqa: E402

app.register_blueprint(s3_delivery_routes)


# -- integrity (issue 12, "a proof of integrity"): a Blueprint cannot hold two methods of one path
# (Chalice pops a deferred route's methods when it registers it, so a second app load turns the
# POST into a duplicate GET), so these live here.

@route("/api/companies/{cif}/integrity", "GET")
def last_integrity_run(cif: str) -> Response:
    """"Integritatea arhivei": the last run of the company (any active member)."""
    run = integrity.last_run(caller().user_id, cif)
    return ok({"run": integrity_views.run_view(run) if run is not None else None},
              headers={"Cache-Control": "no-store"})


@route("/api/companies/{cif}/integrity", "POST")
def start_integrity_run(cif: str) -> Response:
    """"Verifică acum" (owners and admins)."""
    run = integrity.start(caller().user_id, cif, dependencies.work_queues(), dependencies.now())
    return ok({"run": integrity_views.run_view(run)}, status=202)


@route("/api/companies/{cif}/integrity/report", "GET")
def integrity_report(cif: str) -> Response:
    """A presigned link to the last finished run's report, JSON or PDF."""
    link = integrity.report_link(caller().user_id, cif, (app.current_request.query_params or {}).get("format", "pdf"),
                                 dependencies.archive())
    return ok({"url": link.url, "filename": link.filename, "expires_in": integrity.REPORT_URL_TTL_S},
              headers={"Cache-Control": "no-store"})


# -- two-factor login (issue 10) ---------------------------------------------------------------

from chalicelib.api.two_factor_routes import register_routes as register_two_factor_routes  # noqa: E402

register_two_factor_routes(app)


# -- API keys for integrators (issue 15) -----------------------------------------------------------

from chalicelib.api.api_key_routes import register_routes as register_api_key_routes  # noqa: E402

register_api_key_routes(app)

# -- signed webhooks (issue 15) ----------------------------------------------------------------

from chalicelib.api.webhook_routes import register_routes as register_webhook_routes  # noqa: E402

register_webhook_routes(app)


# -- licences and e-mail notifications ---------------------------------------------------------

@route("/api/licences", "GET")
def list_licences() -> Response:
    return ok({"licences": [notification_views.licence(item) for item in licences.catalogue()]})


@route("/api/companies/{cif}/licence", "GET")
def get_licence(cif: str) -> Response:
    return ok(notification_views.licence_state(licences.state(caller().user_id, cif)))


@route("/api/companies/{cif}/licence", "PUT")
def change_licence(cif: str) -> Response:
    who = member(cif)  # an outsider learns nothing, not even from a 400
    state = licences.change(who.user_id, cif, body("LicenceRequest")["licence"], dependencies.now())
    return ok(notification_views.licence_state(state))


@route("/api/account/notifications", "GET")
def get_notification_settings() -> Response:
    return ok(notification_views.settings(notification_settings.settings_of(caller().user_id)))


@route("/api/account/notifications", "PUT")
def change_notification_settings() -> Response:
    who = caller()
    changed = notification_settings.change(who.user_id, body("NotificationSettingsRequest")["companies"])
    return ok(notification_views.settings(changed))


@route("/api/unsubscribe", "GET")
def unsubscribe_page() -> Response:
    """The link in an e-mail: changes nothing (mail scanners open links), only checks the
    token and sends the browser to the confirmation page."""
    token = (app.current_request.query_params or {}).get("token", "")
    try:
        scope, names = notification_settings.check(token, dependencies.notifications().mac_key())
    except notification_settings.UnsubscribeLinkInvalid:
        return _redirect("/dezabonare", eroare="link_invalid")
    return _redirect("/dezabonare", token=token, categorie=scope.category.value, companii=", ".join(names))


@route("/api/unsubscribe", "POST", content_types=[
    "application/x-www-form-urlencoded", "multipart/form-data", "application/json", "text/plain"])
def unsubscribe() -> Response:
    """RFC 8058 one-click unsubscribe (the List-Unsubscribe-Post target) and the confirmation
    page's button: the signed token in the query string is the only credential."""
    token = (app.current_request.query_params or {}).get("token", "")
    done = notification_settings.unsubscribe(token, dependencies.notifications().mac_key())
    return ok(notification_views.unsubscribed(done))


# -- new-invoice e-mails routed per partner or amount (issue 16) ---------------------------------

@route("/api/companies/{cif}/notification-rules", "GET")
def list_notification_rules(cif: str) -> Response:
    return ok(notification_views.rules(notification_rules.list_rules(caller().user_id, cif)))


@route("/api/companies/{cif}/notification-rules", "POST")
def create_notification_rule(cif: str) -> Response:
    who = member(cif)  # an outsider learns nothing, not even from a 400
    data = body("NotificationRuleRequest")
    created = notification_rules.create(who.user_id, cif, data.get("partner_cif"), data.get("min_amount"),
                                        data["emails"], dependencies.now())
    return ok(notification_views.rules(created), status=201)


@route("/api/companies/{cif}/notification-rules/{rule_id}", "DELETE")
def remove_notification_rule(cif: str, rule_id: str) -> Response:
    notification_rules.remove(caller().user_id, cif, unquote(rule_id))
    return no_content()

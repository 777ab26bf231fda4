"""The Documents page's routes (a Chalice Blueprint; app.py registers it): list, detail,
per-file downloads, re-render, and exports. Routes only: parse, call a service, map the result.

Every route starts with the caller's token and their ACTIVE membership on the company (404 for
anyone else), before looking at the query or the body, so nothing is revealed to outsiders.
"""

from __future__ import annotations

import functools
from typing import Any

from chalice import Blueprint, Response

from chalicelib import dependencies
from chalicelib.api import caller as callers
from chalicelib.api import document_views as views
from chalicelib.api import etags, routing
from chalicelib.api.requests import parse_body
from chalicelib.domain import document_filters as filters
from chalicelib.domain import file_names
from chalicelib.services import documents, exports
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.memberships import Membership

documents_routes = Blueprint(__name__)


route = functools.partial(routing.route, documents_routes)


def member(cif: str) -> Membership:
    """The caller's active membership on the company (401 without a token, 404 without one)."""
    return callers.member(routing.current_request(documents_routes), cif)


def query() -> dict[str, str]:
    return dict(documents_routes.current_request.query_params or {})


def ok(payload: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=payload, headers={"Cache-Control": "no-store"})


def read(payload: Any) -> Response:
    """A document read: with its ETag, or 304 when the caller's If-None-Match still holds."""
    return etags.conditional(documents_routes.current_request.headers.get("if-none-match"), payload,
                             {"Cache-Control": "no-store"})


@functools.cache
def index() -> DocumentIndex:
    return DocumentIndex(
        dependencies.settings(), lambda: dependencies.mac_keys().get(documents.CURSOR_KEY_PURPOSE))


# -- list and detail ---------------------------------------------------------------------------

@route("/api/companies/{cif}/documents", "GET")
def list_documents(cif: str) -> Response:
    member(cif)
    params = query()
    f = filters.parse_filter(params)
    page_size = filters.parse_page_size(params.get("page_size"))
    direction = filters.parse_direction(params.get("direction"))
    result = index().page(cif, f, page_size, params.get("cursor") or None, direction)
    return read(views.page(result))


@route("/api/companies/{cif}/documents/{message_id}", "GET")
def get_document(cif: str, message_id: str) -> Response:
    member(cif)
    params = query()
    lines = documents.parse_lines_page(params.get("lines_offset"), params.get("lines_limit"))
    document, invoice = documents.detail(index(), dependencies.archive(), cif, message_id)
    return read({"document": views.detail(document, invoice, lines)})


# -- downloads ---------------------------------------------------------------------------------

@route("/api/companies/{cif}/documents/{message_id}/download", "GET")
def download(cif: str, message_id: str) -> Response:
    member(cif)
    fmt = query().get("format", "pdf")
    if fmt not in file_names.DOWNLOAD_EXTENSIONS:
        raise filters.InvalidFilter("Formatul poate fi pdf, xml sau original.", details={"field": "format"})
    disposition = query().get("disposition", "attachment")
    if disposition not in ("attachment", "inline"):
        raise filters.InvalidFilter("Modul poate fi attachment sau inline.", details={"field": "disposition"})
    link = documents.download_link(index(), dependencies.archive(), dependencies.work_queues(), cif, message_id,
                                   fmt, inline=disposition == "inline")
    return ok({"url": link.url, "filename": link.filename, "expires_in": documents.DOWNLOAD_URL_TTL_S})


@route("/api/companies/{cif}/documents/{message_id}/render", "POST")
def render(cif: str, message_id: str) -> Response:
    documents.request_render(index(), dependencies.work_queues(), member(cif), message_id)
    return ok({"status": "queued"}, status=202)


# -- exports -------------------------------------------------------------------------------------

@route("/api/companies/{cif}/exports", "POST")
def start_export(cif: str) -> Response:
    membership = member(cif)
    data = parse_body(routing.body_bytes(documents_routes.current_request), "ExportRequest")
    f = filters.parse_filter({k: v for k, v in (data.get("filters") or {}).items() if v is not None})
    export = exports.start(membership.user_id, cif, data["format"], f, dependencies.work_queues(),
                           dependencies.now(), period=data.get("period"))
    return ok({"export_id": export.export_id, "status": export.status}, status=202)


@route("/api/companies/{cif}/exports/{export_id}", "GET")
def get_export(cif: str, export_id: str) -> Response:
    export, link = exports.find_with_link(member(cif).user_id, cif, export_id, dependencies.archive())
    view = views.export(export, None)
    if link is not None:
        view.update({"url": link.url, "filename": link.filename})
    return ok({"export": view})

"""Test controls, JSON, under ``/__sandbox`` (never under an ANAF path).

    GET    /__sandbox/                    this list
    GET    /__sandbox/world               companies, partners, created companies, certificates, config, clock
    GET    /__sandbox/messages?cif=X[&offset=0&limit=1000&sha256=1]
                                          every message of X up to now (all types, also those
                                          past the 60 days), each with the sha256 of the ZIP
                                          bytes /descarcare serves, plus listable/downloadable
    GET    /__sandbox/clock               {"now": iso, "now_ms", "offset_s"}
    POST   /__sandbox/clock               {"advance_s": N} | {"set": iso-8601} | {"reset": true}
    POST   /__sandbox/invoices            {"kind": invoice|credit_note|error|rasp, "seller_cif",
                                           "buyer_cif", "count": 1, "lines": n}: new arrivals now
    GET    /__sandbox/faults              active fault rules
    POST   /__sandbox/faults              {"kind": latency|status|timeout|waf|maintenance|
                                           truncate_zip|corrupt_zip, "path": "/prod/FCTEL/rest/descarcare",
                                           "count": N | "probability": p, "seed": s,
                                           "status": 503, "delay_ms": 0, "seconds": 30}
    DELETE /__sandbox/faults[/<id>]       remove one / all rules
    POST   /__sandbox/tokens/revoke       {"token": jwt} | {"serial": certificate serial}
    GET    /__sandbox/limits              counters in use
    POST   /__sandbox/limits              {"kind": lista|paginatie|descarcare|stare|rasp, "key": cif|id,
                                           "used": N | "exhaust": true}  (today)
                                          {"kind": "minute", "key": client_id, "used": N}
    POST   /__sandbox/certificates        {"holder": "Nume Prenume", "cifs": ["123", ...]}: a new
                                          certificate with SPV rights on those CIFs → {"serial", ...}
    POST   /__sandbox/companies           {"name": "Nume"} (optional): a new company the lookup knows,
                                          not in SPV until a certificate is issued for it → {"cif", "name"}
    POST   /__sandbox/reset               back to the seeded state (tokens stay valid)
    POST   /__sandbox/settings            {"processing_delay_s": N}: uploads filed from now on stay
                                          "in prelucrare" N s of the sandbox clock (until a reset,
                                          which restores --processing-delay)
    GET    /__sandbox/certs/chain.pem     sandbox MF signer + sandbox root CA (PEM)
    GET    /__sandbox/certs/signer.pem | root.pem | jwt-public.pem
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from flask import Blueprint, Response, abort, jsonify, request

from . import signing
from .clock import local_day
from .http_common import sandbox
from .limits import DAILY
from .messages import DAY_MS, Upload
from .store import download_expired
from .tokens import public_key_pem
from .world import Company

bp = Blueprint("admin", __name__, url_prefix="/__sandbox")


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _bad(message: str, status: int = 400) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.get("/")
def index() -> Response:
    return Response(__doc__ or "", mimetype="text/plain")


def _company_json(c: Company) -> dict:
    p = c.party
    return {
        "cif": p.cif, "name": p.name, "in_spv": c.in_spv, "vat_payer": p.vat_payer, "reg_com": p.reg_com,
        "address": {"street": p.street, "city": p.city, "county_code": p.county_code, "county": c.county,
                    "postal_zone": p.postal_zone},
    }


@bp.get("/world")
def world() -> Response:
    sb = sandbox()
    c = sb.config
    return jsonify({
        "seed": c.seed,
        "companies": [_company_json(x) for x in sb.world.companies],
        "partners": [_company_json(x) for x in sb.world.partners],
        "created": [_company_json(x) for x in sb.created],
        "certificates": [{"serial": x.serial, "holder": x.holder, "cifs": list(x.cifs)} for x in sb.certificates()],
        "volume": {"cif": c.volume_cif, "messages": c.volume_messages} if sb.store.volume else None,
        "arrival_interval_s": c.arrival_interval_s,
        "processing_delay_s": sb.store.processing_delay_s,
        "clients": [{"client_id": x.client_id, "redirect_uris": list(x.redirect_uris)} for x in c.clients],
        "clock": _clock_json(),
    })


@bp.get("/messages")
def messages() -> Response:
    sb = sandbox()
    cif = request.args.get("cif", "")
    offset = int(request.args.get("offset", 0))
    limit = int(request.args.get("limit", 1000))
    with_sha = request.args.get("sha256", "1") != "0"
    now = sb.now_ms()
    window = sb.store.all_messages(cif, now)
    out = []
    for m in window.page(offset, limit):
        item = m.as_json() | {
            "created_ms": m.created_ms,
            "listable": m.created_ms >= now - 60 * DAY_MS,
            "downloadable": not download_expired(m, now),
        }
        if with_sha:
            item["sha256"] = hashlib.sha256(sb.store.zip_bytes(m)).hexdigest()
        out.append(item)
    return jsonify({"cif": cif, "total": window.count, "offset": offset, "messages": out})


def _clock_json() -> dict:
    sb = sandbox()
    return {"now": sb.clock.now().isoformat(), "now_ms": sb.clock.now_ms(), "offset_s": sb.clock.offset_s}


@bp.get("/clock")
def clock_get() -> Response:
    return jsonify(_clock_json())


@bp.post("/clock")
def clock_set() -> Response:
    sb = sandbox()
    body = _body()
    if "advance_s" in body:
        sb.clock.advance(float(body["advance_s"]))
    elif "set" in body:
        when = dt.datetime.fromisoformat(body["set"])
        if when.tzinfo is None:
            return _bad("set needs a timezone-aware ISO 8601 time")
        sb.clock.set(when)
    elif body.get("reset"):
        sb.clock.reset()
    else:
        return _bad("expected advance_s, set or reset")
    sb.now_ms()
    return jsonify(_clock_json())


@bp.post("/invoices")
def add_invoices() -> Response:
    sb = sandbox()
    body = _body()
    kind = body.get("kind", "invoice")
    if kind not in ("invoice", "credit_note", "error", "rasp"):
        return _bad("kind must be invoice, credit_note, error or rasp")
    now = sb.now_ms()
    created = []
    for _ in range(int(body.get("count", 1))):
        index = sb.store.new_index()
        rng = random.Random(f"{sb.config.seed}:admin:{index}")
        seller = sb.world.company(body.get("seller_cif") or rng.choice(sb.world.selling_partners).cif)
        buyer = sb.world.company(body.get("buyer_cif") or rng.choice(sb.world.companies).cif)
        if seller is None or buyer is None:
            return _bad("seller_cif and buyer_cif must be companies or partners of the world (GET /__sandbox/world)")
        upload = Upload(
            index=index, cif=buyer.cif if kind == "rasp" else seller.cif, kind=kind,
            seller_cif=seller.cif, buyer_cif=buyer.cif, created_ms=now,
            status="nok" if kind == "error" else "ok",
            number=sb.store.next_number(seller.cif, kind == "credit_note"),
            line_count=body.get("lines"),
            errors=(("E: validari globale  SCHEMATRON   eroare: [BR-16]-An Invoice shall have at least one "
                     "Invoice line (BG-25)."),),
            referenced_index=str(int(index) - 1),
        )
        produced = sb.store.add_upload(upload)
        created.append({"id_solicitare": index, "messages": [m.as_json() for m in produced]})
    return jsonify({"created": created})


@bp.post("/settings")
def settings() -> Response:
    delay = _body().get("processing_delay_s")
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 86_400:
        return _bad("processing_delay_s must be a number of seconds between 0 and 86400")
    sandbox().store.set_processing_delay(float(delay))
    return jsonify({"processing_delay_s": sandbox().store.processing_delay_s})


@bp.get("/faults")
def faults_list() -> Response:
    return jsonify({"faults": sandbox().faults.list()})


@bp.post("/faults")
def faults_add() -> Response:
    try:
        rule = sandbox().faults.add(_body())
    except (ValueError, TypeError) as exc:
        return _bad(str(exc))
    return jsonify(rule.as_json())


@bp.delete("/faults")
def faults_clear() -> Response:
    sandbox().faults.remove()
    return jsonify({"faults": []})


@bp.delete("/faults/<int:rule_id>")
def faults_remove(rule_id: int) -> Response:
    sandbox().faults.remove(rule_id)
    return jsonify({"faults": sandbox().faults.list()})


@bp.post("/tokens/revoke")
def revoke() -> Response:
    sb = sandbox()
    body = _body()
    if body.get("token"):
        sb.tokens.revoke_token(body["token"])
    elif body.get("serial"):
        sb.tokens.revoke_serial(body["serial"], sb.clock.now_ts())
    else:
        return _bad("expected token or serial")
    return jsonify({"revoked": True})


@bp.get("/limits")
def limits_get() -> Response:
    return jsonify(sandbox().limits.snapshot() | {"limits": DAILY, "per_minute_limit": 1000})


@bp.post("/limits")
def limits_set() -> Response:
    sb = sandbox()
    body = _body()
    kind, key = body.get("kind"), str(body.get("key", ""))
    if not key:
        return _bad("key is required")
    now_s = sb.clock.now_ts()
    if kind == "minute":
        sb.limits.fill_minute(key, now_s, 1000 if body.get("exhaust") else int(body.get("used", 0)))
    elif kind in DAILY:
        used = DAILY[kind] if body.get("exhaust") else int(body.get("used", 0))
        sb.limits.set_daily(kind, key, local_day(now_s), used)
    else:
        return _bad(f"kind must be one of {[*sorted(DAILY), 'minute']}")
    return jsonify(sb.limits.snapshot())


@bp.post("/companies")
def companies_add() -> Response:
    name = _body().get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 100):
        return _bad("name must be a short text")
    company = sandbox().create_company(name.strip() if name else None)
    response = jsonify(_company_json(company))
    response.status_code = 201
    return response


@bp.post("/certificates")
def certificates_add() -> Response:
    body = _body()
    holder, cifs = body.get("holder"), body.get("cifs")
    if not isinstance(holder, str) or not holder.strip():
        return _bad("holder is required")
    if not isinstance(cifs, list) or not all(isinstance(c, str) and c.isascii() and c.isdigit() for c in cifs):
        return _bad("cifs must be a list of CIFs (digits, without RO)")
    cert = sandbox().issue_certificate(holder.strip(), tuple(cifs))
    response = jsonify({"serial": cert.serial, "holder": cert.holder, "cifs": list(cert.cifs)})
    response.status_code = 201
    return response


@bp.post("/reset")
def reset() -> Response:
    sandbox().reset()
    return jsonify({"reset": True, "clock": _clock_json()})


_CERTS = {
    "chain.pem": signing.chain_pem,
    "signer.pem": (signing.CERTS / "sandbox-mf-signer.pem").read_bytes,
    "root.pem": (signing.CERTS / "sandbox-root-ca.pem").read_bytes,
    "jwt-public.pem": public_key_pem,
}


@bp.get("/certs/<name>")
def certs(name: str) -> Response:
    if name not in _CERTS:
        abort(404)
    return Response(_CERTS[name](), mimetype="application/x-pem-file")

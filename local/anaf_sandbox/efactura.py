"""e-Factura REST (API.md §2), served under both ``/prod/FCTEL/rest`` and ``/test/FCTEL/rest``.

Business errors come back as HTTP 200 with ANAF's Romanian texts; missing parameters are
HTTP 400 Spring JSON; a missing/invalid bearer token is 403; more than 1000 calls in 60 s
(per OAuth client) is 429.
"""

from __future__ import annotations

import random
from xml.sax.saxutils import quoteattr

from flask import Blueprint, Response, request

from .clock import data_creare, local_day, ro_datetime
from .http_common import forbidden, json_response, sandbox, spring_error, xml_response
from .limits import DAILY
from .messages import DAY_MS, FILTERS
from .store import download_expired
from .tokens import TokenError
from .uploads import handle_upload
from .world import Certificate

bp = Blueprint("efactura", __name__)
REST = "/<any(prod,test):env>/FCTEL/rest"
PAGE_SIZE = 500
SIMPLE_LIST_CAP = 500
STATUS_NS = "mfp:anaf:dgti:efactura:stareMesajFactura:v1"


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def caller() -> Certificate:
    """The certificate behind the bearer token, after the per-minute budget (403 / 429)."""
    sb = sandbox()
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise _Refused(forbidden())
    now_s = sb.clock.now_ts()
    try:
        claims = sb.tokens.check_access(header[7:].strip(), now_s)
    except TokenError:
        raise _Refused(forbidden()) from None
    cert = sb.certificate(claims.serial)
    if cert is None:
        raise _Refused(forbidden())
    if not sb.limits.allow_call(claims.client_id, now_s):
        raise _Refused(spring_error(429, "Too Many Requests"))
    return cert


@bp.errorhandler(_Refused)
def _refused(exc: _Refused) -> Response:
    return exc.response


def _list_error(text: str) -> Response:
    return json_response({"eroare": text, "titlu": "Lista Mesaje"})


def _envelope(cert: Certificate, titlu: str, mesaje: list[dict], **extra) -> dict:
    return {"mesaje": mesaje, **extra, "serial": cert.serial, "cui": ",".join(cert.cifs), "titlu": titlu}


def _tips(filtru: str | None) -> set[str] | bool | None:
    if filtru is None or filtru == "":
        return None
    return FILTERS.get(filtru, False)


def _rights_error(cert: Certificate, cif: str) -> str | None:
    if not cert.cifs:
        return "Nu exista niciun CIF pentru care sa aveti drept in SPV"
    if cif not in cert.cifs:
        return f"Nu aveti drept in SPV pentru CIF={cif}"
    return None


def _shuffled(items: list, *key: object) -> list:
    """ANAF does not sort its lists; the sandbox shuffles each answer deterministically."""
    random.Random(":".join(map(str, (sandbox().config.seed, *key)))).shuffle(items)
    return items


@bp.get(f"{REST}/listaMesajeFactura")
def lista_mesaje(env: str) -> Response:
    cert = caller()
    sb = sandbox()
    zile, cif, filtru = request.args.get("zile"), request.args.get("cif"), request.args.get("filtru")
    if not zile or not cif:
        return spring_error(400, "Parametrii zile si cif sunt obligatorii")
    if not cif.isdigit():
        return _list_error(f"CIF introdus= {cif} nu este un numar")
    if not zile.isdigit():
        return _list_error(f"Numarul de zile introdus= {zile} nu este un numar intreg")
    days = int(zile)
    if not 1 <= days <= 60:
        return _list_error("Numarul de zile trebuie sa fie intre 1 si 60")
    tips = _tips(filtru)
    if tips is False:
        return _list_error("Valorile acceptate pentru parametrul filtru sunt E, T, P sau R")
    if (problem := _rights_error(cert, cif)) is not None:
        return _list_error(problem)
    now = sb.now_ms()
    if not sb.limits.take("lista", cif, local_day(now / 1000)):
        return _list_error(  # production wording UNCONFIRMED (API.md §2.4)
            f"S-au facut deja {DAILY['lista']} de interogari de tip lista mesaje simpla "
            f"de catre CUI={cif} in cursul zilei"
        )
    window = sb.store.window(cif, now - days * DAY_MS, now, tips)
    if window.count == 0:
        return _list_error(f"Nu exista mesaje in ultimele {days} zile")
    if window.count > SIMPLE_LIST_CAP:
        return _list_error(
            "Lista de mesaje este mai mare decat numarul de 500 elemente permise in pagina. "
            "Folositi endpoint-ul cu paginatie."
        )
    mesaje = _shuffled([m.as_json() for m in window.page(0, SIMPLE_LIST_CAP)], cif, now // 60_000)
    return json_response(_envelope(cert, f"Lista Mesaje disponibile din ultimele {days} zile", mesaje))


def _bad_number(name: str, value: str) -> Response:
    return _list_error(f"{name} = {value} nu este un numar sau nu are o valoare acceptata de sistem")


@bp.get(f"{REST}/listaMesajePaginatieFactura")
def lista_paginatie(env: str) -> Response:
    cert = caller()
    sb = sandbox()
    a = request.args
    start, end, cif, pagina = a.get("startTime"), a.get("endTime"), a.get("cif"), a.get("pagina")
    if not start or not end or not cif or not pagina:
        return spring_error(400, "Parametrii startTime, endTime, cif si pagina sunt obligatorii")
    if not cif.isdigit():
        return _list_error(f"CIF introdus= {cif} nu este un numar sau nu are o valoare acceptata de sistem")
    for name, value in (("startTime", start), ("endTime", end)):
        if not value.isdigit():
            return _bad_number(name, value)
    if not pagina.isdigit() or int(pagina) < 1:  # page 0 refused: sandbox choice
        return _bad_number("pagina", pagina)
    start_ms, end_ms, page = int(start), int(end), int(pagina)
    now = sb.now_ms()
    if start_ms < now - 60 * DAY_MS:
        return _list_error(
            f"startTime = {ro_datetime(start_ms)} nu poate fi mai vechi de 60 de zile fata de momentul requestului"
        )
    if end_ms <= start_ms:
        return _list_error(f"endTime = {ro_datetime(end_ms)} nu poate fi <= startTime = {ro_datetime(start_ms)}")
    if end_ms > now:
        return _list_error(
            f"endTime = {ro_datetime(end_ms)} nu poate in viitor fata de momentul requestului = {ro_datetime(now)}"
        )
    tips = _tips(a.get("filtru"))
    if tips is False:
        return _list_error("Valorile acceptate pentru parametrul filtru sunt E, T, P sau R")
    if (problem := _rights_error(cert, cif)) is not None:
        return _list_error(problem)
    if not sb.limits.take("paginatie", cif, local_day(now / 1000)):
        return _list_error(  # production wording UNCONFIRMED (API.md §2.4)
            f"S-au facut deja {DAILY['paginatie']} de interogari de tip lista mesaje paginata "
            f"de catre CUI={cif} in cursul zilei"
        )
    window = sb.store.window(cif, start_ms, end_ms, tips)
    if window.count == 0:
        return _list_error("Nu exista mesaje in intervalul selectat")
    pages = -(-window.count // PAGE_SIZE)
    if page > pages:
        return _list_error(f"Pagina solicitata {page} este mai mare decat numarul toatal de pagini {pages}")
    items = window.page((page - 1) * PAGE_SIZE, PAGE_SIZE)
    mesaje = _shuffled([m.as_json() for m in items], cif, start_ms, end_ms, page)
    titlu = f"Lista Mesaje disponibile din intervalul {ro_datetime(start_ms)} - {ro_datetime(end_ms)}"
    return json_response(
        _envelope(
            cert, titlu, mesaje,
            numar_inregistrari_in_pagina=len(mesaje),
            numar_total_inregistrari_per_pagina=PAGE_SIZE,
            numar_total_inregistrari=window.count,
            numar_total_pagini=pages,
            index_pagina_curenta=page,
        )
    )


def _download_error(text: str) -> Response:
    return json_response({"eroare": text, "titlu": "Descarcare mesaj"})


@bp.get(f"{REST}/descarcare")
def descarcare(env: str) -> Response:
    cert = caller()
    sb = sandbox()
    mid = request.args.get("id")
    if not mid:
        return spring_error(400, "Parametrul id este obligatoriu")
    if not mid.isdigit():
        return _download_error(f"Id descarcare introdus= {mid} nu este un numar intreg")
    now = sb.now_ms()
    message = sb.store.message(mid)
    if message is None or message.created_ms > now:
        return _download_error(f"Pentru id={mid} nu exista inregistrata nici o factura")
    if message.cif not in cert.cifs:
        return _download_error("Nu aveti dreptul sa descarcati acesta factura")
    if download_expired(message, now):
        return _download_error(
            "Fisierul nu mai poate fi descarcat pentru ca a trecut perioada de 60 de zile in care este disponibil"
        )
    if not sb.limits.take("descarcare", mid, local_day(now / 1000)):
        return _download_error(f"S-au facut deja {DAILY['descarcare']} descarcari la mesajul cu "
                               f"id_descarcare={mid} in cursul zilei")
    response = Response(sb.store.zip_bytes(message), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{mid}.zip"'  # UNCONFIRMED
    return response


def _status_error(text: str) -> Response:
    return xml_response(f'<header xmlns="{STATUS_NS}"><Errors errorMessage={quoteattr(text)}/></header>')


@bp.get(f"{REST}/stareMesaj")
def stare_mesaj(env: str) -> Response:
    cert = caller()
    sb = sandbox()
    index = request.args.get("id_incarcare")
    if not index:
        return spring_error(400, "Parametrul id_incarcare este obligatoriu")
    if not index.isdigit():
        return _status_error(f"Id_incarcare introdus= {index} nu este un numar intreg")
    if not cert.cifs:
        return _status_error("Nu exista niciun CIF petru care sa aveti drept")  # sic
    now = sb.now_ms()
    upload = sb.store.upload(index)
    if upload is None or upload.created_ms > now:
        return _status_error(f"Nu exista factura cu id_incarcare= {index}")
    if upload.cif not in cert.cifs:
        return _status_error(f"Nu aveti dreptul de inteorgare pentru id_incarcare= {index}")  # sic
    if not sb.limits.take("stare", index, local_day(now / 1000)):
        # the swagger's wording (with its older number); production text UNCONFIRMED
        return _status_error(f"S-au facut deja {DAILY['stare']} descarcari de mesaj in cursul zilei")
    attrs = f"stare={quoteattr(upload.status)}"
    if upload.status in ("ok", "nok") and upload.download_id:
        attrs += f" id_descarcare={quoteattr(upload.download_id)}"
    return xml_response(f'<header xmlns="{STATUS_NS}" {attrs}/>')


@bp.post(f"{REST}/upload")
def upload(env: str) -> Response:
    cert = caller()
    return handle_upload(cert, request.args, request.get_data(), data_creare)

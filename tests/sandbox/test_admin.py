"""The admin view is the truth other tests assert completeness against."""

from __future__ import annotations

import hashlib

import requests

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.testing import running_sandbox

from .conftest import START

DAY_MS = 86_400_000


def _all_listed(sb, api, cif):
    now = sb.admin("GET", "clock")["now_ms"]
    params = {"startTime": now - 60 * DAY_MS + 1000, "endTime": now, "cif": cif, "pagina": 1}
    body = api("listaMesajePaginatieFactura", params=params).json()
    return body.get("mesaje", [])


def test_admin_messages_are_exactly_what_the_api_lists_and_serves(sb, api, world):
    for company in world["companies"][:3]:
        cif = company["cif"]
        truth = sb.messages(cif)["messages"]
        listable = {m["id"]: m for m in truth if m["listable"]}
        listed = {m["id"]: m for m in _all_listed(sb, api, cif)}
        assert listed.keys() == listable.keys()
        for mid, m in list(listed.items())[:5]:
            assert {k: listable[mid][k] for k in m} == m
            download = api("descarcare", params={"id": mid})
            assert download.status_code == 200 and download.content.startswith(b"PK"), download.text[:300]
            assert hashlib.sha256(download.content).hexdigest() == listable[mid]["sha256"]
        assert any(not m["listable"] for m in truth)  # the history goes past the window


def test_added_invoices_appear_for_seller_and_buyer(sb, api, world):
    seller, buyer = world["companies"][2]["cif"], world["companies"][3]["cif"]
    created = sb.add_invoices(seller_cif=seller, buyer_cif=buyer, count=2, lines=3)["created"]
    assert len(created) == 2
    indexes = {c["id_solicitare"] for c in created}
    assert indexes <= {m["id_solicitare"] for m in _all_listed(sb, api, seller) if m["tip"] == "FACTURA TRIMISA"}
    assert indexes <= {m["id_solicitare"] for m in _all_listed(sb, api, buyer) if m["tip"] == "FACTURA PRIMITA"}


def test_reset_returns_to_the_seeded_state(sb, world):
    cif = world["companies"][2]["cif"]
    before = sb.messages(cif)["total"]
    sb.add_invoices(seller_cif=cif, count=3)
    sb.advance_clock(3600)
    assert sb.messages(cif)["total"] == before + 3
    sb.reset()
    assert sb.messages(cif)["total"] == before and abs(sb.admin("GET", "clock")["offset_s"]) < 1e-9


def test_invoices_keep_arriving_on_the_sandbox_clock():
    with running_sandbox(SandboxConfig(seed=2, start_time=START, arrival_interval_s=600)) as sb:
        totals = lambda: sum(sb.messages(c["cif"], sha256=0)["total"] for c in sb.world()["companies"])  # noqa: E731
        before = totals()
        sb.advance_clock(6 * 600 + 1)  # six arrivals due
        after = totals()
        assert before + 6 <= after <= before + 12  # each arrival gives 1 or 2 SPV messages


def test_published_certificates(sb):
    chain = requests.get(f"{sb.base_url}/__sandbox/certs/chain.pem", timeout=10).text
    assert chain.count("BEGIN CERTIFICATE") == 2
    assert requests.get(f"{sb.base_url}/__sandbox/certs/nope.pem", timeout=10).status_code == 404


def test_bad_admin_requests_are_400(sb):
    for path, body in (("clock", {}), ("faults", {"kind": "meteor"}), ("limits", {"kind": "x", "key": "1"}),
                       ("invoices", {"kind": "invoice", "seller_cif": "8486152"})):
        assert requests.post(f"{sb.base_url}/__sandbox/{path}", json=body, timeout=10).status_code == 400

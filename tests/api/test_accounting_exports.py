"""Exports for accounting software (SAGA XML, lines CSV) through the API and the export worker,
against a fresh sandbox company whose invoices arrive at ANAF during the test: the first export
of a period marks what it took, the second one ("doar ce nu a fost exportat încă") takes only
the invoices that arrived since, and the Documents list shows and filters the marks."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from lxml import etree

from chalicelib import dependencies
from chalicelib.storage import exports as export_records
from chalicelib.storage.models import DocumentModel
from chalicelib.topology import queue
from functions.build_export import handler as export_handler
from local.runtime import QueuePoller
from tests.api.conftest import add_proven_company, new_company, sign_up
from tests.api.proven import invite_and_accept


class Company:
    def __init__(self, user, cif: str, sandbox_url: str, partners: list[str]) -> None:
        self.user, self.cif, self.sandbox_url, self.partners = user, cif, sandbox_url, partners

    @classmethod
    def new(cls, base_url: str, sandbox_url: str) -> Company:
        """A new user's new company, proven at ANAF, with nothing archived; the world's partners
        to trade with."""
        world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
        cif = new_company(sandbox_url)
        user = sign_up(base_url)
        add_proven_company(user, cif, sandbox_url)
        return cls(user, cif, sandbox_url, [p["cif"] for p in world["partners"]])

    def arrive(self, **spec) -> None:
        """New messages at ANAF two minutes ago (a sync lists up to 30 s ago), then synced."""
        admin = f"{self.sandbox_url}/__sandbox"
        offset = requests.get(f"{admin}/clock", timeout=10).json()["offset_s"]
        requests.post(f"{admin}/clock", json={"advance_s": -120}, timeout=10).raise_for_status()
        try:
            requests.post(f"{admin}/invoices", json=spec, timeout=30).raise_for_status()
        finally:
            current = requests.get(f"{admin}/clock", timeout=10).json()["offset_s"]
            requests.post(f"{admin}/clock", json={"advance_s": offset - current}, timeout=10).raise_for_status()

    def sync(self) -> list[DocumentModel]:
        outcome = dependencies.company_sync(lambda: 900.0).run(self.cif, "test")
        assert outcome.result in ("complete", "partial"), outcome
        return list(DocumentModel.query(self.cif, consistent_read=True))

    def export(self, settings, fmt: str, period: str | None, filters: dict) -> tuple[dict, bytes]:
        body = {"format": fmt, "filters": filters, **({"period": period} if period else {})}
        started = self.user.call("POST", f"/companies/{self.cif}/exports", json=body)
        assert started.status_code == 202, started.text
        export_id = started.json()["export_id"]
        poller = QueuePoller(settings, queue("export"), export_handler.lambda_handler, wait_time_s=0)
        deadline = time.monotonic() + 120  # other tests' exports may wait on the queue first
        status: dict = {}
        while time.monotonic() < deadline:
            poller.poll_once()
            status = self.user.call("GET", f"/companies/{self.cif}/exports/{export_id}").json()["export"]
            if status["status"] in ("ready", "failed"):
                break
        assert status["status"] == "ready", status
        return status, requests.get(status["url"], timeout=30).content

    def listing(self, **params) -> dict:
        answer = self.user.call("GET", f"/companies/{self.cif}/documents", params={"page_size": "100", **params})
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def company(local_stack, base_url) -> Company:
    return Company.new(base_url, local_stack.ports.sandbox_url)


def month_of(documents: list[DocumentModel]) -> str:
    months = {d.issue_date[:7] for d in documents if d.issue_date}
    assert len(months) == 1, months  # arrived together: issued the same day
    return months.pop()


def saga_members(content: bytes) -> dict[str, etree._Element]:
    package = zipfile.ZipFile(io.BytesIO(content))
    assert package.testzip() is None
    return {name: etree.fromstring(package.read(name)) for name in package.namelist() if name.endswith(".xml")}


def indexes(members: dict[str, etree._Element]) -> set[str]:
    return {root.findtext("Factura/Antet/FacturaIndexSPV") or "" for root in members.values()}


def test_a_second_saga_export_takes_only_what_arrived_since_the_first(company, settings):
    # GIVEN received invoices, a received credit note and sent invoices of one month
    company.arrive(kind="invoice", seller_cif=company.partners[0], buyer_cif=company.cif, count=3)
    company.arrive(kind="credit_note", seller_cif=company.partners[1], buyer_cif=company.cif, count=1)
    company.arrive(kind="invoice", seller_cif=company.cif, buyer_cif=company.partners[2], count=2)
    first_documents = company.sync()
    invoices = [d for d in first_documents if d.kind in ("received", "sent")]
    assert len(invoices) == 6
    period = month_of(invoices)

    # WHEN the month is exported for SAGA, only what was not exported yet
    status, content = company.export(settings, "saga", period, {"accounting": "not_exported"})

    # THEN one XML per invoice: received ones under Intrari (the company is the client), sent
    # ones under Iesiri (the company is the supplier), named F_<CIF>_<number>_<date>.xml
    members = saga_members(content)
    assert status["total"] == 6 and len(members) == 6
    assert status["filename"] == f"SAGA_{company.cif}_{period}-01_{status['filters']['issued_to']}.zip"
    received = {n: r for n, r in members.items() if n.startswith("Intrari/")}
    sent = {n: r for n, r in members.items() if n.startswith("Iesiri/")}
    assert len(received) == 4 and len(sent) == 2
    assert all(r.findtext("Factura/Antet/ClientCIF", "").endswith(company.cif) for r in received.values())
    assert all(r.findtext("Factura/Antet/FurnizorCIF", "").endswith(company.cif) for r in sent.values())
    by_index = {d.upload_index: d for d in invoices}
    assert indexes(members) == set(by_index)
    for name, root in members.items():
        document = by_index[root.findtext("Factura/Antet/FacturaIndexSPV")]
        dd, mm, yyyy = (root.findtext("Factura/Antet/FacturaData") or "").split(".")
        day = date(int(yyyy), int(mm), int(dd))
        assert day.isoformat() == document.issue_date
        assert name.endswith(f"_{day:%d-%m-%Y}.xml") and name.split("/")[1].startswith("F_")
        assert root.findtext("Factura/FacturaID") == document.message_id
    credit = [r for r in received.values()
              if by_index[r.findtext("Factura/Antet/FacturaIndexSPV")].type_code == "381"]
    assert len(credit) == 1
    assert all(v.startswith("-") for v in (x.text or "" for x in credit[0].iterfind(".//Linie/Valoare")))

    # AND the list shows the mark on each of them and filters by it
    exported = company.listing(accounting="exported")["documents"]
    assert {d["message_id"] for d in exported} == {d.message_id for d in invoices}
    assert all(d["accounting_export"]["export_id"] == status["export_id"] for d in exported)
    assert all(d["accounting_export"]["exported_at"] for d in exported)
    assert company.listing(accounting="not_exported", type="received")["documents"] == []

    # WHEN two more invoices arrive and the same export is asked again
    company.arrive(kind="invoice", seller_cif=company.partners[0], buyer_cif=company.cif, count=2)
    new = [d for d in company.sync() if d.kind == "received" and d.upload_index not in by_index]
    assert len(new) == 2
    second, content = company.export(settings, "saga", month_of(new), {"accounting": "not_exported"})

    # THEN it holds only the new ones, and they carry the second export's mark
    members = saga_members(content)
    assert indexes(members) == {d.upload_index for d in new} and second["total"] == 2
    marks = {d["message_id"]: d["accounting_export"]["export_id"]
             for d in company.listing(type="received")["documents"]}
    assert {marks[d.message_id] for d in new} == {second["export_id"]}
    assert {marks[d.message_id] for d in invoices if d.kind == "received"} == {status["export_id"]}

    # AND an export without the filter takes everything of the month again
    _, content = company.export(settings, "saga", period, {"type": "received"})
    assert len(saga_members(content)) == 6


def test_the_lines_csv_has_a_row_per_invoice_line_of_the_sent_invoices(company, settings):
    company.arrive(kind="invoice", seller_cif=company.cif, buyer_cif=company.partners[3], count=1, lines=3)
    documents = company.sync()
    sent = [d for d in documents if d.kind == "sent"]
    period = max(d.issue_date for d in sent)[:7]
    sent = [d for d in sent if d.issue_date.startswith(period)]
    status, content = company.export(settings, "lines_csv", period, {"type": "sent"})
    assert status["filename"].startswith(f"Linii_{company.cif}_iesiri_") and status["filename"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) >= sum(int(d.line_count or 0) for d in sent)
    assert {r["ID mesaj ANAF"] for r in rows} == {d.message_id for d in sent}
    assert {r["Direcție"] for r in rows} == {"Ieșire"}
    assert all(r["CIF furnizor"].endswith(company.cif) for r in rows)


def test_bad_accounting_export_requests_are_refused_with_their_codes(company):
    base = f"/companies/{company.cif}/exports"
    for period in ("2026-13", "2026-T5", "noiembrie", "2026-11-01"):
        answer = company.user.call("POST", base, json={"format": "saga", "period": period})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_period", period
    answer = company.user.call("POST", base, json={"format": "saga", "filters": {"type": "error"}})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_filter"
    answer = company.user.call("GET", f"/companies/{company.cif}/documents", params={"accounting": "poate"})
    assert answer.status_code == 400 and answer.json()["error"]["details"]["field"] == "accounting"


def test_the_period_is_the_month_or_quarter_of_issue(company, settings):
    now = datetime.now(UTC) + timedelta(days=400)  # a period with nothing issued in it
    status, content = company.export(settings, "saga", f"{now.year}-T{(now.month - 1) // 3 + 1}", {})
    assert status["total"] == 0 and saga_members(content) == {}
    quarter = (now.month - 1) // 3 + 1
    assert status["filters"]["issued_from"] == f"{now.year}-{quarter * 3 - 2:02d}-01"


def test_a_build_that_stopped_after_marking_its_documents_rebuilds_the_same_file(company, settings):
    # GIVEN an export of what was not exported yet, built and its documents marked
    company.arrive(kind="invoice", seller_cif=company.partners[1], buyer_cif=company.cif, count=2)
    new = [d for d in company.sync() if d.kind == "received" and d.accounting_export_id is None]
    assert len(new) >= 2
    first, content = company.export(settings, "saga", month_of(new), {"accounting": "not_exported"})
    taken = indexes(saga_members(content))
    assert {d.upload_index for d in new} <= taken
    # WHEN the worker had stopped before recording the export ready, and the message comes back
    export_records.mark_building(first["export_id"], datetime.now(UTC))
    assert export_handler.builder().build(first["export_id"]) == "ready"
    # THEN the rebuilt file holds the same invoices (its own marks still read as "not exported")
    again = company.user.call("GET", f"/companies/{company.cif}/exports/{first['export_id']}").json()["export"]
    assert again["total"] == first["total"] == len(taken)
    assert indexes(saga_members(requests.get(again["url"], timeout=30).content)) == taken


def test_a_viewer_cannot_mark_invoices_exported_but_the_accountant_can(company, new_user):
    # GIVEN a viewer and an accountant of the company
    viewer, accountant = new_user(), new_user()
    invite_and_accept(company.user, viewer, company.cif, "viewer")
    invite_and_accept(company.user, accountant, company.cif, "contabil")
    base = f"/companies/{company.cif}/exports"
    # WHEN the viewer asks for an accounting export (it would mark what it holds as exported)
    refused = viewer.call("POST", base, json={"format": "saga", "filters": {"accounting": "not_exported"}})
    # THEN it is refused; the viewer's other exports and the accountant's accounting export are not
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    assert viewer.call("POST", base, json={"format": "csv"}).status_code == 202
    assert accountant.call("POST", base, json={"format": "lines_csv", "period": "2099-12"}).status_code == 202

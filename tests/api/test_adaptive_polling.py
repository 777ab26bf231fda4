"""Adaptive polling over the local stack: a company whose runs find nothing new is polled less
often, within its licence's promise; new messages, "Sincronizează acum" and a new
authorization bring it back to the licence's interval; the dispatcher picks it up when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib import dependencies
from chalicelib.domain.licences import STANDARD
from chalicelib.domain.polling import QUIET_RUNS
from chalicelib.services.dispatch import dispatch_due_companies
from chalicelib.storage.models import CompanyModel
from tests.api.conftest import authorize, issue_certificate, sign_up
from tests.queues import drain_sync_queue

MARGIN = timedelta(minutes=2)  # between the run's clock and the test's reading of it


@pytest.fixture
def standard_company(sandbox, base_url, local_stack):
    """A new sandbox company with a few invoices, registered, authorized and on Standard;
    (its owner, its CIF)."""
    cif = sandbox.admin("POST", "companies", json={})["cif"]
    serial = issue_certificate(local_stack.ports.sandbox_url, [cif])
    sandbox.invoices_to(cif, 3)
    user = sign_up(base_url)
    assert user.call("POST", "/companies", json={"cif": cif}).status_code in (200, 201)
    assert authorize(user, cif, serial)["anaf"] in ("connected", "proven")
    answer = user.call("PUT", f"/companies/{cif}/licence", json={"licence": STANDARD.code})
    assert answer.status_code == 200, answer.text
    return user, cif


def run_sync(cif: str, reason: str = "schedule"):
    return dependencies.company_sync(lambda: 900.0).run(cif, reason)


def planned_interval(cif: str) -> timedelta:
    """How long after its last run the company's next sync is planned."""
    company = CompanyModel.get(cif, consistent_read=True)
    return company.next_sync_at - company.last_sync_at


def quiet_since(cif: str, days: int) -> None:
    """GIVEN: the company's last activity was `days` days ago (the clock cannot wait a day)."""
    CompanyModel(cif=cif).update(actions=[CompanyModel.active_at.set(datetime.now(UTC) - timedelta(days=days))])


def test_a_quiet_company_is_polled_less_often_and_a_new_message_brings_it_back(sandbox, standard_company):
    _, cif = standard_company
    # GIVEN a Standard company whose first sync archived its invoices: active, hourly
    first = run_sync(cif)
    assert first.result == "complete" and first.stats.new == 3
    assert planned_interval(cif) == STANDARD.sync_interval
    company = CompanyModel.get(cif, consistent_read=True)
    assert company.quiet_runs == 0 and company.active_at >= company.last_sync_at - MARGIN

    # WHEN nothing new arrives for two days and its runs keep finding nothing
    quiet_since(cif, 2)
    intervals = []
    for _ in range(QUIET_RUNS):
        outcome = run_sync(cif)
        assert outcome.result == "complete" and outcome.stats.new == 0
        intervals.append(planned_interval(cif))
    # THEN it stays hourly until enough empty runs confirm it is quiet, then backs off to the
    # licence's quiet promise and never beyond it
    assert intervals[:-1] == [STANDARD.sync_interval] * (QUIET_RUNS - 1)
    assert intervals[-1] == STANDARD.quiet_sync_interval == timedelta(hours=4)
    assert CompanyModel.get(cif, consistent_read=True).quiet_runs == QUIET_RUNS
    run_sync(cif)
    assert planned_interval(cif) == STANDARD.quiet_sync_interval

    # WHEN a new invoice arrives THEN the next run archives it and the company is hourly again
    sandbox.invoices_to(cif, 1)
    outcome = run_sync(cif)
    assert outcome.result == "complete" and outcome.stats.new == 1
    assert planned_interval(cif) == STANDARD.sync_interval
    assert CompanyModel.get(cif, consistent_read=True).quiet_runs == 0


def test_sync_now_brings_a_backed_off_company_back_to_its_interval(standard_company):
    user, cif = standard_company
    # GIVEN a Standard company backed off to every 4 hours
    run_sync(cif)
    quiet_since(cif, 3)
    for _ in range(QUIET_RUNS):
        run_sync(cif)
    assert planned_interval(cif) == timedelta(hours=4)
    # WHEN its owner presses "Sincronizează acum" and the run finds nothing new
    assert user.call("POST", f"/companies/{cif}/sync").status_code == 202
    outcome = run_sync(cif, "manual")
    assert outcome.result == "complete" and outcome.stats.new == 0
    # THEN it is polled at the licence's interval again, active from the request
    company = CompanyModel.get(cif, consistent_read=True)
    assert planned_interval(cif) == STANDARD.sync_interval
    assert company.active_at == company.manual_sync_requested_at and company.quiet_runs == 1


def test_a_new_authorization_makes_the_company_active(local_stack, standard_company):
    user, cif = standard_company
    run_sync(cif)
    quiet_since(cif, 3)
    # WHEN the company is authorized again
    serial = issue_certificate(local_stack.ports.sandbox_url, [cif])
    assert authorize(user, cif, serial)["anaf"] in ("connected", "proven")
    # THEN its quiet time starts over: active from now, no empty runs counted
    company = CompanyModel.get(cif, consistent_read=True)
    assert company.quiet_runs == 0 and company.active_at > datetime.now(UTC) - MARGIN


def test_the_dispatcher_picks_a_backed_off_company_when_it_is_due(settings, standard_company):
    _, cif = standard_company
    run_sync(cif)
    quiet_since(cif, 3)
    for _ in range(QUIET_RUNS):
        run_sync(cif)
    due_at = CompanyModel.get(cif, consistent_read=True).next_sync_at
    queues = dependencies.work_queues()
    drain_sync_queue(settings)
    # WHEN the dispatcher fires before the backed-off time THEN the company is not sent
    dispatch_due_companies(due_at - timedelta(minutes=1), queues)
    assert cif not in drain_sync_queue(settings)
    # WHEN it fires once the time has come THEN it is sent, as any due company
    dispatch_due_companies(due_at + timedelta(seconds=1), queues)
    assert cif in drain_sync_queue(settings)




def test_the_licences_state_their_promise_for_a_quiet_company(base_url):
    tiers = {t["code"]: t for t in requests.get(f"{base_url}/api/licences", timeout=10).json()["licences"]}
    assert tiers["standard"]["quiet_sync_interval_minutes"] == 240
    assert tiers["standard"]["quiet_sync_label"] == "fără documente noi de o zi: cel puțin o dată la 4 ore"
    assert tiers["pro"]["quiet_sync_label"] == "fără documente noi de o zi: cel puțin o dată pe oră"
    assert tiers["free"]["quiet_sync_interval_minutes"] == 1440 and tiers["free"]["quiet_sync_label"] is None

"""The company repository's conditional writes, over moto's DynamoDB: a lost condition answers
False or None (never a pynamodb exception), and nothing is written by the loser; a throttled
conditional write is no lost condition (it raises ServiceBusy, so the caller retries)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pynamodb.connection.base import Connection
from pynamodb.exceptions import VerboseClientError

from chalicelib.domain.errors import ServiceBusy
from chalicelib.storage import companies


@pytest.fixture
def cif(settings) -> str:
    cif = "8" + uuid.uuid4().hex[:6]
    assert companies.create(cif, name=f"Test {cif} SRL", address="Str. Lungă 1", registry_number="J40/1/2020",
                            public_data={"vat_payer": True}, now=datetime.now(UTC))
    return cif


def test_a_registered_company_is_not_created_again(cif):
    # WHEN the CIF is registered a second time, with other data
    created = companies.create(cif, name="Altă firmă SRL", address="", registry_number="", public_data={},
                               now=datetime.now(UTC))
    # THEN it is refused and the first company stays as it was
    assert created is False
    assert companies.get(cif).name == f"Test {cif} SRL"


def test_one_run_holds_the_lease_and_only_it_releases(cif):
    now = datetime.now(UTC)
    # GIVEN a run holding the lease
    first = companies.take_lease(cif, "run-a", now, now + timedelta(minutes=15))
    assert first is not None and first.lease_owner == "run-a"
    # WHEN a second run asks while it is held, THEN it gets nothing
    assert companies.take_lease(cif, "run-b", now, now + timedelta(minutes=15)) is None
    # AND the second run cannot release it
    assert not companies.release_lease(cif, "run-b", now=now, result="complete", covered_until=now,
                                       anaf_unavailable=False, next_at=now + timedelta(hours=1))
    # WHEN the holder releases, THEN its result and schedule are written and the lease is free
    assert companies.release_lease(cif, "run-a", now=now, result="complete", covered_until=now,
                                   anaf_unavailable=False, next_at=now + timedelta(hours=1))
    company = companies.get(cif, consistent=True)
    assert (company.lease_owner, company.last_sync_result) == (None, "complete")
    assert company.next_sync_at == now + timedelta(hours=1) and company.due_shard == companies.due_shard(cif)
    assert companies.take_lease(cif, "run-b", now, now + timedelta(minutes=15)) is not None


def test_the_next_sync_moves_only_from_the_time_that_was_planned(cif):
    now = datetime.now(UTC)
    companies.attach_credential(cif, "cred-1", authorization_state="authorized", until=now + timedelta(days=90),
                                sync_at=now)
    # WHEN two dispatchers move the same planned sync
    assert companies.schedule_next(cif, now + timedelta(hours=1), planned=now)
    # THEN the second, which read the old time, does not move it again
    assert not companies.schedule_next(cif, now + timedelta(hours=2), planned=now)
    assert companies.get(cif, consistent=True).next_sync_at == now + timedelta(hours=1)


def test_a_licence_change_over_a_stale_read_is_refused(cif):
    now = datetime.now(UTC)
    seen = companies.get(cif, consistent=True)
    # GIVEN another change landing after `seen` was read
    assert companies.change_licence(seen, "pro", changed_by="user-a", now=now, sync_at=None)
    # WHEN a change is written over the stale read, THEN it is refused
    assert not companies.change_licence(seen, "standard", changed_by="user-b", now=now, sync_at=None)
    company = companies.get(cif, consistent=True)
    assert company.licence == "pro"
    assert [(c.licence, c.previous, c.changed_by) for c in company.licence_history] == [("pro", "free", "user-a")]


def test_only_the_lease_holder_publishes_progress_and_the_release_removes_it(cif):
    from chalicelib.services.companies import sync_activity
    now = datetime.now(UTC)
    progress = {"started_at": now.isoformat(), "listed": 40, "new": 5, "already": 30, "failed": 1}
    # GIVEN no run: nothing is published, nothing is "în curs"
    assert not companies.record_progress(cif, "run-a", progress)
    assert sync_activity(companies.get(cif, consistent=True), now) is None
    # WHEN a run holds the lease, THEN only it publishes its counts
    assert companies.take_lease(cif, "run-a", now, now + timedelta(minutes=15))
    assert not companies.record_progress(cif, "run-b", {**progress, "new": 99})
    assert companies.record_progress(cif, "run-a", progress)
    activity = sync_activity(companies.get(cif, consistent=True), now)
    assert activity is not None and (activity.state, activity.listed, activity.new, activity.already,
                                     activity.failed) == ("running", 40, 5, 30, 1)
    # AND a lease that expired (a killed worker) is no longer "în curs"
    assert sync_activity(companies.get(cif, consistent=True), now + timedelta(minutes=16)) is None
    # WHEN the run ends, THEN its counts go with the lease
    assert companies.release_lease(cif, "run-a", now=now, result="complete", covered_until=now,
                                   anaf_unavailable=False, next_at=None)
    assert companies.get(cif, consistent=True).sync_progress is None
    assert sync_activity(companies.get(cif, consistent=True), now) is None


def test_sync_now_is_queued_until_a_run_ends_or_for_15_minutes(cif):
    from chalicelib.services.companies import sync_activity
    now = datetime.now(UTC)
    assert companies.request_manual_sync(cif, now, not_since=now - timedelta(minutes=1))
    assert sync_activity(companies.get(cif, consistent=True), now + timedelta(seconds=5)).state == "queued"
    assert sync_activity(companies.get(cif, consistent=True), now + timedelta(minutes=16)) is None
    assert companies.take_lease(cif, "run-a", now, now + timedelta(minutes=15))
    assert companies.release_lease(cif, "run-a", now=now + timedelta(seconds=30), result="complete",
                                   covered_until=now, anaf_unavailable=False, next_at=None)
    assert sync_activity(companies.get(cif, consistent=True), now + timedelta(minutes=1)) is None


def throttle_next(monkeypatch, operation: str) -> list[str]:
    """DynamoDB throttles the next call of `operation` (as a table over its capacity does); the
    list receives the operation's name when it fired."""
    fired: list[str] = []
    real = Connection._make_api_call

    def throttled(connection, operation_name, operation_kwargs):
        if operation_name == operation and not fired:
            fired.append(operation_name)
            raise VerboseClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                                "Message": "Rate exceeded"}},
                                     operation_name, {"request_id": "test", "table_name": "test"})
        return real(connection, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", throttled)
    return fired


def test_a_throttled_conditional_update_raises_service_busy_rather_than_losing_the_lease(cif, monkeypatch):
    now = datetime.now(UTC)
    # GIVEN DynamoDB throttles the next update
    fired = throttle_next(monkeypatch, "UpdateItem")
    # WHEN a run asks for the free lease, THEN it is told to retry (not that another run holds it)
    with pytest.raises(ServiceBusy):
        companies.take_lease(cif, "run-a", now, now + timedelta(minutes=15))
    assert fired == ["UpdateItem"]
    # AND the lease is still free for the retry
    assert companies.take_lease(cif, "run-a", now, now + timedelta(minutes=15)) is not None


def test_a_throttled_conditional_create_raises_service_busy_rather_than_answering_registered(settings,
                                                                                          monkeypatch):
    cif = "8" + uuid.uuid4().hex[:6]
    # GIVEN DynamoDB throttles the next put
    fired = throttle_next(monkeypatch, "PutItem")
    # WHEN a new company is created, THEN the caller is told to retry (not that the CIF is taken)
    with pytest.raises(ServiceBusy):
        companies.create(cif, name="Nouă SRL", address="", registry_number="", public_data={},
                         now=datetime.now(UTC))
    assert fired == ["PutItem"]
    assert companies.get(cif, consistent=True) is None

"""The dispatcher sends a company's sync message before it moves its next sync: a failed send
loses nothing (the company stays due and the next firing takes it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from chalicelib import dependencies
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.domain.licences import PRO
from chalicelib.storage.companies import due_shard
from chalicelib.storage.models import CompanyModel
from chalicelib.topology import DISPATCH_SCHEDULE
from local.runtime import ScheduleTimer, load_handler
from tests.queues import drain_sync_queue


def test_a_failed_send_leaves_the_company_due_and_the_next_firing_enqueues_it(settings, monkeypatch):
    # GIVEN a pro company due a minute ago
    now = datetime.now(UTC)
    cif = "7" + uuid.uuid4().hex[:6]
    due_at = now - timedelta(minutes=1)
    CompanyModel(cif=cif, name=f"Test {cif} SRL", licence=PRO.code, created_at=now,
                 due_shard=due_shard(cif), next_sync_at=due_at).save()
    drain_sync_queue(settings)
    timer = ScheduleTimer(settings, DISPATCH_SCHEDULE, load_handler(DISPATCH_SCHEDULE.target))

    # WHEN the dispatcher fires while SQS refuses every send
    sqs = dependencies.work_queues()._sqs

    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"},
                           "ResponseMetadata": {"HTTPStatusCode": 503}}, "SendMessageBatch")

    monkeypatch.setattr(sqs, "send_message_batch", refuse)
    monkeypatch.setattr(sqs, "send_message", refuse)
    with pytest.raises(ServiceUnavailable):
        timer.fire()

    # THEN the company's next sync did not move: it is still due
    assert CompanyModel.get(cif, consistent_read=True).next_sync_at == due_at
    assert cif not in drain_sync_queue(settings)

    # WHEN SQS answers again and the schedule fires once more
    monkeypatch.undo()
    timer.fire()

    # THEN the company was enqueued and only then moved by its licence interval
    assert cif in drain_sync_queue(settings)
    moved = CompanyModel.get(cif, consistent_read=True).next_sync_at
    assert moved >= now + PRO.sync_interval - timedelta(seconds=5)

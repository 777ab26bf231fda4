"""The local runtime delivers queue messages and schedules exactly as Lambda's event sources do."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import dependencies
from chalicelib.domain.licences import PRO
from chalicelib.storage.aws import aws_client
from chalicelib.storage.companies import due_shard
from chalicelib.storage.models import CompanyModel
from chalicelib.topology import DISPATCH_SCHEDULE, QueueSpec, queue
from local.runtime import QueuePoller, ScheduleTimer, load_handler, rate_seconds


@pytest.fixture
def test_queue(settings):
    """A fresh queue (1 s visibility, DLQ after 2 receives) and the settings that name it."""
    sqs = aws_client(settings, "sqs")
    name = f"runtime-test-{uuid.uuid4().hex[:8]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    })["QueueUrl"]
    spec = QueueSpec("sync", "sync_queue", consumer=None, batch_size=10, function_timeout_s=30)
    return dataclasses.replace(settings, sync_queue=name), spec, url, dlq_url


def _count(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_a_message_reaches_the_handler_as_a_real_sqs_event_and_is_deleted(test_queue):
    settings, spec, url, _ = test_queue
    sqs = aws_client(settings, "sqs")
    sqs.send_message(QueueUrl=url, MessageBody='{"cif": "8486152"}',
                     MessageAttributes={"origin": {"DataType": "String", "StringValue": "test"}})
    seen = []

    def handler(event, context):
        seen.append((event, context))
        return {"batchItemFailures": []}

    result = QueuePoller(settings, spec, handler, wait_time_s=0).poll_once()

    assert (result.received, result.deleted, result.failed) == (1, 1, 0)
    event, context = seen[0]
    record = event["Records"][0]
    assert record["body"] == '{"cif": "8486152"}'
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":" + settings.sync_queue)
    assert record["messageAttributes"]["origin"]["stringValue"] == "test"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert context.get_remaining_time_in_millis() > 0
    assert _count(sqs, url) == 0


def test_a_reported_failure_is_kept_retried_and_finally_dead_lettered(test_queue):
    settings, spec, url, dlq_url = test_queue
    sqs = aws_client(settings, "sqs")
    for body in ("good", "bad"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    def handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"] if r["body"] == "bad"]}

    poller = QueuePoller(settings, spec, handler, wait_time_s=0)
    first = poller.poll_once()
    assert (first.received, first.deleted, first.failed) == (2, 1, 1)
    assert _count(sqs, url) == 1  # the failed record stays on the queue

    # after the visibility timeout the failed record comes back (long polls wait for it)
    waiting = QueuePoller(settings, spec, handler, wait_time_s=2)
    second = _until(waiting.poll_once, lambda result: result.received > 0)
    assert (second.received, second.failed) == (1, 1)

    # received twice = maxReceiveCount: once visible again, SQS moves it to the dead-letter queue
    def dead_letters() -> list[dict]:
        waiting.poll_once()
        return sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages", [])

    dead = _until(dead_letters, bool)
    assert [m["Body"] for m in dead] == ["bad"]
    assert _count(sqs, url) == 0


def _until(attempt, done, timeout_s: float = 30.0):
    """Repeat `attempt` (each call waits on the queue itself) until `done(result)`."""
    deadline = time.monotonic() + timeout_s
    while not done(result := attempt()):
        assert time.monotonic() < deadline, f"not done within {timeout_s} s: {result!r}"
    return result


def test_a_handler_that_raises_fails_the_whole_batch(test_queue):
    settings, spec, url, _ = test_queue
    sqs = aws_client(settings, "sqs")
    sqs.send_message(QueueUrl=url, MessageBody="x")

    def handler(event, context):
        raise RuntimeError("boom")

    result = QueuePoller(settings, spec, handler, wait_time_s=0).poll_once()
    assert (result.deleted, result.failed) == (0, 1)
    assert _count(sqs, url) == 1


def test_the_schedule_fires_dispatch_which_enqueues_due_companies(settings):
    # GIVEN a pro company due a minute ago and one due tomorrow
    now = datetime.now(UTC)
    due_cif, later_cif = "9" + uuid.uuid4().hex[:6], "8" + uuid.uuid4().hex[:6]
    for cif, when in ((due_cif, now - timedelta(minutes=1)), (later_cif, now + timedelta(days=1))):
        CompanyModel(cif=cif, name=f"Test {cif} SRL", licence=PRO.code, created_at=now,
                     due_shard=due_shard(cif), next_sync_at=when).save()
    timer = ScheduleTimer(settings, DISPATCH_SCHEDULE, load_handler(DISPATCH_SCHEDULE.target))
    assert timer.period_s == rate_seconds(DISPATCH_SCHEDULE.expression) == 60

    # WHEN EventBridge's timer fires
    timer.fire()

    # THEN exactly the due company was enqueued and its next sync moved by the licence interval
    sqs = aws_client(settings, "sqs")
    url = dependencies.work_queues().url("sync")
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    cifs = [b["cif"] for b in bodies]
    assert due_cif in cifs and later_cif not in cifs
    moved = CompanyModel.get(due_cif).next_sync_at
    assert now + PRO.sync_interval - timedelta(seconds=5) < moved <= datetime.now(UTC) + PRO.sync_interval
    # AND a second firing does not enqueue it again
    timer.fire()
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert due_cif not in [json.loads(m["Body"])["cif"] for m in again]


def test_queue_lookup_knows_every_declared_queue():
    assert queue("sync").settings_field == "sync_queue"
    with pytest.raises(KeyError):
        queue("nope")

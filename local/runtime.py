"""The local Lambda runtime: what EventBridge and the SQS event source mappings do in AWS.

- A timer per schedule reads the rule's rate from EventBridge (moto) and invokes its target
  with a "Scheduled Event", as EventBridge would.
- A poller per consumed queue receives batches and invokes the consumer with a real SQS event.
  Like an event source mapping with ReportBatchItemFailures, it deletes only the records the
  handler did not report as failed; failed records become visible again after the queue's
  visibility timeout and land in the dead-letter queue after maxReceiveCount receives. A handler
  that raises fails its whole batch.
"""

from __future__ import annotations

import importlib
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.settings import Settings, get_settings
from chalicelib.storage.aws import aws_client
from chalicelib.storage.models import bind_models
from chalicelib.topology import QUEUES, SCHEDULES, QueueSpec, ScheduleSpec

logger = Logger(service="arhivar-local-runtime")
Handler = Callable[[dict[str, Any], Any], Any]


def load_handler(reference: str) -> Handler:
    """"package.module:function" → the function."""
    module_name, _, function_name = reference.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


class LocalLambdaContext:
    """The attributes of a Lambda context object that handlers and powertools read."""

    def __init__(self, function_name: str, timeout_s: int, memory_mb: int = 512) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class PollResult:
    received: int
    deleted: int
    failed: int


class QueuePoller:
    def __init__(self, settings: Settings, spec: QueueSpec, handler: Handler,
                 wait_time_s: int = 1) -> None:
        self._sqs = aws_client(settings, "sqs")
        self._spec = spec
        self._handler = handler
        self._wait_time_s = wait_time_s
        self._region = settings.region
        self.queue_url = self._sqs.get_queue_url(QueueName=spec.name(settings))["QueueUrl"]
        self._queue_arn = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def poll_once(self) -> PollResult:
        answer = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self._spec.batch_size, 10),
            WaitTimeSeconds=self._wait_time_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return PollResult(0, 0, 0)
        event = {"Records": [self._record(message) for message in messages]}
        context = LocalLambdaContext(f"arhivar-{self._spec.key}", self._spec.function_timeout_s)
        try:
            response = self._handler(event, context)
        except Exception:  # the whole batch failed, as in Lambda
            logger.exception("consumer raised; batch left on the queue", extra={"queue": self._spec.key})
            return PollResult(len(messages), 0, len(messages))
        failed_ids = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
            ])
        return PollResult(len(messages), len(done), len(messages) - len(done))

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"],
                       "stringListValues": [], "binaryListValues": []}
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self._region,
        }

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling: a local runtime must not die on one bad batch
                logger.exception("poll failed", extra={"queue": self._spec.key})
                stop.wait(1)


_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    match = _RATE.fullmatch(expression)
    if not match:
        raise ValueError(f"unsupported schedule expression {expression!r}")
    return int(match.group(1)) * _UNIT_S[match.group(2).rstrip("s")]


class ScheduleTimer:
    def __init__(self, settings: Settings, spec: ScheduleSpec, handler: Handler) -> None:
        events = aws_client(settings, "events")
        rule = events.describe_rule(Name=spec.rule_name(settings))
        self._spec = spec
        self._handler = handler
        self._rule_arn = rule["Arn"]
        self._region = settings.region
        self.period_s = rate_seconds(rule["ScheduleExpression"])

    def fire(self) -> Any:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "resources": [self._rule_arn],
            "detail": {},
        }
        return self._handler(event, LocalLambdaContext(f"arhivar-{self._spec.key}", 60))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.fire()
            except Exception:
                logger.exception("scheduled invocation failed", extra={"schedule": self._spec.key})
            stop.wait(self.period_s)


def main() -> None:
    settings = get_settings()
    bind_models(settings)
    stop = threading.Event()
    workers: list[Callable[[threading.Event], None]] = [
        QueuePoller(settings, spec, load_handler(spec.consumer)).run
        for spec in QUEUES if spec.consumer
    ]
    workers += [ScheduleTimer(settings, spec, load_handler(spec.target)).run for spec in SCHEDULES]
    threads = [threading.Thread(target=work, args=(stop,), daemon=True) for work in workers]
    for thread in threads:
        thread.start()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    for thread in threads:
        thread.join(timeout=5)


if __name__ == "__main__":
    main()

"""The work queues (SQS). Bodies are JSON; consumers are idempotent on a business key."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors
from chalicelib.topology import queue

if TYPE_CHECKING:
    from types_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

_SQS_BATCH = 10  # SendMessageBatch's limit
MAX_DELAY_S = 900  # SQS's longest message delay


class WorkQueues:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sqs = aws_client(settings, "sqs")
        self._urls: dict[str, str] = {}

    def url(self, key: str) -> str:
        if key not in self._urls:
            with translated_errors("sqs"):
                name = queue(key).name(self._settings)
                self._urls[key] = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[key]

    def send(self, key: str, body: dict[str, Any], delay_s: int = 0) -> None:
        """Send one message; `delay_s` (at most SQS's 900) keeps it invisible that long."""
        with translated_errors("sqs"):
            self._sqs.send_message(QueueUrl=self.url(key), MessageBody=json.dumps(body),
                                   DelaySeconds=max(0, min(delay_s, MAX_DELAY_S)))

    def send_many(self, key: str, bodies: Iterable[dict[str, Any]]) -> int:
        """Send in batches of ten; raise if SQS refuses any entry. Returns how many were sent."""
        sent = 0
        batch: list[dict[str, Any]] = []
        for body in bodies:
            batch.append(body)
            if len(batch) == _SQS_BATCH:
                sent += self._send_batch(key, batch)
                batch = []
        if batch:
            sent += self._send_batch(key, batch)
        return sent

    def _send_batch(self, key: str, bodies: Sequence[dict[str, Any]]) -> int:
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": str(i), "MessageBody": json.dumps(b)} for i, b in enumerate(bodies)]
        with translated_errors("sqs"):
            answer = self._sqs.send_message_batch(QueueUrl=self.url(key), Entries=entries)
        failed = answer.get("Failed", [])
        if failed:
            # Retry the refused entries once, one by one; a second refusal propagates.
            for entry in failed:
                self.send(key, bodies[int(entry["Id"])])
        return len(bodies)

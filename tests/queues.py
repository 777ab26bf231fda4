"""Reading the local stack's work queues from tests."""

from __future__ import annotations

import json

from chalicelib import dependencies
from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client


def drain_sync_queue(settings: Settings) -> list[str]:
    """Take every message off the sync queue; the CIFs they named, in order."""
    sqs = aws_client(settings, "sqs")
    url = dependencies.work_queues().url("sync")
    cifs = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        cifs += [json.loads(m["Body"])["cif"] for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return cifs

"""The work queues of chalicelib/topology.py, each with its dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.settings import Settings
from chalicelib.topology import QUEUES

DLQ_RETENTION = Duration.days(14)  # SQS's maximum: time to look at what failed (as locally)


def queue_names(stage: str) -> dict[str, str]:
    """settings field -> queue name, e.g. "sync_queue" -> "arhivar-dev-sync"."""
    return {spec.settings_field: f"arhivar-{stage}-{spec.key}" for spec in QUEUES}


class WorkQueues(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, sqs.Queue] = {}  # topology key -> queue
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in QUEUES:
            dead_letters = sqs.Queue(
                self, f"{spec.key.capitalize()}DeadLetters",
                queue_name=spec.dead_letter_name(settings),
                retention_period=DLQ_RETENTION,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                removal_policy=removal_policy,
            )
            self.dead_letter_queues[spec.key] = dead_letters
            self.queues[spec.key] = sqs.Queue(
                self, spec.key.capitalize(),
                queue_name=spec.name(settings),
                visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
                retention_period=Duration.days(4),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters,
                                                      max_receive_count=spec.max_receive_count),
                removal_policy=removal_policy,
            )
        # Events of asynchronously invoked functions (schedules, SNS) that failed every retry.
        self.async_failures = sqs.Queue(
            self, "AsyncFailures",
            queue_name=f"arhivar-{settings.stage}-async-failures",
            retention_period=DLQ_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=removal_policy,
        )

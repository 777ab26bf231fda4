"""What an Arhivar deployment consists of, besides the tables (see storage/models.py).

The local bootstrap, the local runtime and the CDK app all read these definitions, so a queue,
its dead-letter queue, its consumer and the schedule are declared exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.settings import Settings


@dataclass(frozen=True)
class QueueSpec:
    """A work queue, its dead-letter queue and the function that consumes it."""

    key: str
    settings_field: str
    # "module:function" of the consumer, or None while no function consumes the queue yet.
    consumer: str | None
    batch_size: int
    function_timeout_s: int
    max_receive_count: int = 5

    @property
    def visibility_timeout_s(self) -> int:
        # AWS guidance: at least six times the consumer's timeout, so a slow batch is not
        # handed to a second worker while the first one still runs.
        return self.function_timeout_s * 6

    def name(self, settings: Settings) -> str:
        return getattr(settings, self.settings_field)

    def dead_letter_name(self, settings: Settings) -> str:
        return f"{self.name(settings)}-dlq"


@dataclass(frozen=True)
class ScheduleSpec:
    """An EventBridge rule that invokes a function on a fixed rate."""

    key: str
    rate_minutes: int
    target: str

    @property
    def expression(self) -> str:
        if self.rate_minutes % (24 * 60) == 0:
            value, unit = self.rate_minutes // (24 * 60), "day"
        elif self.rate_minutes % 60 == 0:
            value, unit = self.rate_minutes // 60, "hour"
        else:
            value, unit = self.rate_minutes, "minute"
        return f"rate({value} {unit}{'' if value == 1 else 's'})"

    def rule_name(self, settings: Settings) -> str:
        return f"arhivar-{settings.stage}-{self.key}"


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("sync", "sync_queue", consumer="functions.sync_company.handler:lambda_handler",
              batch_size=1, function_timeout_s=300),
    QueueSpec("render", "render_queue", consumer="functions.render_pdf.handler:lambda_handler",
              batch_size=5, function_timeout_s=120),
    QueueSpec("notify", "notify_queue", consumer="functions.notify.handler:lambda_handler",
              batch_size=10, function_timeout_s=60),
    QueueSpec("export", "export_queue", consumer="functions.build_export.handler:lambda_handler",
              batch_size=1, function_timeout_s=900),
    # One SPV import job per message; a job that nears the time limit saves its position and
    # queues itself again (services/imports.py).
    QueueSpec("import", "import_queue", consumer="functions.import_archive.handler:lambda_handler",
              batch_size=1, function_timeout_s=900),
    # One integrity run per message; a run that nears the time limit re-queues itself.
    QueueSpec("integrity", "integrity_queue", consumer="functions.check_integrity.handler:lambda_handler",
              batch_size=1, function_timeout_s=900),
    # One document's files (or one backfill slice) copied to the company's own S3 bucket;
    # customer-side failures come back as delayed messages (services/s3_delivery.py).
    QueueSpec("s3delivery", "s3_delivery_queue", consumer="functions.deliver_s3.handler:lambda_handler",
              batch_size=5, function_timeout_s=120),
    # One webhook delivery attempt per message; a retry is the same message sent again with a
    # delay (at most SQS's 15 minutes, re-queued until the attempt is due: services/webhook_delivery.py).
    QueueSpec("webhook", "webhook_queue", consumer="functions.deliver_webhooks.handler:lambda_handler",
              batch_size=10, function_timeout_s=120),
)

DISPATCH_SCHEDULE = ScheduleSpec("dispatch", rate_minutes=1, target="functions.dispatch.handler:lambda_handler")

REMINDERS_SCHEDULE = ScheduleSpec("reminders", rate_minutes=24 * 60,
                                  target="functions.reminders.handler:lambda_handler")

# The Standard licence's digests of the days before and the 60-day cliff warnings.
DAILY_NOTIFICATIONS_SCHEDULE = ScheduleSpec("daily-notifications", rate_minutes=24 * 60,
                                            target="functions.daily_notifications.handler:lambda_handler")

# The monthly integrity check: the same function fans out one integrity message per company.
INTEGRITY_SCHEDULE = ScheduleSpec("integrity", rate_minutes=30 * 24 * 60,
                                  target="functions.check_integrity.handler:lambda_handler")

SCHEDULES: tuple[ScheduleSpec, ...] = (DISPATCH_SCHEDULE, REMINDERS_SCHEDULE, DAILY_NOTIFICATIONS_SCHEDULE,
                                       INTEGRITY_SCHEDULE)


# SES bounce/complaint notifications arrive through an SNS topic (the mail configuration set's
# event destination in AWS; tests hand the handler SNS-shaped events locally).
MAIL_FEEDBACK_HANDLER = "functions.ses_feedback.handler:lambda_handler"


def queue(key: str) -> QueueSpec:
    for spec in QUEUES:
        if spec.key == key:
            return spec
    raise KeyError(key)


def user_pool_name(settings: Settings) -> str:
    return f"arhivar-{settings.stage}"


def user_pool_client_name(settings: Settings) -> str:
    return f"arhivar-{settings.stage}-web"

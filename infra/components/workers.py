"""The functions/* Lambdas: SQS consumers (partial batch failures) and scheduled functions."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.settings import Settings
from chalicelib.topology import QUEUES, SCHEDULES
from infra.components.access import Resources, grant
from infra.functions import IMAGE_PASSENGERS, FunctionSpec, pascal
from infra.packaging import Packaging


class Workers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, specs: tuple[FunctionSpec, ...],
                 settings: Settings, environment: dict[str, str], packaging: Packaging,
                 zip_code: Path, queues: dict[str, sqs.Queue], resources: Resources,
                 max_concurrency: dict[str, int], log_retention: logs.RetentionDays,
                 mail_feedback: sns.ITopic, async_failures: sqs.IQueue) -> None:
        super().__init__(scope, construct_id)
        self._packaging = packaging
        self.functions: dict[str, lambda_.Function] = {}
        zip_asset = lambda_.Code.from_asset(str(zip_code))
        for spec in specs:
            self.functions[spec.name] = self._function(spec, environment, zip_asset, log_retention)
            grant(self.functions[spec.name], spec.access, resources)
        for queue_spec in QUEUES:
            if queue_spec.consumer is None:
                continue
            function = self._consumer(specs, queue_spec.key)
            function.add_event_source(sources.SqsEventSource(
                queues[queue_spec.key],
                batch_size=queue_spec.batch_size,
                report_batch_item_failures=True,
                max_concurrency=max_concurrency[queue_spec.key],
            ))
        for spec in specs:
            if spec.mail_feedback:
                self.functions[spec.name].add_event_source(sources.SnsEventSource(mail_feedback))
        # Functions invoked asynchronously (EventBridge schedules, SNS): an event that still
        # fails after Lambda's retries goes to the failures queue (alarmed), not nowhere.
        for spec in specs:
            if spec.schedule_keys or spec.mail_feedback:
                self.functions[spec.name].configure_async_invoke(
                    on_failure=destinations.SqsDestination(async_failures), retry_attempts=2,
                    max_event_age=Duration.hours(1))
        self.rules: dict[str, events.Rule] = {}
        for schedule in SCHEDULES:
            function = next(self.functions[s.name] for s in specs if schedule.key in s.schedule_keys)
            self.rules[schedule.key] = events.Rule(
                self, f"{pascal(schedule.key)}Schedule",
                rule_name=schedule.rule_name(settings),
                description=f"Arhivar: invoke {schedule.target}",
                schedule=events.Schedule.expression(schedule.expression),
                targets=[targets.LambdaFunction(function, retry_attempts=2,
                                                max_event_age=Duration.minutes(5))],
            )

    def _consumer(self, specs: tuple[FunctionSpec, ...], queue_key: str) -> lambda_.Function:
        return next(self.functions[s.name] for s in specs if queue_key in s.queue_keys)

    def _function(self, spec: FunctionSpec, environment: dict[str, str], zip_asset: lambda_.Code,
                  log_retention: logs.RetentionDays) -> lambda_.Function:
        construct_id = pascal(spec.name)
        log_group = logs.LogGroup(self, f"{construct_id}Logs", retention=log_retention)
        common = {
            "memory_size": spec.memory_mb,
            "timeout": Duration.seconds(spec.timeout_s),
            "environment": environment,
            "architecture": lambda_.Architecture.X86_64,  # the wheels Chalice downloads
            "log_group": log_group,
            "tracing": lambda_.Tracing.ACTIVE,  # X-Ray: SDK calls traced via the Lambda runtime
            "description": f"Arhivar {spec.name} ({spec.handler})",
        }
        if spec.is_image:
            context = self._packaging.image_context(spec.name, spec.dockerfile,
                                                    IMAGE_PASSENGERS.get(spec.name, ()))
            code = lambda_.DockerImageCode.from_image_asset(str(context), cmd=[spec.handler],
                                                            platform=ecr_assets.Platform.LINUX_AMD64)
            return lambda_.DockerImageFunction(self, construct_id, code=code, **common)
        return lambda_.Function(self, construct_id, runtime=lambda_.Runtime.PYTHON_3_12,
                                handler=spec.handler, code=zip_asset, **common)

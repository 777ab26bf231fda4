"""CloudWatch alarms, all sent to one SNS topic (optionally e-mailed to the operator)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# A company is synced at least every few minutes; a sync message older than this means the
# workers are stuck, throttled or failing (sync lag).
SYNC_LAG_THRESHOLD = Duration.minutes(30)
PERIOD = Duration.minutes(5)
ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.topic = sns.Topic(self, "AlarmTopic", topic_name=f"arhivar-{stage}-alarms",
                               display_name="Arhivar alarms")
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, *, threshold: float,
               description: str, missing: cloudwatch.TreatMissingData = NOT_BREACHING,
               comparison: cloudwatch.ComparisonOperator = ABOVE) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(self, construct_id, metric=metric, threshold=threshold,
                                 evaluation_periods=1, comparison_operator=comparison,
                                 treat_missing_data=missing,
                                 alarm_description=f"Arhivar {self.stage}: {description}")
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def dead_letters(self, key: str, queue: sqs.IQueue) -> None:
        self._alarm(f"{key.capitalize()}DeadLetters",
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                    threshold=0, description=f"messages in the {key} dead-letter queue")

    def sync_lag(self, sync_queue: sqs.IQueue) -> None:
        self._alarm("SyncLag", sync_queue.metric_approximate_age_of_oldest_message(
            period=PERIOD, statistic="Maximum"), threshold=SYNC_LAG_THRESHOLD.to_seconds(),
            description="the oldest sync message waits too long (sync lag)")

    def schedule_fires(self, key: str, function: lambda_.IFunction) -> None:
        self._alarm(f"{key.capitalize()}NotRunning",
                    function.metric_invocations(period=Duration.minutes(15), statistic="Sum"),
                    threshold=1, comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                    missing=cloudwatch.TreatMissingData.BREACHING,
                    description=f"the {key} function has not run for 15 minutes")

    def function_errors(self, name: str, function: lambda_.IFunction) -> None:
        self._alarm(f"{name}Errors", function.metric_errors(period=PERIOD, statistic="Sum"),
                    threshold=0, description=f"errors in the {name} function")

    def function_errors_by_name(self, name: str, function_name: str) -> None:
        metric = cloudwatch.Metric(namespace="AWS/Lambda", metric_name="Errors",
                                   dimensions_map={"FunctionName": function_name},
                                   period=PERIOD, statistic="Sum")
        self._alarm(f"{name}Errors", metric, threshold=0, description=f"errors in the {name} function")

    def api_server_errors(self, api_name: str, stage: str) -> None:
        metric = cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="5XXError",
                                   dimensions_map={"ApiName": api_name, "Stage": stage},
                                   period=PERIOD, statistic="Sum")
        self._alarm("Api5xx", metric, threshold=5, description="the API answers 5xx")

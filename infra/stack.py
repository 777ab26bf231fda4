"""One Arhivar deployment (a stage) as one stack, wired from the components."""

from __future__ import annotations

from aws_cdk import Annotations, CfnOutput, Environment, RemovalPolicy, Stack, Tags
from aws_cdk import aws_logs as logs
from constructs import Construct

from chalicelib.settings import Settings
from chalicelib.topology import SCHEDULES, user_pool_client_name, user_pool_name
from infra.components.access import Resources, grant
from infra.components.api import API_GATEWAY_STAGE, REST_API, Api
from infra.components.archive import Archive
from infra.components.auth import Accounts
from infra.components.data import Tables
from infra.components.mail import Mail
from infra.components.monitoring import Monitoring
from infra.components.origin import ORIGIN_HEADER, OriginVerification
from infra.components.queues import WorkQueues, queue_names
from infra.components.secrets import Secrets
from infra.components.viewer import PublicViewer
from infra.components.web import Web
from infra.components.workers import Workers
from infra.configuration import build_settings, function_environment
from infra.functions import API_ACCESS, IMAGE_PASSENGERS, function_specs, pascal
from infra.packaging import Packaging
from infra.stages import PLACEHOLDER_CLIENT_ID, StageParameters


class _StageView:
    """What topology's naming helpers read from settings before the settings exist."""

    def __init__(self, stage: str) -> None:
        self.stage = stage


class ArhivarStack(Stack):
    """Stateful resources first (they name the settings), then the code that uses them."""

    def __init__(self, scope: Construct, params: StageParameters, packaging: Packaging, *,
                 web_acl_arn: str) -> None:
        super().__init__(scope, params.stack_name,
                         env=Environment(account=params.account, region=params.region),
                         description=f"Arhivar e-Factura archive ({params.name})",
                         cross_region_references=True,  # CloudFront's web ACL (infra/edge_stack.py)
                         termination_protection=not params.destroy_stateless)
        self.params = params
        Tags.of(self).add("project", "arhivar")
        Tags.of(self).add("stage", params.name)
        self.stateless_removal = RemovalPolicy.DESTROY if params.destroy_stateless else RemovalPolicy.RETAIN
        self.log_retention = _retention(params.log_retention_days)

        self._stateful()
        self.settings = self._settings()
        self.environment_variables = {**function_environment(self.settings), "POWERTOOLS_LOG_LEVEL": "INFO"}
        self.queues = WorkQueues(self, "Queues", settings=self.settings,
                                 removal_policy=self.stateless_removal)
        resources = Resources(
            tables=self.tables.by_setting, archive=self.archive.bucket, queues=self.queues.queues,
            tokens_key=self.secrets.tokens_key, anaf_secret=self.secrets.anaf_client_secret,
            user_pool=self.accounts.user_pool, mail_resources=self.mail.identity_arns())
        self._compute(packaging, resources)
        self.origin = OriginVerification(self, "Origin", stage=params.name, active=params.origin_secret_active,
                                         rest_api_id=self.api.rest_api.ref, rest_api_logical_id=REST_API,
                                         removal_policy=self.stateless_removal)
        self.web = Web(self, "Web", api_domain=self.api.origin_domain,
                       api_origin_path=f"/{API_GATEWAY_STAGE}",
                       api_origin_headers={ORIGIN_HEADER: self.origin.header_value},
                       web_acl_arn=web_acl_arn,
                       domain_name=params.domain_name,
                       certificate_arn=params.certificate_arn, removal_policy=self.stateless_removal,
                       upload_origin=f"https://{self.archive.bucket.bucket_regional_domain_name}")
        self._alarms()
        self._outputs()
        self._warnings(packaging)

    def _stateful(self) -> None:
        params = self.params
        self.tables = Tables(self, "Tables")
        self.archive = Archive(self, "Archive", stage=params.name, web_origin=params.public_url)
        self.secrets = Secrets(self, "Secrets", stage=params.name)
        naming = _StageView(params.name)
        self.accounts = Accounts(self, "Accounts", pool_name=user_pool_name(naming),  # type: ignore[arg-type]
                                 client_name=user_pool_client_name(naming),  # type: ignore[arg-type]
                                 protect=not params.destroy_stateless)
        self.mail = Mail(self, "Mail", stage=params.name, domain=params.ses_domain,
                         sender=params.ses_sender, manage_identity=params.manage_ses_identity)

    def _settings(self) -> Settings:
        """The deployment's chalicelib Settings: every field, or the synth stops."""
        params = self.params
        return build_settings({
            "stage": params.name,
            "region": self.region,
            "aws_endpoint_url": None,  # AWS itself: boto3 and pynamodb use their defaults
            **{field: table.table_name for field, table in self.tables.by_setting.items()},
            "archive_bucket": self.archive.bucket.bucket_name,
            "archive_lock_mode": params.archive_lock_mode,
            "archive_lock_days": params.archive_lock_days,
            "trusted_signers_key": params.trusted_signers_key,
            **queue_names(params.name),
            "tokens_kms_key": self.secrets.tokens_key.key_arn,
            "cognito_user_pool_id": self.accounts.user_pool.user_pool_id,
            "cognito_client_id": self.accounts.client.user_pool_client_id,
            "ses_sender": params.ses_sender,
            "public_url": params.public_url,
            "anaf_oauth_url": params.anaf_oauth_url,
            "anaf_api_url": params.anaf_api_url,
            "anaf_public_url": params.anaf_public_url,
            "anaf_client_id": params.anaf_client_id,
            "anaf_client_secret_name": self.secrets.anaf_client_secret_name,
            "anaf_redirect_uri": params.anaf_redirect_uri,
            # The customers' delivery roles trust Arhivar's account (README, "Delivery to the
            # customer's own S3 bucket"); IAM lets only the delivery worker and the API assume.
            "s3_delivery_principal": f"arn:{self.partition}:iam::{self.account}:root",
            "webhooks_allow_local": False,  # AWS: https receivers at public addresses only
        })

    def _compute(self, packaging: Packaging, resources: Resources) -> None:
        params = self.params
        self.api = Api(self, packaging=packaging, environment=self.environment_variables,
                       public_url=params.public_url, rate_limit=params.api_rate_limit,
                       burst_limit=params.api_burst_limit, log_retention=self.log_retention,
                       reserved_concurrency=params.api_reserved_concurrency,
                       removal_policy=self.stateless_removal)
        grant(self.api.role, API_ACCESS, resources)
        self.specs = function_specs()
        in_images = {s.name for s in self.specs if s.is_image}
        in_images |= {p for s in self.specs if s.is_image for p in IMAGE_PASSENGERS.get(s.name, ())}
        workers_zip = packaging.workers_zip(self.api.chalice.deployment_zip, in_images)
        self.workers = Workers(self, "Workers", specs=self.specs, settings=self.settings,
                               environment=self.environment_variables, packaging=packaging,
                               zip_code=workers_zip, queues=self.queues.queues, resources=resources,
                               max_concurrency={
                                   "sync": params.sync_max_concurrency,
                                   "render": params.render_max_concurrency,
                                   "notify": params.notify_max_concurrency,
                                   "export": params.export_max_concurrency,
                                   "import": params.import_max_concurrency,
                                   "integrity": params.integrity_max_concurrency,
                                   "s3delivery": params.s3_delivery_max_concurrency,
                                   "webhook": params.webhook_max_concurrency},
                               log_retention=self.log_retention,
                               mail_feedback=self.mail.feedback_topic,
                               async_failures=self.queues.async_failures)
        self.viewer = PublicViewer(self, "PublicViewer", api=self.api, packaging=packaging,
                                   environment=self.environment_variables, resources=resources,
                                   log_retention=self.log_retention)

    def _alarms(self) -> None:
        self.monitoring = Monitoring(self, "Monitoring", stage=self.params.name,
                                     alarm_email=self.params.alarm_email)
        for key, queue in self.queues.dead_letter_queues.items():
            self.monitoring.dead_letters(key, queue)
        self.monitoring.dead_letters("async", self.queues.async_failures)
        self.monitoring.sync_lag(self.queues.queues["sync"])
        for name, function in self.workers.functions.items():
            self.monitoring.function_errors(pascal(name), function)
        self.monitoring.function_errors_by_name("Api", self.api.function_name)
        self.monitoring.function_errors("PublicViewer", self.viewer.function)
        self.monitoring.api_server_errors(self.api.name, API_GATEWAY_STAGE)
        for schedule in SCHEDULES:
            if schedule.rate_minutes <= 5:  # frequent enough that silence means it stopped
                target = next(s.name for s in self.specs if schedule.key in s.schedule_keys)
                self.monitoring.schedule_fires(schedule.key, self.workers.functions[target])

    def _outputs(self) -> None:
        CfnOutput(self, "PublicUrl", value=self.params.public_url)
        CfnOutput(self, "DistributionDomain", value=self.web.distribution.distribution_domain_name,
                  description=f"point {self.params.domain_name} here (CNAME/alias)")
        CfnOutput(self, "ApiOrigin", value=f"https://{self.api.origin_domain}/{API_GATEWAY_STAGE}")
        CfnOutput(self, "ArchiveBucket", value=self.archive.bucket.bucket_name,
                  description="optional override of the shipped MF certificates: "
                              f"s3://<bucket>/{self.params.trusted_signers_key}")
        CfnOutput(self, "AnafClientSecretName", value=self.secrets.anaf_client_secret_name)
        CfnOutput(self, "AlarmTopic", value=self.monitoring.topic.topic_arn)
        CfnOutput(self, "MailFeedbackTopic", value=self.mail.feedback_topic.topic_arn)

    def _warnings(self, packaging: Packaging) -> None:
        if packaging.offline:
            Annotations.of(self).add_warning_v2(
                "arhivar:offline-packaging",
                "offline packaging: the Lambda zips hold no third-party wheels; do not deploy this")

        if self.params.certificate_arn is None:
            Annotations.of(self).add_warning_v2(
                "arhivar:no-certificate",
                f"no certificate_arn: CloudFront does not answer on {self.params.domain_name} yet")
        if self.params.anaf_client_id == PLACEHOLDER_CLIENT_ID:
            Annotations.of(self).add_warning_v2(
                "arhivar:no-anaf-client-id",
                f"set -c arhivar:{self.params.name}:anaf_client_id=<ANAF OAuth client id>")



def _retention(days: int) -> logs.RetentionDays:
    known = {7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS,
             30: logs.RetentionDays.ONE_MONTH, 90: logs.RetentionDays.THREE_MONTHS,
             180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
             731: logs.RetentionDays.TWO_YEARS}
    if days not in known:
        raise ValueError(f"log_retention_days must be one of {sorted(known)}")
    return known[days]

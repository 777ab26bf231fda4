"""Stage parameters: dev and prod are the same stack with different values.

Every field can be overridden at synth time with CDK context, without editing code:
`-c arhivar:prod:certificate_arn=arn:aws:acm:us-east-1:...` (see infra/README.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ANAF_TEST_API_URL = "https://api.anaf.ro/test/FCTEL/rest"
ANAF_PRODUCTION_API_URL = "https://api.anaf.ro/prod/FCTEL/rest"
ANAF_OAUTH_URL = "https://logincert.anaf.ro"
ANAF_PUBLIC_URL = "https://webservicesp.anaf.ro"
PLACEHOLDER_CLIENT_ID = "SET-ME-anaf-client-id"


@dataclass(frozen=True)
class StageParameters:
    """What differs between two deployments of Arhivar; nothing else may differ."""

    name: str  # ARHIVAR_STAGE: "dev" or "prod"
    domain_name: str  # the public host; the product lives at https://<domain_name>
    anaf_api_url: str  # ANAF's e-Factura test or production REST base
    ses_sender: str  # the From address; its domain is the SES identity
    region: str = "eu-central-1"
    account: str | None = None  # None: the account of the deploying credentials
    # ACM certificate (in us-east-1) for domain_name; without it CloudFront serves only its
    # own *.cloudfront.net name, and the public URL does not answer yet.
    certificate_arn: str | None = None
    anaf_client_id: str = PLACEHOLDER_CLIENT_ID  # public: the OAuth app's id, not a secret
    anaf_oauth_url: str = ANAF_OAUTH_URL
    anaf_public_url: str = ANAF_PUBLIC_URL
    trusted_signers_key: str = "config/trusted-signers.pem"
    alarm_email: str | None = None
    # API Gateway stage throttling (requests per second, burst).
    api_rate_limit: int = 20
    api_burst_limit: int = 40
    # How many sync workers may run at once (ANAF's budget is shared: 1000 calls/minute).
    sync_max_concurrency: int = 5
    # The other SQS consumers (SQS's minimum is 2): a burst of new invoices or exports queues
    # up instead of taking the account's whole Lambda concurrency from the API.
    render_max_concurrency: int = 4
    notify_max_concurrency: int = 2
    export_max_concurrency: int = 2
    import_max_concurrency: int = 2
    integrity_max_concurrency: int = 2  # monthly: a few companies at a time is plenty
    s3_delivery_max_concurrency: int = 2  # copies to the customers' own buckets
    webhook_max_concurrency: int = 4  # outbound HTTP with 10 s time-outs: waits, not CPU
    # Concurrency reserved for the API function: it always has room, and never more (the
    # account must keep 100 unreserved).
    api_reserved_concurrency: int = 20
    # CloudFront's WAF: requests per IP in any 5 minutes before it blocks the IP.
    waf_rate_limit_per_ip: int = 2000
    # Which of the two origin secrets CloudFront sends ("a" or "b"); the API's WAF accepts both.
    # Rotation: new value into the other one, then deploy with it active (infra/README.md).
    origin_secret_active: str = "a"
    log_retention_days: int = 30
    # Resources that hold no data (web bucket, queues, topics, secret): kept or removed on
    # `cdk destroy`. Data (tables, archive, keys) is always retained.
    destroy_stateless: bool = True
    # Object Lock on originals (ARHIVAR_ARCHIVE_LOCK_MODE / _DAYS): prod keeps COMPLIANCE for
    # the legal retention; dev uses GOVERNANCE for a day so its bucket can be emptied.
    archive_lock_mode: str = "COMPLIANCE"
    archive_lock_days: int | None = None
    manage_ses_identity: bool = True  # create the SES domain identity (DKIM records to add)

    @property
    def stack_name(self) -> str:
        return f"arhivar-{self.name}"

    @property
    def public_url(self) -> str:
        return f"https://{self.domain_name}"

    @property
    def anaf_redirect_uri(self) -> str:
        return f"{self.public_url}/api/anaf/callback"

    @property
    def ses_domain(self) -> str:
        return self.ses_sender.rsplit("@", 1)[1]

    def with_context(self, context: dict[str, Any]) -> StageParameters:
        """These parameters with `arhivar:<stage>:<field>` context values applied."""
        prefix = f"arhivar:{self.name}:"
        types = {f.name: f.type for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for key, value in context.items():
            if not key.startswith(prefix):
                continue
            field = key[len(prefix):]
            if field not in types or field == "name":
                raise ValueError(f"unknown stage parameter {key!r}")
            changes[field] = _coerce(str(types[field]), value)
        return dataclasses.replace(self, **changes)


def _coerce(type_name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if "None" in type_name and value in ("", "none", "None"):
        return None
    if type_name.startswith("int"):
        return int(value)
    if type_name == "bool":
        return value.lower() in ("1", "true", "yes")
    return value


DEV = StageParameters(
    name="dev",
    domain_name="dev.arhivar.ro",
    anaf_api_url=ANAF_TEST_API_URL,
    ses_sender="notificari@dev.arhivar.ro",
    archive_lock_mode="GOVERNANCE",
    archive_lock_days=1,
)

PROD = StageParameters(
    name="prod",
    domain_name="arhivar.ro",
    anaf_api_url=ANAF_PRODUCTION_API_URL,
    ses_sender="notificari@arhivar.ro",
    api_rate_limit=100,
    api_burst_limit=200,
    sync_max_concurrency=10,
    render_max_concurrency=10,
    notify_max_concurrency=4,
    export_max_concurrency=4,
    api_reserved_concurrency=100,
    log_retention_days=365,
    destroy_stateless=False,
)

STAGES: tuple[StageParameters, ...] = (DEV, PROD)

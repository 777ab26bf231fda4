"""The one place that reads environment variables.

Every deployment (the local stack, a dev or a prod stack) describes itself through the same
variables; the code has no "local mode". `get_settings()` builds a frozen `Settings` once per
process and fails fast, naming every missing or malformed variable at once.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlparse


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    # Empty in AWS; the moto server's URL locally. boto3 and pynamodb get it explicitly.
    aws_endpoint_url: str | None

    accounts_table: str
    companies_table: str
    memberships_table: str
    credentials_table: str
    documents_table: str
    sync_runs_table: str
    exports_table: str
    imports_table: str
    limits_table: str
    authorizations_table: str
    audit_table: str
    integrity_table: str
    buyer_messages_table: str
    reviews_table: str
    s3_delivery_table: str
    api_keys_table: str
    webhooks_table: str
    webhook_deliveries_table: str

    archive_bucket: str
    # Object Lock on originals: COMPLIANCE in prod (nobody, root included, can delete before
    # the legal retention ends); GOVERNANCE or NONE where a bucket must be emptiable (dev, local).
    archive_lock_mode: str
    # When set, an original's lock lasts at most this many days from its write (dev, local);
    # unset: the legal retention (10 years after the end of the invoice's year).
    archive_lock_days: int | None
    trusted_signers_key: str
    sync_queue: str
    render_queue: str
    notify_queue: str
    export_queue: str
    import_queue: str
    integrity_queue: str
    s3_delivery_queue: str
    # Who assumes the customers' delivery roles: the principal their trust policies name
    # ("arn:aws:iam::<Arhivar's account>:root"; IAM lets only the delivery worker and the API assume).
    s3_delivery_principal: str
    webhook_queue: str

    tokens_kms_key: str
    cognito_user_pool_id: str
    cognito_client_id: str
    ses_sender: str
    public_url: str

    anaf_oauth_url: str
    anaf_api_url: str
    anaf_public_url: str
    anaf_client_id: str
    anaf_client_secret_name: str
    anaf_redirect_uri: str
    # Webhooks to http:// and loopback receivers (the local stage only; AWS: https, public).
    webhooks_allow_local: bool = False


# setting -> (environment variable, required)
_VARIABLES: dict[str, tuple[str, bool]] = {
    "stage": ("ARHIVAR_STAGE", True),
    "region": ("AWS_REGION", True),
    "aws_endpoint_url": ("AWS_ENDPOINT_URL", False),
    "accounts_table": ("ARHIVAR_ACCOUNTS_TABLE", True),
    "companies_table": ("ARHIVAR_COMPANIES_TABLE", True),
    "memberships_table": ("ARHIVAR_MEMBERSHIPS_TABLE", True),
    "credentials_table": ("ARHIVAR_CREDENTIALS_TABLE", True),
    "documents_table": ("ARHIVAR_DOCUMENTS_TABLE", True),
    "sync_runs_table": ("ARHIVAR_SYNC_RUNS_TABLE", True),
    "exports_table": ("ARHIVAR_EXPORTS_TABLE", True),
    "imports_table": ("ARHIVAR_IMPORTS_TABLE", True),
    "limits_table": ("ARHIVAR_LIMITS_TABLE", True),
    "authorizations_table": ("ARHIVAR_AUTHORIZATIONS_TABLE", True),
    "audit_table": ("ARHIVAR_AUDIT_TABLE", True),
    "integrity_table": ("ARHIVAR_INTEGRITY_TABLE", True),
    "buyer_messages_table": ("ARHIVAR_BUYER_MESSAGES_TABLE", True),
    "reviews_table": ("ARHIVAR_REVIEWS_TABLE", True),
    "s3_delivery_table": ("ARHIVAR_S3_DELIVERY_TABLE", True),
    "api_keys_table": ("ARHIVAR_API_KEYS_TABLE", True),
    "webhooks_table": ("ARHIVAR_WEBHOOKS_TABLE", True),
    "webhook_deliveries_table": ("ARHIVAR_WEBHOOK_DELIVERIES_TABLE", True),
    "archive_bucket": ("ARHIVAR_ARCHIVE_BUCKET", True),
    "archive_lock_mode": ("ARHIVAR_ARCHIVE_LOCK_MODE", True),
    "archive_lock_days": ("ARHIVAR_ARCHIVE_LOCK_DAYS", False),
    "trusted_signers_key": ("ARHIVAR_TRUSTED_SIGNERS_KEY", True),
    "sync_queue": ("ARHIVAR_SYNC_QUEUE", True),
    "render_queue": ("ARHIVAR_RENDER_QUEUE", True),
    "notify_queue": ("ARHIVAR_NOTIFY_QUEUE", True),
    "export_queue": ("ARHIVAR_EXPORT_QUEUE", True),
    "import_queue": ("ARHIVAR_IMPORT_QUEUE", True),
    "integrity_queue": ("ARHIVAR_INTEGRITY_QUEUE", True),
    "s3_delivery_queue": ("ARHIVAR_S3_DELIVERY_QUEUE", True),
    "s3_delivery_principal": ("ARHIVAR_S3_DELIVERY_PRINCIPAL", True),
    "webhook_queue": ("ARHIVAR_WEBHOOK_QUEUE", True),
    "tokens_kms_key": ("ARHIVAR_TOKENS_KMS_KEY", True),
    "cognito_user_pool_id": ("ARHIVAR_COGNITO_USER_POOL_ID", True),
    "cognito_client_id": ("ARHIVAR_COGNITO_CLIENT_ID", True),
    "ses_sender": ("ARHIVAR_SES_SENDER", True),
    "public_url": ("ARHIVAR_PUBLIC_URL", True),
    "anaf_oauth_url": ("ARHIVAR_ANAF_OAUTH_URL", True),
    "anaf_api_url": ("ARHIVAR_ANAF_API_URL", True),
    "anaf_public_url": ("ARHIVAR_ANAF_PUBLIC_URL", True),
    "anaf_client_id": ("ARHIVAR_ANAF_CLIENT_ID", True),
    "anaf_client_secret_name": ("ARHIVAR_ANAF_CLIENT_SECRET_NAME", True),
    "anaf_redirect_uri": ("ARHIVAR_ANAF_REDIRECT_URI", True),
    "webhooks_allow_local": ("ARHIVAR_WEBHOOKS_ALLOW_LOCAL", False),
}

ARCHIVE_LOCK_MODES = ("COMPLIANCE", "GOVERNANCE", "NONE")

_URL_FIELDS = ("aws_endpoint_url", "public_url", "anaf_oauth_url", "anaf_api_url",
               "anaf_public_url", "anaf_redirect_uri")

assert set(_VARIABLES) == {f.name for f in fields(Settings)}, "every setting needs a variable"


def environment_variables() -> dict[str, str]:
    """Setting name -> environment variable name (for docs, CDK and the local stack)."""
    return {name: variable for name, (variable, _) in _VARIABLES.items()}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build settings from a mapping; raise SettingsError listing every problem."""
    values: dict[str, str | None] = {}
    problems: list[str] = []
    for name, (variable, required) in _VARIABLES.items():
        value = environ.get(variable, "").strip()
        if not value and required:
            problems.append(f"{variable} is not set")
        values[name] = value or None
    for name in _URL_FIELDS:
        url = values[name]
        if url and urlparse(url).scheme not in ("http", "https"):
            problems.append(f"{_VARIABLES[name][0]}={url!r} is not an http(s) URL")
    values["archive_lock_days"] = _lock_days(values["archive_lock_days"], problems)  # type: ignore[assignment]
    problems += _lock_problems(values)
    values["webhooks_allow_local"] = _allow_local(values, problems)  # type: ignore[assignment]
    if problems:
        raise SettingsError("Arhivar cannot start: " + "; ".join(problems) + ".")
    for name in ("public_url", "anaf_oauth_url", "anaf_api_url", "anaf_public_url"):
        url = values[name]
        values[name] = url.rstrip("/") if url else url
    # Built from a mapping, so mypy cannot match values to fields; every required one is set.
    return Settings(**values)  # type: ignore[arg-type]


def _lock_days(value: str | None, problems: list[str]) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        problems.append(f"ARHIVAR_ARCHIVE_LOCK_DAYS={value!r} is not a whole number of days (1 or more)")
        return None
    return int(value)


def _allow_local(values: dict, problems: list[str]) -> bool:
    value = (values["webhooks_allow_local"] or "false").lower()  # the CDK app writes str(False)
    if value not in ("true", "false"):
        problems.append(f"ARHIVAR_WEBHOOKS_ALLOW_LOCAL={value!r} is not true or false")
    if value == "true" and values["stage"] in ("prod", "dev"):
        problems.append(f"ARHIVAR_WEBHOOKS_ALLOW_LOCAL=true is for the local stage, not {values['stage']}")
    return value == "true"


def _lock_problems(values: dict) -> list[str]:
    mode = values["archive_lock_mode"]
    if mode is None:
        return []
    if mode not in ARCHIVE_LOCK_MODES:
        return [f"ARHIVAR_ARCHIVE_LOCK_MODE={mode!r} is not one of {', '.join(ARCHIVE_LOCK_MODES)}"]
    if values["stage"] == "prod" and (mode != "COMPLIANCE" or values["archive_lock_days"] is not None):
        return [("ARHIVAR_STAGE=prod keeps originals under COMPLIANCE lock for the legal retention "
                 "(ARHIVAR_ARCHIVE_LOCK_MODE=COMPLIANCE, ARHIVAR_ARCHIVE_LOCK_DAYS unset)")]
    return []


# Set by the Chalice CLI for every command (its documented way for an app to know), never by
# chalice.cdk, which the CDK app uses to package the API, nor in Lambda.
CHALICE_CLI_VARIABLE = "AWS_CHALICE_CLI_MODE"
CHALICE_CLI_REFUSAL = """\
Arhivar is not packaged, deployed or run with the Chalice CLI.

`chalice package`, `chalice deploy` and `chalice local` only know the API, while Arhivar is
also its tables, archive bucket, queues, worker functions, schedules, user pool and web site.
  Deploy:  the CDK app in infra/   (README.md, "Deploying to AWS"; infra/README.md)
  Run:     make run                (the whole product locally, at http://127.0.0.1:8000)
The CDK app still packages the API with Chalice (chalice.cdk), with its own configuration."""


def refuse_the_chalice_cli(environ: Mapping[str, str] = os.environ) -> None:
    """Stop the Chalice CLI with the explanation above when it loads the app (exit status 1)."""
    if environ.get(CHALICE_CLI_VARIABLE, "").strip().lower() != "true":
        return
    sys.stderr.write(CHALICE_CLI_REFUSAL + "\n")
    sys.stderr.flush()
    if threading.current_thread() is threading.main_thread():
        raise SystemExit(1)
    os._exit(1)  # `chalice local` loads the app in a server thread, where SystemExit ends only the thread


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read once (at cold start in Lambda)."""
    return load_settings(os.environ)

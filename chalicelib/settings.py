"""The one place that reads environment variables.

Every deployment (the local stack, a dev or a prod stack) describes itself through the same
variables; the code has no "local mode". `get_settings()` builds a frozen `Settings` once per
process and fails fast, naming every missing or malformed variable at once.
"""

from __future__ import annotations

import functools
import os
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
    limits_table: str
    authorizations_table: str

    archive_bucket: str
    trusted_signers_key: str
    sync_queue: str
    render_queue: str
    notify_queue: str
    export_queue: str

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
    "limits_table": ("ARHIVAR_LIMITS_TABLE", True),
    "authorizations_table": ("ARHIVAR_AUTHORIZATIONS_TABLE", True),
    "archive_bucket": ("ARHIVAR_ARCHIVE_BUCKET", True),
    "trusted_signers_key": ("ARHIVAR_TRUSTED_SIGNERS_KEY", True),
    "sync_queue": ("ARHIVAR_SYNC_QUEUE", True),
    "render_queue": ("ARHIVAR_RENDER_QUEUE", True),
    "notify_queue": ("ARHIVAR_NOTIFY_QUEUE", True),
    "export_queue": ("ARHIVAR_EXPORT_QUEUE", True),
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
}

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
    if problems:
        raise SettingsError("Arhivar cannot start: " + "; ".join(problems) + ".")
    for name in ("public_url", "anaf_oauth_url", "anaf_api_url", "anaf_public_url"):
        url = values[name]
        values[name] = url.rstrip("/") if url else url
    # Built from a mapping, so mypy cannot match values to fields; every required one is set.
    return Settings(**values)  # type: ignore[arg-type]


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read once (at cold start in Lambda)."""
    return load_settings(os.environ)

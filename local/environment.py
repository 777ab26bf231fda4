"""The embedded defaults: the environment that describes the local deployment.

The application reads these variables exactly as it reads them in AWS (chalicelib/settings.py);
only their values differ. Ports can be moved with ARHIVAR_PORT, ARHIVAR_ANAF_SANDBOX_PORT and
ARHIVAR_MOTO_PORT.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

LOCAL_HOST = "127.0.0.1"
# The sandbox's registered OAuth application (never a real ANAF credential).
SANDBOX_CLIENT_ID = "arhivar-local"
SANDBOX_CLIENT_SECRET = "arhivar-local-sandbox-secret"
# Cognito's ids exist only once the bootstrap made the pool; the stack fills them in then.
COGNITO_PENDING = "created-by-bootstrap"
# For a process that talks to moto (the tests, the benchmarks): whatever the machine's
# configuration, no AWS call it makes can reach a real account.
FAKE_AWS_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def use_fake_aws_credentials() -> None:
    """Put FAKE_AWS_CREDENTIALS in this process's environment: call it before anything imports boto3."""
    os.environ.update(FAKE_AWS_CREDENTIALS)


@dataclass(frozen=True)
class LocalPorts:
    web: int = 8000
    sandbox: int = 8010
    moto: int = 5000

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> LocalPorts:
        return cls(
            web=int(environ.get("ARHIVAR_PORT", cls.web)),
            sandbox=int(environ.get("ARHIVAR_ANAF_SANDBOX_PORT", cls.sandbox)),
            moto=int(environ.get("ARHIVAR_MOTO_PORT", cls.moto)),
        )

    @property
    def web_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.web}"

    @property
    def sandbox_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.sandbox}"

    @property
    def moto_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.moto}"


def local_environment(ports: LocalPorts, stage: str = "local") -> dict[str, str]:
    prefix = f"arhivar-{stage}"
    return {
        # Fake credentials: whatever happens, nothing here can reach a real AWS account.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL": ports.moto_url,
        # moto's Cognito checks TOTP codes only when told to (one fixed secret for every user,
        # see README "Two-factor login"); read by the moto server, not by the application.
        "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
        "ARHIVAR_STAGE": stage,
        "ARHIVAR_ACCOUNTS_TABLE": f"{prefix}-accounts",
        "ARHIVAR_COMPANIES_TABLE": f"{prefix}-companies",
        "ARHIVAR_MEMBERSHIPS_TABLE": f"{prefix}-memberships",
        "ARHIVAR_CREDENTIALS_TABLE": f"{prefix}-anaf-credentials",
        "ARHIVAR_DOCUMENTS_TABLE": f"{prefix}-documents",
        "ARHIVAR_SYNC_RUNS_TABLE": f"{prefix}-sync-runs",
        "ARHIVAR_EXPORTS_TABLE": f"{prefix}-exports",
        "ARHIVAR_IMPORTS_TABLE": f"{prefix}-imports",
        "ARHIVAR_LIMITS_TABLE": f"{prefix}-limits",
        "ARHIVAR_AUTHORIZATIONS_TABLE": f"{prefix}-authorizations",
        "ARHIVAR_AUDIT_TABLE": f"{prefix}-audit",
        "ARHIVAR_INTEGRITY_TABLE": f"{prefix}-integrity-runs",
        "ARHIVAR_BUYER_MESSAGES_TABLE": f"{prefix}-buyer-messages",
        "ARHIVAR_REVIEWS_TABLE": f"{prefix}-reviews",
        "ARHIVAR_S3_DELIVERY_TABLE": f"{prefix}-s3-delivery",
        "ARHIVAR_API_KEYS_TABLE": f"{prefix}-api-keys",
        "ARHIVAR_WEBHOOKS_TABLE": f"{prefix}-webhooks",
        "ARHIVAR_WEBHOOK_DELIVERIES_TABLE": f"{prefix}-webhook-deliveries",
        "ARHIVAR_ARCHIVE_BUCKET": f"{prefix}-archive",
        # An emptiable archive: GOVERNANCE lock for a day (prod: COMPLIANCE, 10 years).
        "ARHIVAR_ARCHIVE_LOCK_MODE": "GOVERNANCE",
        "ARHIVAR_ARCHIVE_LOCK_DAYS": "1",
        "ARHIVAR_TRUSTED_SIGNERS_KEY": "config/trusted-signers.pem",
        "ARHIVAR_SYNC_QUEUE": f"{prefix}-sync",
        "ARHIVAR_RENDER_QUEUE": f"{prefix}-render",
        "ARHIVAR_NOTIFY_QUEUE": f"{prefix}-notify",
        "ARHIVAR_EXPORT_QUEUE": f"{prefix}-export",
        "ARHIVAR_IMPORT_QUEUE": f"{prefix}-import",
        "ARHIVAR_INTEGRITY_QUEUE": f"{prefix}-integrity",
        "ARHIVAR_S3_DELIVERY_QUEUE": f"{prefix}-s3-delivery",
        # moto's account: the principal the customers' trust policies name locally.
        "ARHIVAR_S3_DELIVERY_PRINCIPAL": "arn:aws:iam::123456789012:root",
        "ARHIVAR_WEBHOOK_QUEUE": f"{prefix}-webhook",
        # Webhook receivers on this machine (http, loopback): the local stage only.
        "ARHIVAR_WEBHOOKS_ALLOW_LOCAL": "true",
        "ARHIVAR_TOKENS_KMS_KEY": f"alias/{prefix}-anaf-tokens",
        "ARHIVAR_COGNITO_USER_POOL_ID": COGNITO_PENDING,
        "ARHIVAR_COGNITO_CLIENT_ID": COGNITO_PENDING,
        "ARHIVAR_SES_SENDER": "notificari@arhivar.local",
        "ARHIVAR_PUBLIC_URL": ports.web_url,
        "ARHIVAR_ANAF_OAUTH_URL": ports.sandbox_url,
        "ARHIVAR_ANAF_API_URL": f"{ports.sandbox_url}/prod/FCTEL/rest",
        "ARHIVAR_ANAF_PUBLIC_URL": ports.sandbox_url,
        "ARHIVAR_ANAF_CLIENT_ID": SANDBOX_CLIENT_ID,
        "ARHIVAR_ANAF_CLIENT_SECRET_NAME": f"{prefix}/anaf-client-secret",
        "ARHIVAR_ANAF_REDIRECT_URI": f"{ports.web_url}/api/anaf/callback",
        "ARHIVAR_SANDBOX_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def free_port() -> int:
    """A loopback port nothing listens on now (another process may still take it first)."""
    with socket.socket() as probe:
        probe.bind((LOCAL_HOST, 0))
        return probe.getsockname()[1]


def free_ports() -> LocalPorts:
    """Ports for a throwaway stack (a test session's, a benchmark's) beside a running `make run`."""
    return LocalPorts(web=free_port(), sandbox=free_port(), moto=free_port())

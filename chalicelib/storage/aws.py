"""boto3 clients built from settings: one per service and process, with bounded retries."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import ServiceBusy, ServiceUnavailable
from chalicelib.settings import Settings

if TYPE_CHECKING:  # the stubs are a development dependency (requirements-dev.txt)
    from types_boto3_dynamodb.client import DynamoDBClient
    from types_boto3_kms.client import KMSClient
    from types_boto3_s3.client import S3Client
    from types_boto3_secretsmanager.client import SecretsManagerClient
    from types_boto3_ses.client import SESClient
    from types_boto3_sqs.client import SQSClient

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=20,
)


@overload
def aws_client(settings: Settings, service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def aws_client(settings: Settings, service: Literal["kms"]) -> KMSClient: ...
@overload
def aws_client(settings: Settings, service: Literal["s3"]) -> S3Client: ...
@overload
def aws_client(settings: Settings, service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
@overload
def aws_client(settings: Settings, service: Literal["ses"]) -> SESClient: ...
@overload
def aws_client(settings: Settings, service: Literal["sqs"]) -> SQSClient: ...
@overload
def aws_client(settings: Settings, service: str) -> Any: ...
def aws_client(settings: Settings, service: str) -> Any:
    """The client of `service`, typed for the services listed above (types-boto3)."""
    return _client(settings, service)


@functools.cache
def _client(settings: Settings, service: str) -> Any:
    # `service` is a plain string here; boto3's stubs type only literal service names, and the
    # overloads of aws_client give each caller its typed client.
    session: Any = boto3.session.Session()
    return session.client(
        service,
        region_name=settings.region,
        endpoint_url=settings.aws_endpoint_url,
        config=_CONFIG,
    )


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


# What AWS answers when we go over a table's, an account's or a service's rate: retry shortly.
# (DynamoDB's InternalServerError is one too: AWS documents it as "retry the request".)
THROTTLE_CODES = frozenset({"ThrottlingException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
                            "Throttling", "TooManyRequestsException", "SlowDown"})


def transient(error: ClientError | BotoCoreError, what: str) -> ServiceUnavailable | None:
    """The domain error for a transient AWS failure (throttle, 5xx, transport), else None."""
    if isinstance(error, BotoCoreError):  # connection refused, time-outs, endpoint errors
        return ServiceUnavailable(details={"service": what, "error": type(error).__name__})
    code = error_code(error)
    if code in THROTTLE_CODES or code == "InternalServerError":  # DynamoDB's "retry this request"
        return ServiceBusy(details={"service": what, "code": code})
    if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return ServiceUnavailable(details={"service": what, "code": code})
    return None


@contextmanager
def translated_errors(what: str, *, passthrough: Callable[[ClientError], bool] = lambda e: False) -> Iterator[None]:
    """Turn transport failures, throttles and AWS 5xx answers into ServiceUnavailable
    (ServiceBusy for throttles).

    Client errors a caller handles itself (a failed condition, a missing key) pass through
    when `passthrough` says so; everything else is unexpected and propagates unchanged.
    """
    try:
        yield
    except ClientError as error:
        if passthrough(error):
            raise
        mapped = transient(error, what)
        if mapped is None:
            raise
        raise mapped from error
    except BotoCoreError as error:
        raise transient(error, what) from error  # type: ignore[misc]

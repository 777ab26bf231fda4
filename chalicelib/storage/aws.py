"""boto3 clients built from settings: one per service and process, with bounded retries."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import ServiceBusy, ServiceUnavailable
from chalicelib.settings import Settings

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=20,
)


@functools.cache
def aws_client(settings: Settings, service: str) -> Any:
    return boto3.session.Session().client(
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

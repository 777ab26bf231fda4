"""boto3 clients built from settings: one per service and process, with bounded retries."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import ServiceUnavailable
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


@contextmanager
def translated_errors(what: str, *, passthrough: Callable[[ClientError], bool] = lambda e: False) -> Iterator[None]:
    """Turn transport failures and AWS 5xx answers into ServiceUnavailable.

    Client errors a caller handles itself (a failed condition, a missing key) pass through
    when `passthrough` says so; everything else is unexpected and propagates unchanged.
    """
    try:
        yield
    except ClientError as error:
        if passthrough(error):
            raise
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500 or error_code(error) in {"ThrottlingException", "RequestLimitExceeded",
                                                    "ProvisionedThroughputExceededException"}:
            raise ServiceUnavailable(details={"service": what, "code": error_code(error)}) from error
        raise
    except BotoCoreError as error:  # connection refused, time-outs, endpoint errors
        raise ServiceUnavailable(details={"service": what, "error": type(error).__name__}) from error

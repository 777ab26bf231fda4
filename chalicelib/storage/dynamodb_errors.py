"""DynamoDB failures become domain errors at the storage edge, once, for every pynamodb call.

pynamodb wraps botocore's errors in its own (GetError, QueryError, PutError, …, with
`cause_response_code`), so a throttled table would surface as a library exception that
neither the API's error mapping nor the workers' retry rules know. Every pynamodb operation
(models, batch reads, transactions) goes through `Connection.dispatch`; wrapping it here turns a
throttle (`ProvisionedThroughputExceededException`, `ThrottlingException`,
`RequestLimitExceeded`, DynamoDB's `InternalServerError`) into `ServiceBusy`, and a transport
failure into `ServiceUnavailable` (storage/aws.py `transient`, the same rule as the boto3
adapters). Anything else (a failed condition, a cancelled transaction) still reaches the caller
as pynamodb's own exception, which the repositories handle: a conditional write goes through
`updated_if`, `saved_if` or `deleted_if`, which answer a failed condition with False and raise
everything else (a throttle has become `ServiceBusy` by then, which is no pynamodb exception).

pynamodb has no hook for error translation, so this wraps the method once per process
(`install`, called by `bind_models`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection.base import Connection
from pynamodb.exceptions import DeleteError, PutError, PynamoDBException, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.storage.aws import transient

_MARK = "_arhivar_translates_errors"


def install() -> None:
    """Wrap pynamodb's dispatch (idempotent)."""
    if getattr(Connection.dispatch, _MARK, False):
        return
    original = Connection.dispatch

    @functools.wraps(original)
    def dispatch(self: Connection, operation_name: str, operation_kwargs: dict) -> Any:
        try:
            return original(self, operation_name, operation_kwargs)
        except (ClientError, BotoCoreError) as error:
            mapped = transient(error, "dynamodb")
            if mapped is None:
                raise
            mapped.details["operation"] = operation_name
            raise mapped from error

    setattr(dispatch, _MARK, True)
    Connection.dispatch = dispatch  # type: ignore[method-assign]


def _condition_failed(error: PynamoDBException) -> bool:
    """A conditional write refused because its condition did not hold (not a failure of the
    table): the repositories answer it with False or None, never with an exception."""
    return error.cause_response_code == "ConditionalCheckFailedException"


def updated_if(item: Model, actions: Sequence[Action], condition: Condition) -> bool:
    """Apply `actions` to the stored `item` when `condition` holds; False (nothing written) when
    it does not. A versioned item adds "version unchanged" to the condition (pynamodb)."""
    try:
        item.update(actions=list(actions), condition=condition)
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


def saved_if(item: Model, condition: Condition) -> bool:
    """Write the whole `item` when `condition` holds (usually: its key does not exist yet);
    False (nothing written) when it does not."""
    try:
        item.save(condition=condition)
    except PutError as error:
        if _condition_failed(error):
            return False
        raise
    return True


def deleted_if(item: Model, condition: Condition) -> bool:
    """Delete the stored `item` when `condition` holds; False (nothing deleted) when it does not."""
    try:
        item.delete(condition=condition)
    except DeleteError as error:
        if _condition_failed(error):
            return False
        raise
    return True

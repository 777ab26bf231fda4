"""The deployment's DynamoDB tables as a whole (not any one record): do they all answer?"""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.settings import Settings
from chalicelib.storage.models import ALL_MODELS, bind_models


def bind(settings: Settings) -> None:
    """Point every record's model at this deployment's table (idempotent): the one call the
    composition root (dependencies.py) makes into the storage internals."""
    bind_models(settings)


def check_reachable() -> None:
    """Raise ServiceUnavailable unless every table exists and answers."""
    for model in ALL_MODELS:
        try:
            exists = model.exists()
        except PynamoDBException as error:
            raise ServiceUnavailable(details={"service": "dynamodb"}) from error
        if not exists:
            raise ServiceUnavailable(details={"table": model.Meta.table_name})

"""Is this deployment able to serve? Checks that every table and the archive bucket answer."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.models import ALL_MODELS


def _check_tables() -> None:
    for model in ALL_MODELS:
        try:
            exists = model.exists()
        except PynamoDBException as error:
            raise ServiceUnavailable(details={"service": "dynamodb"}) from error
        if not exists:
            raise ServiceUnavailable(details={"table": model.Meta.table_name})


def check_health(archive: ArchiveBucket) -> dict[str, str]:
    """Each dependency → "ok" or "unavailable"."""
    checks: dict[str, Callable[[], None]] = {
        "dynamodb": _check_tables,
        "s3": archive.check_reachable,
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except ServiceUnavailable:
            results[name] = "unavailable"
    return results

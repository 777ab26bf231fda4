"""Is this deployment able to serve? Checks that every table and the archive bucket answer."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.storage import tables
from chalicelib.storage.blobs import ArchiveBucket


def check_health(archive: ArchiveBucket) -> dict[str, str]:
    """Each dependency → "ok" or "unavailable"."""
    checks: dict[str, Callable[[], None]] = {
        "dynamodb": tables.check_reachable,
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

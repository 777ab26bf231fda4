"""The security journal's table: append and read, nothing else.

This module is the only code that touches AuditEventModel. It offers no update and no delete:
an event is written once, with a condition that its key does not exist yet, and then only read
(newest first). In AWS the API role may only PutItem and Query the table (infra/functions.py).
"""

from __future__ import annotations

from chalicelib.storage.models import AuditEventModel


def append(event: AuditEventModel) -> None:
    """Write a new event; raises PutError (ConditionalCheckFailed) rather than overwrite one."""
    event.save(condition=AuditEventModel.at.does_not_exist())


def newest_first(cif: str, limit: int, before: str | None = None) -> list[AuditEventModel]:
    """Up to `limit` events of the company, newest first, older than the key `before`."""
    condition = AuditEventModel.at < before if before else AuditEventModel.at.startswith("at#")
    return list(AuditEventModel.query(cif, condition, scan_index_forward=False, limit=limit))

"""The security journal's table: append and read, nothing else.

This module is the only code that touches AuditEventModel. It offers no update and no delete:
an event is written once, with a condition that its key does not exist yet, and then only read
(newest first). In AWS the API role may only PutItem and Query the table (infra/functions.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.storage.models import AuditEventModel

if TYPE_CHECKING:
    from typing import Any

AuditEvent = AuditEventModel  # the record type services read (attributes only)


def append(cif: str, at: str, event: str, *, actor_user_id: str | None, actor_email: str | None = None,
           details: dict[str, Any] | None = None, ip: str | None = None) -> None:
    """Write a new event under the key (cif, at); raises PutError (ConditionalCheckFailed)
    rather than overwrite one."""
    AuditEventModel(cif=cif, at=at, event=event, actor_user_id=actor_user_id, actor_email=actor_email,
                    details=details or {}, ip=ip).save(condition=AuditEventModel.at.does_not_exist())


def newest_first(cif: str, limit: int, before: str | None = None) -> list[AuditEventModel]:
    """Up to `limit` events of the company, newest first, older than the key `before`."""
    condition = AuditEventModel.at < before if before else AuditEventModel.at.startswith("at#")
    return list(AuditEventModel.query(cif, condition, scan_index_forward=False, limit=limit))

"""Licences and e-mail settings → the JSON shapes the OpenAPI description declares."""

from __future__ import annotations

from typing import Any

from chalicelib.api.views import iso
from chalicelib.domain.licences import Licence
from chalicelib.domain.notifications import Category
from chalicelib.services.licences import LicenceState, emails_label_ro, sync_label_ro
from chalicelib.services.notification_settings import Settings, Unsubscribed


def licence(item: Licence) -> dict[str, Any]:
    return {"code": item.code, "name": item.name_ro,
            "sync_interval_minutes": int(item.sync_interval.total_seconds() // 60),
            "quiet_sync_interval_minutes": int(item.quiet_sync_interval.total_seconds() // 60),
            "sync_label": sync_label_ro(item),
            "new_document_emails": item.new_document_emails.value,
            "new_document_emails_label": emails_label_ro(item)}


def licence_state(state: LicenceState) -> dict[str, Any]:
    return {"cif": state.cif, "licence": licence(state.licence), "next_sync_at": iso(state.next_sync_at),
            "can_change": state.can_change,
            "history": [{"licence": h.licence, "previous": h.previous, "changed_by": h.changed_by,
                         "changed_at": iso(h.changed_at)} for h in reversed(state.history)]}


def category(item: Category) -> dict[str, str]:
    return {"code": item.value, "label": item.label_ro, "description": item.description_ro}


def settings(view: Settings) -> dict[str, Any]:
    return {
        "email": view.email,
        "categories": [category(c) for c in Category],
        "companies": [{"cif": c.cif, "name": c.name, "role": c.role.value,
                       "licence": licence(c.licence), "can_change_licence": c.can_change_licence,
                       "categories": {k.value: v for k, v in c.categories.items()}}
                      for c in view.companies],
        "suppressed": ({"reason": view.suppressed.reason, "at": iso(view.suppressed.at)}
                       if view.suppressed else None),
    }


def unsubscribed(done: Unsubscribed) -> dict[str, Any]:
    return {"status": "unsubscribed", "category": category(done.category), "companies": done.companies}

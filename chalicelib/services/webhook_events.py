"""Webhook events: what happened, turned into one pending delivery per subscribed endpoint.

Called where things happen (the archiver for every door, the reminders, the sync, the
coverage warnings, the export builder). Each event has a stable id (domain/webhooks.py
`event_id`, from the identity of what happened), and a delivery is keyed by (endpoint, event
id): reporting an event again (a retried job, a second door for the same upload) finds the
delivery in place and makes no second one. A delivery created but not yet attempted is queued
again when the event is reported again (its first queueing may be what failed).

The payload is small (ids, partner, number, dates, totals) with links to the API; never files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger

from chalicelib.domain.webhooks import EventType, event_id, wants
from chalicelib.storage import webhook_deliveries, webhooks
from chalicelib.storage.queues import WorkQueues

logger = Logger(service="arhivar-webhooks", child=True)


# What `document.archived` reads of an archived document (the archiver's fields or its record).
DOCUMENT_FIELDS = ("kind", "message_id", "upload_index", "document_type", "number", "issue_date", "due_date",
                   "currency", "total", "total_with_vat", "vat_total", "partner_cif", "partner_name", "created_at",
                   "cif_upload")


def queue_body(cif: str, endpoint_id: str, event: str) -> dict[str, str]:
    return {"cif": cif, "endpoint_id": endpoint_id, "event_id": event}


class WebhookEvents:
    def __init__(self, queues: WorkQueues, public_url: str, clock: Callable[[], datetime]) -> None:
        self._queues = queues
        self.public_url = public_url
        self._clock = clock

    def emit(self, cif: str, event_type: EventType, identity: str, data: dict[str, Any], *,
             occurred_at: datetime, kind: str | None = None) -> int:
        """Deliveries queued for this event (0 when no endpoint wants it)."""
        endpoints = [e for e in webhooks.of_company(cif)
                     if e.enabled and wants(set(e.events), set(e.kinds or ()), event_type.value, kind)]
        if not endpoints:
            return 0
        message_id = event_id(event_type.value, identity)
        payload = payload_json(event_type.value, occurred_at, data)
        queued = 0
        for endpoint in endpoints:
            if self.add_delivery(cif, endpoint.endpoint_id, message_id, event_type.value, payload):
                queued += 1
        return queued

    def requeue(self, cif: str, endpoint_id: str, message_id: str) -> None:
        """"Retrimite": the delivery's message again, now."""
        self._queues.send("webhook", queue_body(cif, endpoint_id, message_id))

    def add_delivery(self, cif: str, endpoint_id: str, message_id: str, event_type: str, payload: str) -> bool:
        created = webhook_deliveries.create(endpoint_id, message_id, cif=cif, event_type=event_type,
                                            payload=payload, now=self._clock())
        if created is None:
            existing = webhook_deliveries.get(endpoint_id, message_id)
            if existing is None or existing.status != "pending" or existing.attempts:
                return False  # delivered, given up, or being retried: nothing new
        self._queues.send("webhook", queue_body(cif, endpoint_id, message_id))
        return True

    # -- the events ---------------------------------------------------------------------------

    def document_archived(self, cif: str, fields: dict[str, Any]) -> int:
        """A document archived through any door. Its identity is the upload (CIF, upload index,
        kind): the sync and an SPV import of the same upload are one event."""
        kind = str(fields["kind"])
        message_id = str(fields["message_id"])
        base = f"{self.public_url}/api/companies/{quote(cif)}/documents/{quote(message_id, safe='')}"
        data = {
            "cif": cif, "message_id": message_id, "upload_index": fields.get("upload_index"), "kind": kind,
            "document_type": fields.get("document_type"), "number": fields.get("number"),
            "issue_date": fields.get("issue_date"), "due_date": fields.get("due_date"),
            "currency": fields.get("currency"), "total": fields.get("total"),
            "total_with_vat": fields.get("total_with_vat"), "vat_total": fields.get("vat_total"),
            "partner": {"cif": fields.get("partner_cif"), "name": fields.get("partner_name")},
            "created_at": _iso(fields.get("created_at")),
            "links": {"document": base, "xml": f"{base}/download?format=xml",
                      "pdf": f"{base}/download?format=pdf", "original": f"{base}/download?format=original"},
        }
        identity = str(fields.get("cif_upload") or f"{cif}#{message_id}")
        return self.emit(cif, EventType.DOCUMENT_ARCHIVED, identity, data,
                         occurred_at=fields.get("created_at") or self._clock(), kind=kind)


    def authorization(self, cif: str, credential_id: str, which: str, expires_at: datetime) -> int:
        """The ANAF authorization expires in `which` days, or ("expired") has expired."""
        expired = which == "expired"
        data = {"cif": cif, "expires_at": _iso(expires_at), "days_left": None if expired else int(which),
                "links": {"company": f"{self.public_url}/api/companies/{quote(cif)}"}}
        event = EventType.AUTHORIZATION_EXPIRED if expired else EventType.AUTHORIZATION_EXPIRING
        return self.emit(cif, event, f"{cif}#{credential_id}#{expires_at.isoformat()}#{which}", data,
                         occurred_at=self._clock())

    def sync_failed(self, cif: str, run_id: str, result: str, errors: dict[str, Any], started: datetime) -> int:
        data = {"cif": cif, "run_id": run_id, "result": result, "errors": dict(errors),
                "started_at": _iso(started),
                "links": {"sync_runs": f"{self.public_url}/api/companies/{quote(cif)}/sync-runs"}}
        return self.emit(cif, EventType.SYNC_FAILED, f"{cif}#{run_id}", data, occurred_at=started)

    def gap_warning(self, cif: str, covered_until: datetime, cliff: datetime, days_left: int, stretch: str) -> int:
        """The archive has not advanced for 45 (or 55) days: SPV starts dropping invoices at `cliff`."""
        data = {"cif": cif, "covered_until": _iso(covered_until), "invoices_lost_from": _iso(cliff),
                "days_left": days_left, "links": {"company": f"{self.public_url}/api/companies/{quote(cif)}"}}
        return self.emit(cif, EventType.ARCHIVE_GAP_WARNING, stretch, data, occurred_at=self._clock())

    def export_ready(self, cif: str, export_id: str, fmt: str, count: int, expires_at: datetime | None,
                     finished_at: datetime) -> int:
        data = {"cif": cif, "export_id": export_id, "format": fmt, "document_count": count,
                "expires_at": _iso(expires_at),
                "links": {"export": f"{self.public_url}/api/companies/{quote(cif)}/exports/{quote(export_id)}"}}
        return self.emit(cif, EventType.EXPORT_READY, f"{cif}#{export_id}", data, occurred_at=finished_at)


def payload_json(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The body every attempt sends, byte for byte (what is signed)."""
    return json.dumps({"type": event_type, "timestamp": _iso(occurred_at), "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None if value is None else str(value)

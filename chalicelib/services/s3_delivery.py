"""Delivery to a company's own S3 bucket (issue 15): settings, "Verifică", the copy of every
archived document's original ZIP, XML and PDF, failures with their Romanian reasons, retries.

- Settings: owners and admins of an active (proven) membership set the bucket, the prefix and
  the role; Arhivar generates the external id the first time the page is opened and never lets
  anyone choose or change it. Turning delivery on checks the role first and queues a backfill
  of what is archived already.
- Copies: a document is queued when it is archived (every door passes its results to
  `queue_archived`) and again when its PDF is rendered. The worker copies whatever the document
  has, under the readable names of the ZIP export (domain/file_names.py), prefixed. Idempotent:
  a file whose SHA-256 is already at its key is skipped, so a repeated message writes nothing.
  Two documents with the same readable name: the second gets its message id appended (as in
  the export), decided by who holds the original's name (object metadata).
- Failures on the customer's side come back as delayed messages (domain/s3_delivery.py
  `retry_delay`); each is recorded with its reason until a copy succeeds; after the last
  attempt it waits for "Reîncearcă". Our own transient failures raise: SQS redelivers.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain import file_names
from chalicelib.domain import s3_delivery as rules
from chalicelib.domain.audit import EventType
from chalicelib.domain.errors import Conflict, NotAllowed
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.services import audit, memberships
from chalicelib.services.archiver import Archived
from chalicelib.services.documents import base_name
from chalicelib.storage import keys
from chalicelib.storage import s3_delivery as records
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.customer_buckets import CustomerBucket, CustomerBuckets
from chalicelib.storage.documents import Document, DocumentRepository
from chalicelib.storage.queues import WorkQueues
from chalicelib.storage.s3_delivery import Delivery

logger = Logger(service="arhivar-s3-delivery", child=True)

QUEUE = "s3delivery"
BACKFILL_SLICE = 200  # documents queued per backfill message
CONTENT_TYPES = {"original": "application/zip", "xml": "application/xml", "pdf": "application/pdf"}


class NotConfigured(rules.DeliveryFailed):
    def __init__(self) -> None:
        super().__init__("not_configured")


class DeliveryOff(Conflict):
    code = "s3_delivery_off"
    message_ro = "Livrarea în bucket-ul propriu este oprită: porniți-o înainte de a reîncerca."


def require_administrator(user_id: str, cif: str) -> None:
    """Owners and admins of an active membership; 404 to outsiders, 403 to viewers."""
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed("Doar proprietarii și administratorii pot configura livrarea în bucket-ul propriu.")


def new_external_id() -> str:
    return f"arhivar-{secrets.token_hex(16)}"


@dataclass(frozen=True)
class DeliveryState:
    config: Delivery
    failures: list[Delivery]
    principal: str


def state(user_id: str, cif: str, principal: str, now: datetime) -> DeliveryState:
    """The page: settings (the external id generated on the first visit), status, failures."""
    require_administrator(user_id, cif)
    config = records.ensure_config(cif, new_external_id(), now)
    return DeliveryState(config, records.failures(cif), principal)


def configure(user_id: str, cif: str, data: dict[str, Any], buckets: CustomerBuckets, queues: WorkQueues,
              now: datetime) -> None:
    """Save the destination (recorded in the company's security journal); turning delivery on
    checks it first (nothing saved if the check fails) and queues the backfill of what is
    archived already, as does moving it elsewhere while it is on."""
    require_administrator(user_id, cif)
    destination = rules.parse_destination(data["bucket"], data.get("prefix") or "", data["role_arn"])
    config = records.ensure_config(cif, new_external_id(), now)
    enabling = bool(data["enabled"])
    if enabling:
        _check(buckets, destination, config.external_id or "")
    moved = (config.bucket, config.prefix or "", config.role_arn) != (
        destination.bucket, destination.prefix, destination.role_arn)
    records.save_destination(cif, bucket=destination.bucket, prefix=destination.prefix,
                             role_arn=destination.role_arn, enabled=enabling, user_id=user_id, now=now,
                             verified=enabling)
    audit.record(cif, EventType.S3_DELIVERY_CHANGED, user_id, destination=f"s3://{destination.bucket}/"
                 f"{destination.prefix}", role_arn=destination.role_arn, enabled=enabling)
    if enabling and (not config.enabled or moved):
        records.set_backfill(cif, "running")
        queues.send(QUEUE, {"kind": "backfill", "cif": cif, "after": None})


def verify(user_id: str, cif: str, buckets: CustomerBuckets, now: datetime) -> None:
    """"Verifică": assume the role, write and delete a small object; DeliveryFailed (422, its
    Romanian reason) when any step fails."""
    require_administrator(user_id, cif)
    config = records.config(cif, consistent=True)
    if config is None or not (config.bucket and config.role_arn):
        raise NotConfigured()
    _check(buckets, rules.Destination(config.bucket, config.prefix or "", config.role_arn),
           config.external_id or "")
    records.mark_verified(cif, now)


def _check(buckets: CustomerBuckets, destination: rules.Destination, external_id: str) -> None:
    bucket = buckets.open(destination.role_arn, external_id, destination.bucket, fresh=True)
    key = keys.customer_delivery_check(destination.prefix, secrets.token_hex(6))
    content = "Verificare Arhivar: acest fișier se șterge imediat.\n".encode()
    bucket.put(key, content, "text/plain; charset=utf-8", hashlib.sha256(content).hexdigest(), {})
    bucket.delete(key)


def retry(user_id: str, cif: str, queues: WorkQueues, now: datetime) -> int:
    """"Reîncearcă": every failing document queued again with a fresh set of attempts."""
    require_administrator(user_id, cif)
    if not _enabled(cif):
        raise DeliveryOff()
    failing = records.failures(cif)
    for failure in failing:
        queues.send(QUEUE, _document_message(cif, failure.sk or "", 1))
        records.record_failure(cif, message_id=failure.message_id or "", sk=failure.sk or "",
                               reason_code=failure.reason_code or "", reason=failure.reason or "",
                               attempt=int(failure.attempts or 0), now=now, next_attempt_at=now)
    return len(failing)


# -- queueing (the doors that archive, the render worker) -----------------------------------------

def _document_message(cif: str, sk: str, attempt: int) -> dict[str, Any]:
    return {"cif": cif, "sk": sk, "attempt": attempt}


def _enabled(cif: str) -> bool:
    config = records.config(cif)
    return bool(config and config.enabled)


def queue_archived(queues: WorkQueues, cif: str, results: Iterable[Archived | None]) -> int:
    """Queue the copy of each newly archived document, when the company has delivery on."""
    fresh = [archived.sk for archived in results if archived is not None and archived.new]
    if not fresh or not _enabled(cif):
        return 0
    return queues.send_many(QUEUE, [_document_message(cif, sk, 1) for sk in fresh])


def queue_document(queues: WorkQueues, cif: str, sk: str) -> bool:
    """Queue one document's copy again (its PDF is ready), when the company has delivery on."""
    if not _enabled(cif):
        return False
    queues.send(QUEUE, _document_message(cif, sk, 1))
    return True


# -- the worker ------------------------------------------------------------------------------------

def parse_message(body: Any) -> dict[str, Any] | None:
    """A queue message as the worker acts on it, or None for one that cannot be acted on."""
    if not isinstance(body, dict) or not isinstance(body.get("cif"), str) or not 0 < len(body["cif"]) <= 16:
        return None
    if body.get("kind") == "backfill":
        after = body.get("after")
        return body if after is None or (isinstance(after, str) and len(after) <= 300) else None
    sk, attempt = body.get("sk"), body.get("attempt", 1)
    if isinstance(sk, str) and 0 < len(sk) <= 300 and isinstance(attempt, int) and 1 <= attempt <= 100:
        return body
    return None


class Deliverer:
    def __init__(self, archive: ArchiveBucket, buckets: CustomerBuckets, queues: WorkQueues,
                 clock: Callable[[], datetime]) -> None:
        self._archive = archive
        self._buckets = buckets
        self._queues = queues
        self._clock = clock

    def handle(self, message: dict[str, Any]) -> str:
        if message.get("kind") == "backfill":
            return self.backfill(message["cif"], message.get("after"))
        return self.deliver(message["cif"], message["sk"], int(message.get("attempt", 1)))

    def backfill(self, cif: str, after: str | None) -> str:
        """Queue the copies of a slice of what is archived; the next slice as another message."""
        if not _enabled(cif):
            return "disabled"
        last = None
        batch = []
        for document in DocumentRepository.every(cif, after):
            last = document.sk
            if not document.superseded_by:
                batch.append(_document_message(cif, document.sk, 1))
            if len(batch) >= BACKFILL_SLICE:
                break
        self._queues.send_many(QUEUE, batch)
        if len(batch) >= BACKFILL_SLICE:
            self._queues.send(QUEUE, {"kind": "backfill", "cif": cif, "after": last})
            return "continued"
        records.set_backfill(cif, "done")
        return "done"

    def deliver(self, cif: str, sk: str, attempt: int) -> str:
        """Copy one document's files; returns "delivered", "failed" (retried or waiting for
        "Reîncearcă") or "skipped" (delivery off, no such document, superseded)."""
        config = records.config(cif, consistent=True)
        if config is None or not config.enabled or not (config.bucket and config.role_arn):
            return "skipped"
        document = DocumentRepository.get(cif, sk)
        if document is None or document.superseded_by:
            return "skipped"
        try:
            bucket = self._buckets.open(config.role_arn, config.external_id or "", config.bucket)
            written, last_key = self._copy(bucket, config.prefix or "", document)
        except rules.DeliveryFailed as failure:
            self._failed(cif, document, attempt, failure)
            return "failed"
        records.record_delivered(cif, last_key, written, self._clock())
        records.clear_failure(cif, document.message_id)
        logger.info("delivered", extra={"cif": cif, "message_id": document.message_id, "written": written})
        return "delivered"

    def _copy(self, bucket: CustomerBucket, prefix: str, document: Document) -> tuple[int, str]:
        folder = file_names.zip_folder(document.kind, document.created_at, document.issue_date)
        name = base_name(document)
        sources = {"original": document.original_key, "xml": document.xml_key,
                   "pdf": document.pdf_key if document.pdf_status == "ready" else None}
        owner = bucket.stored(keys.customer_delivery(
            prefix, f"{folder}/{file_names.download_filename(name, 'original')}"))
        if owner is not None and owner.message_id not in (None, document.message_id):
            name = f"{name}_{file_names.safe_part(document.message_id)}"  # the export's rule
        written, last_key = 0, ""
        for fmt, source in sources.items():
            if not source:
                continue
            key = keys.customer_delivery(prefix, f"{folder}/{file_names.download_filename(name, fmt)}")
            present = bucket.stored(key)
            last_key = key
            if fmt == "original" and present is not None and present.sha256 == document.original_sha256:
                continue  # the original's SHA-256 is recorded: no need to read it to compare
            content = self._archive.get(source)
            sha256 = hashlib.sha256(content).hexdigest()
            if present is not None and present.sha256 == sha256:
                continue  # the same bytes are there: a repeated copy writes nothing
            metadata = {"arhivar-message-id": document.message_id, "arhivar-cif": document.cif,
                        "arhivar-sha256": sha256}
            # Absent: write only if it still is (another worker may be copying this document now);
            # present with other bytes (a re-rendered PDF): replace it.
            if bucket.put(key, content, CONTENT_TYPES[fmt], sha256, metadata, only_if_absent=present is None):
                written += 1
                continue
            now_there = bucket.stored(key)  # written by another worker since our HEAD
            if now_there is None or now_there.sha256 != sha256:
                bucket.put(key, content, CONTENT_TYPES[fmt], sha256, metadata)
                written += 1
        return written, last_key

    def _failed(self, cif: str, document: Document, attempt: int, failure: rules.DeliveryFailed) -> None:
        now = self._clock()
        delay = rules.retry_delay(attempt)
        logger.warning("delivery failed", extra={"cif": cif, "message_id": document.message_id,
                                                 "reason": failure.reason, "attempt": attempt,
                                                 "detail": failure.detail})
        records.record_failure(cif, message_id=document.message_id, sk=document.sk, reason_code=failure.reason,
                               reason=failure.message_ro, attempt=attempt, now=now,
                               next_attempt_at=now + delay if delay else None)
        if delay is not None:
            self._queues.send(QUEUE, _document_message(cif, document.sk, attempt + 1),
                              delay_s=int(delay.total_seconds()))

"""SQS export queue → one export (ZIP, CSV or XLSX) built and streamed into S3.

One record = `{"export_id": ...}`; idempotent on export_id (a ready export is not rebuilt, a
retried one is rebuilt over the same key). Only transient AWS errors raise, so SQS redelivers the
record and finally dead-letters it; any other failure marks the export `failed`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.exports import ExportBuilder
from chalicelib.sqs_jobs import job_ids, run_batch
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-build-export")


def builder() -> ExportBuilder:
    settings = dependencies.settings()
    return ExportBuilder(settings, dependencies.archive(), DocumentIndex(settings),
                         dependencies.notifications(), dependencies.now, dependencies.webhook_events())


def record_handler(record: SQSRecord) -> None:
    ids = job_ids(record.body, "export_id")
    if ids is None:
        logger.warning("export: unusable message dropped", extra={"body": record.body[:200]})
        return
    (export_id,) = ids
    status = builder().build(export_id)
    logger.info("export built", extra={"export_id": export_id, "status": status})


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return run_batch(event, context, record_handler)

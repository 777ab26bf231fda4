"""SQS import queue → one SPV import job carried on (services/imports.py).

One record = `{"cif": ..., "import_id": ...}`; the job resumes from its saved position, and a
job that nears the time limit queues itself again. Only transient AWS errors raise, so SQS
redelivers the record and finally dead-letters it; anything else marks the job `failed`.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.imports import ImportWorker
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-import-archive")
processor = BatchProcessor(event_type=EventType.SQS)


def worker() -> ImportWorker:
    return ImportWorker(dependencies.archiver(), dependencies.archive(), dependencies.work_queues(),
                        dependencies.now)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    try:
        message = json.loads(record.body)
        cif, import_id = message["cif"], message["import_id"]
    except (ValueError, KeyError, TypeError):
        logger.warning("import: unusable message dropped", extra={"body": record.body[:200]})
        return
    if not all(isinstance(v, str) and 0 < len(v) <= 64 for v in (cif, import_id)):
        logger.warning("import: unusable message dropped")
        return
    outcome = worker().run(cif, import_id, lambda_context.get_remaining_time_in_millis)
    logger.info("import", extra={"import_id": import_id, "outcome": outcome})


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies.settings()
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)

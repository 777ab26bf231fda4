"""SQS import queue → one SPV import job carried on (services/imports.py).

One record = `{"cif": ..., "import_id": ...}`; the job resumes from its saved position, and a
job that nears the time limit queues itself again. Only transient AWS errors raise, so SQS
redelivers the record and finally dead-letters it; anything else marks the job `failed`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services.imports import ImportWorker
from chalicelib.sqs_jobs import job_ids, run_batch
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-import-archive")


def worker() -> ImportWorker:
    return ImportWorker(dependencies.archiver(), dependencies.archive(), dependencies.work_queues(),
                        dependencies.now)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    ids = job_ids(record.body, "cif", "import_id")
    if ids is None:
        logger.warning("import: unusable message dropped", extra={"body": record.body[:200]})
        return
    cif, import_id = ids
    outcome = worker().run(cif, import_id, lambda_context.get_remaining_time_in_millis)
    logger.info("import", extra={"import_id": import_id, "outcome": outcome})


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return run_batch(event, context, record_handler)

"""The integrity check (services/integrity.py), two entry points in one function:

- EventBridge's monthly schedule: one queued run and one integrity message per company with
  documents (the fan-out);
- the SQS integrity queue: one record = `{"cif": ..., "run_id": ...}`, checked until done or
  until the invocation nears its time limit (then the run re-queues itself); or
  `{"fan_out_after": <cif>}`, a fan-out that ran out of time, continued after that company.

Only transient AWS errors raise, so SQS redelivers the record (the run's lease keeps a
duplicate from running beside it).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import dependencies
from chalicelib.services import integrity
from chalicelib.sqs_jobs import MAX_ID_LENGTH, job_ids, run_batch
from chalicelib.tracing import tracer

logger = Logger(service="arhivar-check-integrity")
_invocation: dict[str, LambdaContext | None] = {"context": None}


def _time_left_s() -> float:
    context = _invocation["context"]
    return context.get_remaining_time_in_millis() / 1000 if context is not None else 900.0


def record_handler(record: SQSRecord) -> None:
    ids = job_ids(record.body, "cif", "run_id")
    if ids is not None:
        cif, run_id = ids
        check = integrity.IntegrityCheck(dependencies.settings(), dependencies.archive(),
                                         dependencies.trusted_signers(), dependencies.work_queues(),
                                         dependencies.now, _time_left_s)
        logger.info("integrity checked", extra={"cif": cif, "run_id": run_id, "status": check.run(cif, run_id)})
        return
    after = _fan_out_after(record.body)
    if after is None:
        logger.warning("integrity: unusable message dropped", extra={"body": record.body[:200]})
        return
    queued = integrity.fan_out(dependencies.work_queues(), dependencies.now(), _time_left_s, after=after or None)
    logger.info("integrity runs queued", extra={"queued": queued, "after": after})


def _fan_out_after(body: str) -> str | None:
    """The company a fan-out that ran out of time stopped after ("" when it stopped before the first)."""
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return None
    after = message.get("fan_out_after") if isinstance(message, dict) else None
    return after if isinstance(after, str) and len(after) <= MAX_ID_LENGTH else None


@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, int]:
    dependencies.settings()
    _invocation["context"] = context
    try:
        if "Records" not in event:  # the schedule
            queued = integrity.fan_out(dependencies.work_queues(), dependencies.now(), _time_left_s)
            logger.info("integrity runs queued", extra={"queued": queued, "scheduled_at": event.get("time")})
            return {"queued": queued}
        return run_batch(event, context, record_handler)
    finally:
        _invocation["context"] = None

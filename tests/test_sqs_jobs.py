"""The SQS job workers read the job a record names in one way (chalicelib/sqs_jobs.py): a record
that names no job is dropped, never failed back to SQS (a redelivery would not make it readable)."""

from __future__ import annotations

import json

import pytest

from chalicelib.sqs_jobs import MAX_ID_LENGTH, job_ids
from functions.build_export import handler as export_handler
from functions.check_integrity import handler as integrity_handler
from functions.deliver_s3 import handler as delivery_handler
from functions.import_archive import handler as import_handler
from local.runtime import LocalLambdaContext

UNUSABLE_BODIES = ("not json", json.dumps(["cif", "8123"]), json.dumps("cif"), json.dumps({}),
                   json.dumps({"cif": 8123, "import_id": 5, "run_id": 5, "export_id": 5}),
                   json.dumps({"cif": "", "import_id": "", "run_id": "", "export_id": ""}),
                   json.dumps({"cif": "8" * 65, "import_id": "i" * 65, "run_id": "r" * 65, "export_id": "e" * 65}),
                   "[" * 100_000 + "]" * 100_000)  # nested past the parser's recursion limit


def test_the_named_ids_are_read_in_the_order_asked():
    body = json.dumps({"run_id": "r-1", "cif": "8123", "other": 1})
    assert job_ids(body, "cif", "run_id") == ("8123", "r-1")
    assert job_ids(body, "run_id") == ("r-1",)


def test_an_id_may_be_as_long_as_the_limit_and_no_longer():
    assert job_ids(json.dumps({"export_id": "e" * MAX_ID_LENGTH}), "export_id") == ("e" * MAX_ID_LENGTH,)
    assert job_ids(json.dumps({"export_id": "e" * (MAX_ID_LENGTH + 1)}), "export_id") is None


@pytest.mark.parametrize("body", UNUSABLE_BODIES)
def test_a_body_that_names_no_job_reads_as_none(body):
    assert job_ids(body, "cif", "import_id") is None


def test_one_missing_id_is_enough_to_name_no_job():
    assert job_ids(json.dumps({"cif": "8123"}), "cif", "run_id") is None


def sqs_event(*bodies: str) -> dict:
    return {"Records": [{
        "messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-central-1:000000000000:jobs",
        "awsRegion": "eu-central-1",
    } for i, body in enumerate(bodies)]}


@pytest.mark.parametrize("handler", [export_handler, import_handler, integrity_handler, delivery_handler],
                         ids=["build_export", "import_archive", "check_integrity", "deliver_s3"])
def test_a_job_worker_drops_records_that_name_no_job_without_failing_them(settings, handler):
    answer = handler.lambda_handler(sqs_event(*UNUSABLE_BODIES), LocalLambdaContext("arhivar-jobs", 60))
    assert answer == {"batchItemFailures": []}

"""A DynamoDB throttle is a domain error, mapped once at the storage edge: the API answers
503 `service_busy` with Retry-After (never Chalice's 500), the workers fail the SQS record so it
comes back, and an export is not marked failed by it."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from chalice.test import Client
from pynamodb.connection.base import Connection
from pynamodb.exceptions import VerboseClientError

from app import app
from chalicelib.storage.models import ExportModel
from functions.build_export import handler as export_handler
from local.runtime import LocalLambdaContext

THROTTLES = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
             "InternalServerError")


class Throttle:
    """Make DynamoDB refuse the next `times` calls of these operations, as a throttled table does."""

    def __init__(self, monkeypatch, code: str, operations: set[str], times: int = 1, skip: int = 0) -> None:
        self.code, self.operations, self.left, self.fired, self.skip = code, operations, times, 0, skip
        real = Connection._make_api_call

        def throttled(connection, operation_name, operation_kwargs):
            if operation_name in self.operations and self.skip > 0:
                self.skip -= 1
            elif operation_name in self.operations and self.left > 0:
                self.left -= 1
                self.fired += 1
                raise VerboseClientError({"Error": {"Code": self.code, "Message": "Rate exceeded"}},
                                         operation_name, {"request_id": "test", "table_name": "test"})
            return real(connection, operation_name, operation_kwargs)

        monkeypatch.setattr(Connection, "_make_api_call", throttled)


@pytest.mark.parametrize("code", THROTTLES)
def test_a_throttled_table_answers_503_service_busy_with_retry_after(settings, new_user, monkeypatch, code):
    user = new_user()
    token = user.http.headers["Authorization"]
    with Client(app) as client:
        # GIVEN DynamoDB throttles the next read WHEN the user lists their companies
        throttle = Throttle(monkeypatch, code, {"Query", "GetItem", "BatchGetItem"})
        answer = client.http.get("/api/companies", headers={"Authorization": token})
        # THEN a stable, retryable answer: 503 service_busy with Retry-After, Romanian message
        assert throttle.fired == 1
        assert answer.status_code == 503, answer.body
        error = answer.json_body["error"]
        assert error["code"] == "service_busy" and "încercați din nou" in error["message"].lower()
        assert int(answer.headers["Retry-After"]) > 0
        # AND the same request succeeds once the table answers
        again = client.http.get("/api/companies", headers={"Authorization": token})
        assert again.status_code == 200, again.body


def export_event(export_id: str) -> dict:
    return {"Records": [{
        "messageId": "m-0", "receiptHandle": "r-0", "body": json.dumps({"export_id": export_id}),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-central-1:000000000000:export",
        "awsRegion": "eu-central-1"}]}


def test_a_throttle_in_the_export_worker_retries_the_record_and_does_not_fail_the_export(
        settings, new_user, fresh_cif, proven_company, monkeypatch):
    # GIVEN an export queued by a member of a proven company
    user = new_user()
    cif = fresh_cif()
    proven_company(user, cif)
    started = user.call("POST", f"/companies/{cif}/exports", json={"format": "csv", "filters": {}})
    assert started.status_code == 202, started.text
    export_id = started.json()["export_id"]

    # WHEN DynamoDB throttles the worker once the build has started (its second write)
    throttle = Throttle(monkeypatch, "ProvisionedThroughputExceededException", {"UpdateItem"}, skip=1)
    # THEN the record fails (its batch's only record: the invocation fails, SQS delivers it again)
    with pytest.raises(BatchProcessingError) as failure:
        export_handler.lambda_handler(export_event(export_id), LocalLambdaContext("arhivar-export", 120))
    assert throttle.fired == 1
    assert "ServiceBusy" in str(failure.value)
    # AND the export is not marked failed
    assert ExportModel.get(export_id, consistent_read=True).status != "failed"

    # WHEN SQS delivers it again THEN the export is built
    answer = export_handler.lambda_handler(export_event(export_id), LocalLambdaContext("arhivar-export", 120))
    assert answer["batchItemFailures"] == []
    assert ExportModel.get(export_id, consistent_read=True).status == "ready"

"""The API over HTTP through the local origin, and its OpenAPI description."""

from __future__ import annotations

import dataclasses

import requests
from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.api.requests import openapi_document
from chalicelib.services.health import check_health
from chalicelib.storage.blobs import ArchiveBucket


def test_health_answers_ok_when_dynamodb_and_s3_answer(base_url):
    answer = requests.get(f"{base_url}/api/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "stage": "local", "checks": {"dynamodb": "ok", "s3": "ok"}}


def test_health_reports_a_missing_bucket(settings):
    # GIVEN settings naming a bucket that does not exist THEN S3 is reported unavailable
    broken = ArchiveBucket(dataclasses.replace(settings, archive_bucket="no-such-bucket-arhivar"))
    assert check_health(broken) == {"dynamodb": "ok", "s3": "unavailable"}


def test_an_unknown_api_route_is_a_json_404(base_url):
    answer = requests.get(f"{base_url}/api/no-such-route", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_openapi_description_is_valid_and_served(base_url):
    document = requests.get(f"{base_url}/api/openapi.json", timeout=10).json()
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    assert document["openapi"].startswith("3.1")


def test_the_openapi_description_lists_every_route_the_app_defines(settings):
    with Client(app) as client:
        document = client.http.get("/api/openapi.json").json_body
    defined = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    described = {(path, method) for path, operations in document["paths"].items()
                 for method, operation in operations.items()
                 if method != "parameters" and "x-arhivar-function" not in operation}
    assert defined == described


def test_the_operations_of_their_own_functions_are_routed_to_those_functions():
    # Paths API Gateway sends to another function than the Chalice API (infra/components/viewer.py);
    # the local origin routes them the same way (local/web_server.py).
    from functions.public_viewer.handler import PATH
    from infra.components.viewer import VIEWER_PATH as DEPLOYED_PATH
    from local.web_server import VIEWER_PATH as LOCAL_PATH

    own = {(path, operation["x-arhivar-function"]) for path, operations in openapi_document()["paths"].items()
           for operation in operations.values() if "x-arhivar-function" in operation}
    assert own == {(PATH, "public_viewer")}
    assert PATH == LOCAL_PATH == DEPLOYED_PATH
    assert PATH not in app.routes


def test_the_journal_event_types_are_the_ones_the_openapi_description_lists():
    from chalicelib.domain.audit import EventType
    schema = openapi_document()["components"]["schemas"]["AuditEvent"]["properties"]["event"]
    assert sorted(schema["enum"]) == sorted(event.value for event in EventType)

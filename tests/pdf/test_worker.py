"""functions/render_pdf: SQS record → document item + XML in S3 → PDF in S3 + pdf_status.

Runs against the local stack (moto), as the other storage tests do. The API never loads
WeasyPrint: only this function does.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib import dependencies
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.storage.aws import aws_client
from chalicelib.storage.models import DocumentModel
from chalicelib.storage.queues import WorkQueues
from chalicelib.topology import queue
from local.runtime import LocalLambdaContext, QueuePoller, load_handler
from tests.pdf import factory

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_never_imports_weasyprint():
    code = "import sys; import app; assert 'weasyprint' not in sys.modules, 'weasyprint imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_the_render_queue_is_consumed_by_this_function():
    assert queue("render").consumer == "functions.render_pdf.handler:lambda_handler"


@pytest.fixture
def handler(settings):
    from functions.render_pdf import handler as module

    return module


def archived_document(xml: bytes | None, *, signature_status: str = "valid") -> DocumentModel:
    cif = "14399840"
    message_id = str(uuid.uuid4().int)[:10]
    created = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)
    document = DocumentModel(
        cif=cif, sk=f"created#202611301015#{message_id}", message_id=message_id,
        upload_index=f"50{message_id[:8]}", kind="received", created_at=created,
        signature_status=signature_status, pdf_status="pending")
    if xml is not None:
        key = f"documents/{cif}/{message_id}/invoice.xml"
        dependencies.archive().put(key, xml, "application/xml")
        document.xml_key = key
    document.save()
    return document


def sqs_event(*bodies: object) -> dict:
    return {"Records": [{
        "messageId": f"m-{i}", "receiptHandle": f"r-{i}",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-central-1:000000000000:render",
        "awsRegion": "eu-central-1",
    } for i, body in enumerate(bodies)]}


def body_of(document: DocumentModel) -> dict:
    return {"cif": document.cif, "sk": document.sk, "message_id": document.message_id}


def invoke(handler, event: dict) -> dict:
    return handler.lambda_handler(event, LocalLambdaContext("arhivar-render", 120))


def pdf_text(key: str) -> str:
    pdf = dependencies.archive().get(key)
    assert pdf.startswith(b"%PDF-")
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_a_record_renders_the_pdf_into_the_archive_and_marks_the_document_ready(handler):
    document = archived_document(factory.xml(3))

    assert invoke(handler, sqs_event(body_of(document))) == {"batchItemFailures": []}

    document.refresh()
    assert document.pdf_status == "ready"
    assert document.pdf_key == f"documents/{document.cif}/{document.message_id}/invoice.pdf"
    assert document.pdf_error is None
    assert document.pdf_rendered_at is not None
    text = pdf_text(document.pdf_key)
    assert "Nr. ARH-1003" in text
    assert f"Index încărcare ANAF: {document.upload_index}" in text
    assert f"ID descărcare: {document.message_id}" in text
    assert "Semnătura MF: validă" in text


def test_rendering_again_overwrites_the_same_pdf(handler):
    document = archived_document(factory.xml(1), signature_status="unknown")
    invoke(handler, sqs_event(body_of(document)))
    document.refresh()
    first_at = document.pdf_rendered_at
    DocumentModel(cif=document.cif, sk=document.sk).update(
        actions=[DocumentModel.signature_status.set("invalid")])

    assert invoke(handler, sqs_event(body_of(document))) == {"batchItemFailures": []}

    document.refresh()
    assert document.pdf_status == "ready" and document.pdf_rendered_at > first_at
    assert "Semnătura MF: INVALIDĂ" in pdf_text(document.pdf_key)


def test_an_unreadable_invoice_is_a_failed_document_with_its_reason_not_a_retry(handler):
    broken = archived_document(b"<Invoice><unclosed></Invoice>")
    no_xml = archived_document(None)

    assert invoke(handler, sqs_event(body_of(broken), body_of(no_xml))) == {"batchItemFailures": []}

    broken.refresh()
    no_xml.refresh()
    assert broken.pdf_status == "failed" and broken.pdf_error.startswith("parse_malformed")
    assert broken.pdf_key is None
    assert no_xml.pdf_status == "failed" and no_xml.pdf_error.startswith("no_xml")


def test_a_recorded_xml_missing_from_the_archive_is_a_failed_document_not_a_retry(handler):
    # GIVEN a document whose extracted XML was recorded but is not in the bucket
    document = archived_document(None)
    document.update(actions=[DocumentModel.xml_key.set(f"documents/{document.cif}/{document.message_id}/invoice.xml")])

    # WHEN the render worker takes it THEN the record is done (no redelivery) and the document
    # says why it has no PDF
    assert invoke(handler, sqs_event(body_of(document))) == {"batchItemFailures": []}
    document.refresh()
    assert document.pdf_status == "failed" and document.pdf_error.startswith("xml_missing")


def test_unusable_messages_are_dropped_and_storage_outages_are_retried(handler, monkeypatch):
    document = archived_document(factory.xml(1))
    missing = {"cif": "14399840", "sk": "created#209901010000#0", "message_id": "0"}
    assert invoke(handler, sqs_event("not json", {"n": 1}, missing)) == {"batchItemFailures": []}

    healthy = archived_document(factory.xml(1))
    real_archive = dependencies.archive()

    class HalfDown:  # S3 does not answer for one of the two documents
        def get(self, key):
            if key == document.xml_key:
                raise ServiceUnavailable(details={"service": "s3"})
            return real_archive.get(key)

        get_if_present = get

        def put(self, *args, **kwargs):
            return real_archive.put(*args, **kwargs)

    monkeypatch.setattr(dependencies, "archive", HalfDown)
    answer = invoke(handler, sqs_event(body_of(document), body_of(healthy)))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    document.refresh()
    healthy.refresh()
    assert document.pdf_status == "pending"  # SQS delivers it again later
    assert healthy.pdf_status == "ready"


def test_the_local_runtime_feeds_the_render_queue_to_the_function(settings):
    """The poller `make run` uses, with the consumer named in the topology."""
    document = archived_document(factory.xml(2))
    spec = queue("render")
    poller = QueuePoller(settings, spec, load_handler(spec.consumer), wait_time_s=1)
    aws_client(settings, "sqs").purge_queue(QueueUrl=poller.queue_url)
    WorkQueues(settings).send("render", body_of(document))

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and poller.poll_once().received == 0:
        pass

    document.refresh()
    assert document.pdf_status == "ready", document.pdf_error
    assert "Nr. ARH-1002" in pdf_text(document.pdf_key)

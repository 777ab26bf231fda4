"""The S3, SQS, SES and KMS adapters against moto's server."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.storage.aws import aws_client
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.crypto import TokenCipher, read_secret
from chalicelib.storage.mail import Mailer
from chalicelib.storage.queues import WorkQueues
from local.mailbox import sent_mail


def test_the_archive_stores_bytes_and_serves_them_under_a_readable_name(settings):
    bucket = ArchiveBucket(settings)
    key = f"originals/8486152/2026/11/{uuid.uuid4().hex}.zip"
    data = b"PK\x03\x04 original bytes \xff"
    assert bucket.put(key, data, "application/zip") == hashlib.sha256(data).hexdigest()
    assert bucket.get(key) == data
    url = bucket.download_url(key, "2026-07-03_FCT-1001_ȘTEFAN SRL.zip")
    answer = requests.get(url, timeout=10)
    assert answer.content == data
    assert "filename*=UTF-8''2026-07-03_FCT-1001_%C8%98TEFAN%20SRL.zip" in answer.headers["Content-Disposition"]


def test_work_queues_send_in_batches(settings):
    # A queue of its own: the product's queues are shared with other tests.
    name = f"adapters-{uuid.uuid4().hex[:8]}"
    sqs = aws_client(settings, "sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queues = WorkQueues(dataclasses.replace(settings, render_queue=name))
    assert queues.url("render") == url
    assert queues.send_many("render", ({"n": i} for i in range(23))) == 23
    received = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        received += [json.loads(m["Body"])["n"] for m in batch]
    assert sorted(received) == list(range(23))


def test_mail_goes_out_as_utf8_mime_with_custom_headers(settings):
    subject = f"Facturi noi în arhivă — {uuid.uuid4().hex[:6]}"
    Mailer(settings).send(to="contabil@exemplu.ro", subject=subject, text="Bună ziua, ați primit 2 facturi.",
                          html="<p>Bună ziua, ați primit <b>2</b> facturi.</p>",
                          headers={"List-Unsubscribe": "<https://arhivar.ro/dezabonare/x>"})
    mail = next(m for m in sent_mail() if m.subject == subject)
    assert mail.to == "contabil@exemplu.ro"
    assert mail.text.strip() == "Bună ziua, ați primit 2 facturi."
    assert "<b>2</b>" in mail.html
    assert mail.headers["List-Unsubscribe"] == "<https://arhivar.ro/dezabonare/x>"


def test_tokens_are_encrypted_and_bound_to_their_credential(settings):
    cipher = TokenCipher(settings)
    ciphertext = cipher.encrypt("eyJ-secret-token", {"credential_id": "c-1"})
    assert b"eyJ-secret-token" not in ciphertext
    assert cipher.decrypt(ciphertext, {"credential_id": "c-1"}) == "eyJ-secret-token"
    with pytest.raises(ClientError):
        cipher.decrypt(ciphertext, {"credential_id": "c-2"})


def test_the_anaf_client_secret_is_read_from_secrets_manager(settings):
    assert read_secret(settings, settings.anaf_client_secret_name) == "arhivar-local-sandbox-secret"


def test_an_unreachable_aws_becomes_service_unavailable(settings):
    # GIVEN an endpoint where nothing listens WHEN the archive is used THEN a retryable domain error
    nowhere = dataclasses.replace(settings, aws_endpoint_url="http://127.0.0.1:9", archive_bucket="x")
    with pytest.raises(ServiceUnavailable):
        ArchiveBucket(nowhere).get("any")

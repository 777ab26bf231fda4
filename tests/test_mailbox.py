"""The local mailbox reads SES's sent messages from the local moto server's own endpoint
(local/moto_server.py), never moto's whole-state dump."""

from __future__ import annotations

import uuid

import requests

from chalicelib.storage.aws import aws_client
from chalicelib.storage.mail import Mailer
from local import mailbox
from local.mailbox import sent_mail


def test_sent_mail_lists_raw_and_simple_messages_newest_first(settings):
    # GIVEN a raw MIME e-mail from the product, then a simple SES e-mail
    tag = uuid.uuid4().hex[:8]
    Mailer(settings).send(to=f"raw-{tag}@exemplu.ro", subject=f"Brut {tag} — ă", text=f"text {tag}",
                          html=f"<p>html {tag}</p>", headers={"X-Arhivar-Test": tag})
    aws_client(settings, "ses").send_email(
        Source=settings.ses_sender, Destination={"ToAddresses": [f"simple-{tag}@exemplu.ro"]},
        Message={"Subject": {"Data": f"Simplu {tag}"}, "Body": {"Text": {"Data": f"corp {tag}"}}})
    # WHEN the mailbox is read
    mine = [m for m in sent_mail() if tag in m.subject]
    # THEN both are there, newest first, with what was sent
    assert [m.subject for m in mine] == [f"Simplu {tag}", f"Brut {tag} — ă"]
    simple, raw = mine
    assert (simple.to, simple.text, simple.html) == (f"simple-{tag}@exemplu.ro", f"corp {tag}", None)
    assert raw.to == f"raw-{tag}@exemplu.ro" and raw.text.strip() == f"text {tag}"
    assert raw.html.strip() == f"<p>html {tag}</p>" and raw.headers["X-Arhivar-Test"] == tag
    assert simple.message is None and raw.message is not None and list(raw.message.iter_attachments()) == []


def test_the_sent_mail_endpoint_answers_only_mail(settings):
    # WHEN the endpoint the mailbox reads is asked
    answer = requests.get(f"{settings.aws_endpoint_url}{mailbox.SENT_MAIL_PATH}", timeout=30)
    # THEN it is JSON holding SES's messages and nothing else of moto's state
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == {"messages"}
    assert all(m["kind"] in {"raw", "simple"} and m["source"] for m in body["messages"])
    # AND it only reads
    refused = requests.post(f"{settings.aws_endpoint_url}{mailbox.SENT_MAIL_PATH}", timeout=30)
    assert refused.status_code == 405


def test_moto_itself_still_answers_through_the_local_server(settings):
    # GIVEN the wrapped server WHEN an ordinary AWS call is made THEN moto answers it
    assert settings.archive_bucket in {b["Name"] for b in aws_client(settings, "s3").list_buckets()["Buckets"]}

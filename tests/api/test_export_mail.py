"""The export-ready e-mail is a notification like the others: suppression list, preferences,
unsubscribe link, and a send record so a retried export job e-mails once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib import dependencies
from chalicelib.services import exports
from chalicelib.services.notifications import suppress
from chalicelib.storage.models import ExportModel
from chalicelib.topology import queue
from functions.build_export import handler as export_handler
from local.mailbox import sent_mail
from local.runtime import QueuePoller
from tests.api.importing import downloaded_by_hand, import_zip


def export_mails(email: str) -> list:
    return [m for m in sent_mail() if m.to == email and m.subject.startswith("Exportul")]


@pytest.fixture
def company_with_an_invoice(local_stack, new_user, fresh_cif, proven_company):
    """An owner of a proven company holding one imported invoice."""
    user = new_user()
    cif = fresh_cif()
    proven_company(user, cif)
    [content] = downloaded_by_hand(local_stack.ports.sandbox_url, cif, 1).values()
    job = import_zip(user, cif, content)
    assert job["counts"]["archived"] == 1, job
    return user, cif


def export_and_build(user, cif: str, settings) -> str:
    started = user.call("POST", f"/companies/{cif}/exports", json={"format": "csv", "filters": {}})
    assert started.status_code == 202, started.text
    export_id = started.json()["export_id"]
    drain_exports(settings)
    assert ExportModel.get(export_id, consistent_read=True).status == "ready"
    return export_id


def drain_exports(settings) -> None:
    poller = QueuePoller(settings, queue("export"), export_handler.lambda_handler, wait_time_s=0)
    while poller.poll_once().received:
        pass


@pytest.fixture
def every_export_is_large(monkeypatch):
    monkeypatch.setattr(exports, "LARGE_EXPORT", 0)


def test_the_export_mail_has_an_unsubscribe_link_and_a_retried_job_sends_it_once(
        company_with_an_invoice, settings, every_export_is_large):
    user, cif = company_with_an_invoice
    # WHEN the owner's export is built
    export_id = export_and_build(user, cif, settings)
    # THEN one e-mail went out, with the one-click unsubscribe link (text and headers)
    [mail] = export_mails(user.email)
    assert f"export={export_id}" in mail.text
    assert "/api/unsubscribe?token=" in mail.text
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # WHEN the job is retried from the start (redelivered before its "ready" was recorded)
    ExportModel(export_id=export_id).update(actions=[ExportModel.status.set("queued")])
    dependencies.work_queues().send("export", {"export_id": export_id})
    drain_exports(settings)
    # THEN the export is rebuilt but no second e-mail is sent
    assert ExportModel.get(export_id, consistent_read=True).status == "ready"
    assert len(export_mails(user.email)) == 1


def test_a_suppressed_address_gets_no_export_mail(company_with_an_invoice, settings, every_export_is_large):
    user, cif = company_with_an_invoice
    # GIVEN the owner's address bounced permanently
    suppress(user.email, "bounce", datetime.now(UTC))
    # WHEN their export is built THEN it is ready, and nothing is written to that address
    export_and_build(user, cif, settings)
    assert export_mails(user.email) == []


def test_an_owner_who_turned_export_mails_off_gets_none(company_with_an_invoice, settings, every_export_is_large):
    user, cif = company_with_an_invoice
    # GIVEN the owner turned the "exports" category off for this company
    answer = user.call("PUT", "/account/notifications",
                       json={"companies": {cif: {"exports": False}}})
    assert answer.status_code == 200, answer.text
    # WHEN their export is built THEN no e-mail is sent
    export_and_build(user, cif, settings)
    assert export_mails(user.email) == []

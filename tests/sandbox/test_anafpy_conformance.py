"""A third-party client (anafpy 0.13.3, from PyPI) lists, downloads and reads through the sandbox.

anafpy lets an ``httpx2.AsyncClient`` with its own ``base_url`` be injected, so pointing it at
the sandbox is configuration only. Its OAuth URLs are module constants (logincert.anaf.ro), so
tokens come from the sandbox's own OAuth dance and are handed to anafpy's in-memory store.
The sandbox runs on the real clock here: anafpy computes windows and token expiry from it.
"""

from __future__ import annotations

import asyncio
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.testing import running_sandbox

anafpy = pytest.importorskip("anafpy")
httpx2 = pytest.importorskip("httpx2")

from anafpy.auth import AnafAuth, TokenProvider  # noqa: E402
from anafpy.auth.models import TokenSet  # noqa: E402
from anafpy.auth.store import MemoryTokenStore  # noqa: E402
from anafpy.efactura import EFacturaClient  # noqa: E402


def _client(sb, tokens) -> EFacturaClient:
    provider = TokenProvider(client_id=sb.client_id, client_secret=sb.client_secret,
                             store=MemoryTokenStore(TokenSet.from_token_response(tokens)))
    http = httpx2.AsyncClient(base_url=sb.api_url, auth=AnafAuth(provider), timeout=30)
    return EFacturaClient(provider, http=http)


def test_anafpy_lists_downloads_and_reads_through_the_sandbox():
    with running_sandbox(SandboxConfig(seed=3)) as sb:
        world = sb.world()
        accountant = max(world["certificates"], key=lambda c: len(c["cifs"]))
        cif = world["companies"][0]["cif"]
        truth = {m["id"]: m for m in sb.messages(cif, sha256=0)["messages"] if m["listable"]}
        tokens = sb.tokens_for(accountant["serial"])

        async def run():
            async with _client(sb, tokens) as client:
                items = [m async for m in client.list_messages(cif=cif, days=60)]
                invoices = [i for i in items if i.message_type in ("FACTURA PRIMITA", "FACTURA TRIMISA")][:5]
                downloaded = [(i, await client.download(i.id)) for i in invoices]
                # stareMesaj answers the uploader only: ask about an invoice this company sent
                sent = next(i for i in items if i.message_type == "FACTURA TRIMISA")
                status = await client.get_status(sent.request_id)
                return items, downloaded, status

        # Its own thread: the browser tests' Playwright may already run an event loop here.
        with ThreadPoolExecutor(max_workers=1) as pool:
            items, downloaded, status = pool.submit(asyncio.run, run()).result()

    # THEN anafpy saw exactly the sandbox's messages, with the CIFs parsed from `detalii`
    assert {i.id for i in items} == set(truth)
    assert all(i.sender_cif and i.receiver_cif for i in items if i.message_type.startswith("FACTURA"))
    # AND every download is a ZIP anafpy splits and whose invoice its CIUS-RO reader accepts
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # anafpy warns when its reader cannot represent a file
        for _item, message in downloaded:
            assert message.content_xml and message.signature_xml
            assert message.document is not None
            assert message.view is not None, message.view_error
    assert status.state.name == "OK" or str(status.state) in ("ok", "MessageState.OK")
    assert status.download_id


def test_every_seeded_invoice_passes_anafpys_cius_ro_reader_and_rules():
    # anafpy vendors CIUS-RO code lists and the EN 16931/BR-RO rule set: a second, independent
    # judge of the sandbox's invoices besides the UBL XSD.
    from anafpy.efactura import authoring
    from anafpy.efactura.models import DownloadedMessage

    from local.anaf_sandbox.messages import render_upload
    from local.anaf_sandbox.state import Sandbox

    sandbox = Sandbox(SandboxConfig(seed=1))
    problems = []
    for upload in sandbox.store._uploads.values():
        if upload.kind not in ("invoice", "credit_note"):
            continue
        message = DownloadedMessage(raw_zip=b"", content_xml=render_upload(1, upload, sandbox.world.company),
                                    signature_xml=b"")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            view = message.view
        if view is None:
            problems.append((upload.index, str(message.view_error)[:200]))
        elif (findings := authoring.validate(view).findings):
            problems.append((upload.index, [f.rule for f in findings]))
    assert problems == []

"""The webhook rules that need no stack: which URLs and addresses are acceptable, the stable
event ids, the retry schedule, and the transport's refusals before it connects anywhere."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.webhooks import (
    DISABLE_AFTER,
    GIVE_UP_AFTER,
    InvalidWebhookUrl,
    address_allowed,
    check_url,
    event_id,
    gives_up,
    retry_delay,
    wants,
)
from chalicelib.settings import SettingsError, load_settings
from chalicelib.webhooks.transport import WebhookTransport
from local.environment import LocalPorts, local_environment


@pytest.mark.parametrize("url", ["http://receptor.exemplu.ro/x", "http://127.0.0.1:8080/x", "https://localhost/x",
                                 "https://10.1.2.3/", "https://[fd00:ec2::254]/", "https://100.64.0.1/"])
def test_outside_the_local_stage_only_public_https_is_accepted(url):
    with pytest.raises(InvalidWebhookUrl):
        check_url(url, allow_local=False)


def test_the_local_stage_accepts_loopback_receivers_over_http():
    assert check_url("http://127.0.0.1:8080/x", allow_local=True) == "http://127.0.0.1:8080/x"
    assert check_url(" https://erp.exemplu.ro/hook?a=1 ", allow_local=False) == "https://erp.exemplu.ro/hook?a=1"
    with pytest.raises(InvalidWebhookUrl):  # private networks stay out, even locally
        check_url("http://192.168.1.10/x", allow_local=True)


@pytest.mark.parametrize("address", ["10.0.0.1", "172.16.5.5", "192.168.0.1", "169.254.169.254", "100.100.100.200",
                                     "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fd00:ec2::254", "::ffff:10.0.0.1",
                                     "127.0.0.1",
                                     # IPv4 inside IPv6: NAT64 (a VPC's NAT gateway translates it), 6to4
                                     "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1", "64:ff9b:1::a00:1", "2002:a00:1::"])
def test_private_link_local_metadata_and_loopback_addresses_are_refused(address):
    assert not address_allowed(ipaddress.ip_address(address), allow_loopback=False)


def test_public_addresses_and_local_loopback_are_allowed():
    assert address_allowed(ipaddress.ip_address("93.184.216.34"), allow_loopback=False)
    assert address_allowed(ipaddress.ip_address("2606:4700::1111"), allow_loopback=False)
    assert address_allowed(ipaddress.ip_address("64:ff9b::5db8:d822"), allow_loopback=False)  # NAT64 of a public one
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)


def test_event_ids_depend_only_on_what_happened():
    first = event_id("document.archived", "123#5001#received")
    assert first == event_id("document.archived", "123#5001#received")
    assert first != event_id("document.archived", "123#5001#sent")
    assert first != event_id("export.ready", "123#5001#received")
    assert first.startswith("msg_") and len(first) == 36


def test_kinds_filter_only_archived_documents():
    assert wants({"document.archived"}, {"received"}, "document.archived", "received")
    assert not wants({"document.archived"}, {"received"}, "document.archived", "sent")
    assert wants({"document.archived"}, set(), "document.archived", "error")  # no filter: every kind
    assert not wants({"document.archived"}, None, "sync.failed", None)
    assert wants(set(), None, "webhook.test", None)  # the test event goes wherever it is asked


def test_the_back_off_grows_and_retries_for_more_than_a_day():
    delays = [retry_delay(n) for n in range(1, 20)]
    assert delays[0] == timedelta(seconds=30) and delays == sorted(delays)
    assert max(delays) == timedelta(hours=8)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    at, attempts = start, 1
    while not gives_up(start, at):
        at += retry_delay(attempts)
        attempts += 1
    assert at - start >= GIVE_UP_AFTER and attempts <= 12
    assert timedelta(hours=24) == DISABLE_AFTER


def test_each_wait_is_spread_within_a_fifth_of_the_schedule():
    # Deliveries that failed together (an endpoint down) come back spread, not at one second.
    for attempts in (1, 3, 9):
        scheduled = retry_delay(attempts)
        earliest, latest = retry_delay(attempts, 0.0), retry_delay(attempts, 0.999)
        assert earliest == scheduled * 0.8 and scheduled * 1.19 < latest < scheduled * 1.2
    assert retry_delay(1, 0.25) != retry_delay(1, 0.75)


def test_a_name_resolving_to_any_private_address_is_refused_before_connecting():
    def resolver(host: str, port: int) -> list[str]:
        return {"mixed.exemplu.ro": ["93.184.216.34", "10.0.0.5"],
                "metadata.exemplu.ro": ["169.254.169.254"]}[host]

    transport = WebhookTransport(allow_loopback=False, resolver=resolver)
    for host in ("mixed.exemplu.ro", "metadata.exemplu.ro"):
        answer = transport.post(f"https://{host}/hook", b"{}", {})
        assert answer.status is None and answer.error is not None and answer.error.startswith("refuzat")


def test_only_the_local_stage_may_allow_local_receivers():
    environ = local_environment(LocalPorts(web=1, sandbox=2, moto=3))
    assert load_settings(environ).webhooks_allow_local is True
    with pytest.raises(SettingsError, match="ARHIVAR_WEBHOOKS_ALLOW_LOCAL=true is for the local stage"):
        load_settings({**environ, "ARHIVAR_STAGE": "dev"})
    assert load_settings({k: v for k, v in environ.items() if k != "ARHIVAR_WEBHOOKS_ALLOW_LOCAL"}
                         ).webhooks_allow_local is False


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off():
    # a server that trickles its status line, each byte well within the read time-out
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = server.accept()
        with connection:
            for byte in b"HTTP/1.1 200 OK\r\n" * 20:
                if stop.wait(0.2):
                    return
                with contextlib.suppress(OSError):
                    connection.send(bytes([byte]))

    threading.Thread(target=trickle, daemon=True).start()
    transport = WebhookTransport(allow_loopback=True, read_timeout_s=5.0, total_timeout_s=1.0)
    try:
        answer = transport.post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {})
    finally:
        stop.set()
        server.close()
    assert answer.status is None and answer.error == "timp de răspuns depășit"

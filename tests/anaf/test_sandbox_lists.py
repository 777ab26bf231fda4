"""Listing messages against the sandbox: complete windows, pagination, empties, quotas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.anaf import errors
from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.models import MessageFilter, MessageKind
from chalicelib.anaf.timezones import parse_anaf_timestamp


def listable(sb, cif: str) -> dict[str, dict]:
    answer = sb.messages(cif, sha256=0, limit=100000)
    return {m["id"]: m for m in answer["messages"] if m["listable"]}


def sync_window(clock) -> tuple[datetime, datetime]:
    """The widest window ANAF accepts, as the sync asks for it (10 minutes inside the 60 days)."""
    now = clock.now()
    return now - timedelta(days=60) + timedelta(minutes=10), now - timedelta(seconds=30)


def test_window_listing_is_complete_and_typed(sb, efactura, accountant, clock):
    cif = accountant["cifs"][0]
    expected = listable(sb, cif)
    start, end = sync_window(clock)
    # WHEN we list the whole 60-day window (one page: fewer than 500 messages)
    page = efactura.list_messages_page(cif, start, end)
    # THEN we get every message the sandbox holds for the CIF (but the last 30 s), once each
    assert page.total_pages == 1
    got = {m.id: m for m in page.messages}
    assert len(got) == len(page.messages)
    recent = {i for i, m in expected.items() if m["created_ms"] > end.timestamp() * 1000}
    assert set(got) == set(expected) - recent
    assert page.holder_cifs == tuple(accountant["cifs"])
    assert page.serial == accountant["serial"]
    for message in got.values():
        raw = expected[message.id]
        assert message.created_at == parse_anaf_timestamp(raw["data_creare"])
        assert message.kind is MessageKind.from_tip(raw["tip"])
        assert message.kind is not MessageKind.UNKNOWN
        assert message.upload_index == raw["id_solicitare"] and message.cif == cif


def test_many_messages_come_in_pages_of_500(sb, efactura, accountant, world, clock):
    # GIVEN more than one page (500) of messages for a company
    cif = accountant["cifs"][1]
    partner = world["partners"][0]["cif"]
    sb.add_invoices(kind="invoice", seller_cif=partner, buyer_cif=cif, count=520, lines=1)
    sb.advance_clock(60)
    clock.sync()
    expected = listable(sb, cif)
    assert len(expected) > 500
    # WHEN we ask for page 1, then page 2, of one fixed window
    start, end = sync_window(clock)
    first = efactura.list_messages_page(cif, start, end, 1)
    second = efactura.list_messages_page(cif, start, end, 2)
    # THEN the answer says two pages, and together they hold every message once
    assert (first.total_pages, first.total_records) == (2, len(expected))
    assert len(first.messages) == 500
    ids = [m.id for m in first.messages + second.messages]
    assert len(ids) == len(set(ids)) and set(ids) == set(expected)


def test_simple_list_refuses_more_than_500(sb, efactura, accountant, world):
    cif = accountant["cifs"][1]
    sb.add_invoices(kind="invoice", seller_cif=world["partners"][0]["cif"], buyer_cif=cif,
                    count=520, lines=1)
    with pytest.raises(errors.AnafListTooLarge) as caught:
        efactura.list_messages(cif, 60)
    assert caught.value.code == "anaf_list_too_large"


def test_filter_narrows_to_one_kind(sb, efactura, accountant, clock):
    page = efactura.list_messages_page(accountant["cifs"][0], *sync_window(clock), filter=MessageFilter.SENT)
    assert page.messages and {m.kind for m in page.messages} == {MessageKind.SENT}


def test_no_messages_is_empty_not_an_error(sb, efactura, accountant, clock):
    # GIVEN a one-minute window without messages
    now = clock.now()
    page = efactura.list_messages_page(accountant["cifs"][0], now - timedelta(minutes=2),
                                       now - timedelta(minutes=1))
    assert page.messages == () and page.total_pages == 0


def test_simple_list_without_messages_is_empty(sb, efactura, administrator, clock):
    # move the clock a month ahead: the last day holds no seeded message
    sb.advance_clock(30 * 86400)
    clock.sync()
    listing = efactura.list_messages(administrator["cifs"][0], 1)
    assert listing.messages == ()


def test_unclamped_page_request_older_than_sixty_days_is_invalid(sb, efactura, accountant, clock):
    with pytest.raises(errors.AnafInvalidRequest) as caught:
        efactura.list_messages_page(accountant["cifs"][0], clock.now() - timedelta(days=61),
                                    clock.now() - timedelta(minutes=1))
    assert "60 de zile" in caught.value.message


def test_no_rights_on_that_cif(sb, accountant, world, settings_for_sandbox, http, clock):
    administrator = next(c for c in world["certificates"] if c["cifs"] and
                         set(c["cifs"]) < set(accountant["cifs"]))
    other = next(cif for cif in accountant["cifs"] if cif not in administrator["cifs"])
    client = EFacturaClient.from_settings(settings_for_sandbox, http,
                                          sb.tokens_for(administrator["serial"])["access_token"])
    with pytest.raises(errors.AnafNoSpvRights) as caught:
        client.list_messages_page(other, *sync_window(clock))
    assert caught.value.cif == other and caught.value.code == "anaf_no_spv_rights"


def test_no_rights_at_all(sb, no_rights, accountant, settings_for_sandbox, http):
    client = EFacturaClient.from_settings(settings_for_sandbox, http,
                                          sb.tokens_for(no_rights["serial"])["access_token"])
    with pytest.raises(errors.AnafNoSpvRights) as caught:
        client.list_messages(accountant["cifs"][0], 10)
    assert caught.value.cif is None


@pytest.mark.parametrize(("kind", "call"), [
    ("paginatie", lambda c, cif, window: c.list_messages_page(cif, *window)),
    ("lista", lambda c, cif, window: c.list_messages(cif, 10)),
])
def test_daily_list_quota(sb, efactura, accountant, clock, kind, call):
    cif = accountant["cifs"][0]
    sb.set_limit(kind, cif, exhaust=True)
    with pytest.raises(errors.AnafDailyLimitReached) as caught:
        call(efactura, cif, sync_window(clock))
    # 10:00 Bucharest on 15 July -> retry at midnight, 14 hours later
    assert caught.value.retry_at == datetime(2026, 7, 15, 21, 0, tzinfo=UTC)
    assert caught.value.retry_after == pytest.approx(
        (caught.value.retry_at - clock.now()).total_seconds(), abs=5)
    assert clock.sleeps == []   # a business error is never retried


def test_rate_limit_is_retried_then_reported(sb, efactura, accountant, clock):
    sb.set_limit("minute", sb.client_id, used=1000)
    with pytest.raises(errors.AnafRateLimited) as caught:
        efactura.list_messages(accountant["cifs"][0], 10)
    assert caught.value.code == "anaf_rate_limited"
    assert len(clock.sleeps) == 2     # 3 attempts


def test_invalid_access_token(sb, settings_for_sandbox, http, accountant, clock):
    client = EFacturaClient.from_settings(settings_for_sandbox, http, "not-a-token")
    with pytest.raises(errors.AnafTokenRejected):
        client.list_messages_page(accountant["cifs"][0], *sync_window(clock))


def test_expired_access_token(sb, efactura, accountant, clock):
    sb.advance_clock(91 * 86400)
    clock.sync()
    with pytest.raises(errors.AnafTokenRejected):
        efactura.list_messages(accountant["cifs"][0], 1)

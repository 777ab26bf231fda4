"""Parsing ANAF's Romania-local timestamps into real instants, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.anaf.timezones import (
    BUCHAREST,
    next_bucharest_midnight,
    parse_anaf_timestamp,
    to_epoch_millis,
)


def test_summer_time_is_utc_plus_three():
    # GIVEN a July timestamp WHEN parsed THEN it is 3 hours ahead of UTC
    parsed = parse_anaf_timestamp("202607151415")
    assert parsed.astimezone(UTC) == datetime(2026, 7, 15, 11, 15, tzinfo=UTC)
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(hours=3)


def test_winter_time_is_utc_plus_two():
    parsed = parse_anaf_timestamp("202601051415")
    assert parsed.astimezone(UTC) == datetime(2026, 1, 5, 12, 15, tzinfo=UTC)


def test_autumn_repeated_hour_takes_the_first_occurrence():
    # GIVEN 03:30 on 25 Oct 2026, which happens twice (EEST then EET)
    parsed = parse_anaf_timestamp("202610250330")
    # THEN we read it as the first one (summer time, UTC+3)
    assert parsed.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_spring_missing_hour_still_gives_a_real_instant():
    # GIVEN 03:30 on 29 Mar 2026, a time that does not exist in Bucharest
    parsed = parse_anaf_timestamp("202603290330")
    # THEN it is normalised to an existing local time (04:30 EEST = 01:30 UTC)
    assert parsed.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert (parsed.hour, parsed.minute) == (4, 30)


def test_order_is_kept_across_the_autumn_change():
    before = parse_anaf_timestamp("202610250259")
    after = parse_anaf_timestamp("202610250401")
    assert before < after


@pytest.mark.parametrize("bad", ["", "2026071514", "20260715141500", "2026-07-15", "20261315 1415",
                                 "202613151415"])
def test_malformed_timestamps_are_refused(bad):
    with pytest.raises(ValueError, match="not an ANAF timestamp"):
        parse_anaf_timestamp(bad)


def test_epoch_millis_refuses_naive_datetimes():
    assert to_epoch_millis(datetime(2022, 2, 28, 8, 36, 14, tzinfo=UTC)) == 1646037374000
    with pytest.raises(ValueError, match="naive datetime"):
        to_epoch_millis(datetime(2022, 2, 28, 8, 36, 14))  # noqa: DTZ001 - the naive value under test


@pytest.mark.parametrize(("utc_moment", "expected_utc"), [
    # 23:30 UTC on 14 July is already 02:30 on 15 July in Bucharest -> reset at 16 July 00:00
    (datetime(2026, 7, 14, 23, 30, tzinfo=UTC), datetime(2026, 7, 15, 21, 0, tzinfo=UTC)),
    (datetime(2026, 1, 5, 10, 0, tzinfo=UTC), datetime(2026, 1, 5, 22, 0, tzinfo=UTC)),
    # the night of the autumn change: midnight of 26 Oct is already winter time (UTC+2)
    (datetime(2026, 10, 25, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 22, 0, tzinfo=UTC)),
    # the day of the spring change: midnight of 30 Mar is summer time (UTC+3)
    (datetime(2026, 3, 29, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 21, 0, tzinfo=UTC)),
])
def test_next_midnight_is_romanian_midnight(utc_moment, expected_utc):
    result = next_bucharest_midnight(utc_moment)
    assert result == expected_utc
    local = result.astimezone(BUCHAREST)
    assert (local.hour, local.minute) == (0, 0)

"""Romanian formats and labels, without WeasyPrint in the way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.invoices.pdf.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_percent,
    format_price,
    format_quantity,
)
from chalicelib.invoices.pdf.labels import county_name, signature_text, unit_name


@pytest.mark.parametrize(("value", "expected"), [
    ("0", "0,00"), ("1234.56", "1.234,56"), ("1234.565", "1.234,57"), ("-1234.5", "-1.234,50"),
    ("41340576.71", "41.340.576,71"), ("999.999", "1.000,00"), ("-0.001", "0,00"),
    ("123456789012345678901234.99", "123.456.789.012.345.678.901.234,99"),
])
def test_money_uses_dot_thousands_and_comma_decimals(value, expected):
    assert format_money(Decimal(value)) == expected


def test_prices_quantities_and_percents_keep_meaningful_decimals():
    assert format_price(Decimal("7.6453")) == "7,6453"
    assert format_price(Decimal(400)) == "400,00"
    assert format_quantity(Decimal("622078.28")) == "622.078,28"
    assert format_quantity(Decimal("25.000")) == "25"
    assert format_quantity(Decimal(-3)) == "-3"
    assert format_percent(Decimal("19.00")) == "19%"
    assert format_percent(Decimal("9.5")) == "9,5%"


def test_dates_are_dd_mm_yyyy_and_moments_are_bucharest_time():
    assert format_date(dt.date(2026, 3, 7)) == "07.03.2026"
    assert format_datetime(dt.datetime(2026, 7, 1, 21, 30, tzinfo=dt.UTC)) == "02.07.2026 00:30"


@pytest.mark.parametrize(("code", "name"), [
    ("H87", "bucată"), ("C62", "unitate"), ("KGM", "kilogram"), ("MTR", "metru"), ("LTR", "litru"),
    ("HUR", "oră"), ("DAY", "zi"), ("MON", "lună"), ("KWH", "kilowatt-oră"), ("MTK", "metru pătrat"),
    ("MTQ", "metru cub"), ("TNE", "tonă"), ("SET", "set"), ("PR", "pereche"), ("XPP", "bucată"),
    ("XBX", "cutie"), ("XPK", "pachet"), ("BX", "cutie"), ("kgm", "kilogram"), ("QQQ", "QQQ"),
])
def test_unit_codes_read_as_romanian_words(code, name):
    assert unit_name(code) == name


def test_counties_and_signature_states_in_romanian():
    assert county_name("RO-CJ") == "Cluj"
    assert county_name("RO-B") == "Municipiul București"
    assert county_name("XX-1") == "XX-1"
    assert signature_text("valid") == "validă"
    assert signature_text("invalid") == "INVALIDĂ"
    assert signature_text("unknown").startswith("neverificată")

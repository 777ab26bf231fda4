"""Romanian plurals, amounts shown and amounts typed (chalicelib/domain/romanian.py): pure rules,
no stack. The plural rule is CLDR's, the one Intl.PluralRules("ro") applies in the browser."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain import document_filters as rules
from chalicelib.domain.romanian import (
    AmbiguousAmount,
    NotAnAmount,
    counted,
    format_amount,
    parse_amount,
    plural_category,
)


@pytest.mark.parametrize(("n", "category"), [
    (1, "one"), (0, "few"), (2, "few"), (19, "few"), (20, "other"), (99, "other"), (100, "other"),
    (101, "few"), (119, "few"), (120, "other"), (1000, "other"), (1001, "few"), (-1, "one"),
])
def test_the_plural_category_follows_cldr_romanian(n, category):
    assert plural_category(n) == category


@pytest.mark.parametrize(("n", "text"), [
    (1, "1 document nou"), (2, "2 documente noi"), (0, "0 documente noi"), (19, "19 documente noi"),
    (20, "20 de documente noi"), (101, "101 documente noi"), (120, "120 de documente noi"),
    (12345, "12.345 de documente noi"),
])
def test_a_counted_noun_reads_as_romanian(n, text):
    assert counted(n, "document nou", "documente noi") == text


@pytest.mark.parametrize(("value", "currency", "text"), [
    (Decimal("27849.75"), "RON", "27.849,75 RON"), ("27849.75", "RON", "27.849,75 RON"),
    ("1234567.5", "EUR", "1.234.567,50 EUR"), ("0.5", None, "0,50"), ("-1500", "RON", "-1.500,00 RON"),
    ("12.3456", "RON", "12,3456 RON"), ("100", "", "100,00"), (None, "RON", "—"), ("", None, "—"),
    ("-0.00001", None, "0,00"),
])
def test_an_amount_is_shown_with_romanian_separators(value, currency, text):
    assert format_amount(value, currency) == text


@pytest.mark.parametrize(("typed", "amount"), [
    ("50.000", Decimal(50000)), ("50,5", Decimal("50.5")), ("1.234,56", Decimal("1234.56")),
    ("1.234.567", Decimal(1234567)), ("50", Decimal(50)), ("-3,25", Decimal("-3.25")),
    ("1 234,56", Decimal("1234.56")), ("0,0001", Decimal("0.0001")), ("1,234", Decimal("1.234")),
])
def test_a_romanian_amount_is_read_as_romanians_write_it(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["50.00", "1,234.56", "1234.5", "1.23", "12.3456", "1.2345,6", "1,2,3", "1.234,5.6"])
def test_an_amount_that_reads_two_ways_is_refused_with_its_own_code(typed):
    with pytest.raises(AmbiguousAmount) as refused:
        parse_amount(typed, "amount_min")
    assert refused.value.code == "ambiguous_amount" and refused.value.status == 400
    assert refused.value.details == {"field": "amount_min"}
    assert "virgulă pentru zecimale" in refused.value.message_ro


@pytest.mark.parametrize("typed", ["", "-", "o sută", "12a", ",5", "5,", "1²", "\u0661\u0662", "1" * 16, "1,12345"])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(NotAnAmount):
        parse_amount(typed)


def test_the_documents_filter_reads_fifty_thousand_and_refuses_ambiguous_input():
    assert rules._amount("50.000", "amount_min") == Decimal(50000)
    with pytest.raises(AmbiguousAmount):
        rules._amount("50.00", "amount_max")
    with pytest.raises(rules.InvalidAmount) as refused:
        rules._amount("o sută", "amount_min")
    assert refused.value.details == {"field": "amount_min"} and "1.234,56" in refused.value.message_ro


def test_the_password_rules_count_characters_in_romanian():
    from chalicelib.domain.passwords import password_problems

    assert "cel mult 256 de caractere" in password_problems("Aa1!" * 70)
    assert "cel puțin 12 caractere" in password_problems("Aa1!")

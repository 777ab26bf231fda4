"""Two-factor login rules (chalicelib/domain/two_factor.py): pure, no stack needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp

from chalicelib.domain import two_factor as rules

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_recovery_codes_are_ten_distinct_readable_codes():
    codes = rules.new_recovery_codes()
    assert len(codes) == len(set(codes)) == rules.RECOVERY_CODE_COUNT
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code.replace("-", "")) & set("01ilo")  # no look-alikes
        assert not rules.is_totp_code(code)


def test_a_recovery_code_hashes_the_same_however_it_is_typed_and_differs_per_user():
    typed = ["abcde-fghjk", "ABCDE FGHJK", " abcdefghjk "]
    assert len({rules.recovery_code_hash("user-1", t) for t in typed}) == 1
    assert rules.recovery_code_hash("user-1", "abcde-fghjk") != rules.recovery_code_hash("user-2", "abcde-fghjk")
    assert "abcde" not in rules.recovery_code_hash("user-1", "abcde-fghjk")


def test_only_six_digits_are_an_authenticator_code():
    assert rules.is_totp_code("123456") and rules.is_totp_code(" 123 456 ")
    assert not rules.is_totp_code("12345") and not rules.is_totp_code("1234567")
    assert not rules.is_totp_code("12345a")


def test_the_authenticator_link_is_what_apps_read():
    secret = pyotp.random_base32()
    uri = rules.authenticator_uri("ana.pop@exemplu.ro", secret)
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.issuer == "Arhivar" and parsed.name == "ana.pop@exemplu.ro"
    assert parse_qs(urlsplit(uri).query)["digits"] == ["6"]


def test_ten_wrong_codes_within_fifteen_minutes_lock_and_the_window_then_starts_again():
    window = rules.FailureWindow(0, None)
    for minute in range(rules.MAX_FAILURES):
        assert not window.locked(NOW + timedelta(minutes=minute))
        window = window.after_failure(NOW + timedelta(minutes=minute))
    assert window.failures == rules.MAX_FAILURES and window.since == NOW
    assert window.locked(NOW + timedelta(minutes=14, seconds=59))
    assert not window.locked(NOW + rules.FAILURE_WINDOW)
    # a failure after the window counts from one again
    later = window.after_failure(NOW + rules.FAILURE_WINDOW)
    assert later == rules.FailureWindow(1, NOW + rules.FAILURE_WINDOW)

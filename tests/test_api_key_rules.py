"""The pure rules of API keys (chalicelib/domain/api_keys.py) and conditional reads (api/etags.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.api.etags import etag_of, matches
from chalicelib.domain import api_keys as rules

TODAY = date(2026, 12, 2)


def test_a_new_secret_names_its_key_and_only_its_hash_is_kept():
    fresh = rules.new_secret()
    assert rules.key_id_of(fresh.secret) == fresh.key_id
    assert fresh.secret not in fresh.hash and len(fresh.hash) == 64
    assert rules.hash_matches(fresh.secret, fresh.hash)
    assert not rules.hash_matches(fresh.secret + "x", fresh.hash)
    assert rules.new_secret().secret != fresh.secret


@pytest.mark.parametrize("junk", ["", "arh_", "arh_ABCDEFGHIJ_" + "a" * 43, "arh_abcdefghij_" + "a" * 42,
                                  "xyz_abcdefghij_" + "a" * 43, "arh_abcdefghij_" + "a" * 43 + "\n"])
def test_malformed_secrets_name_no_key(junk):
    assert rules.key_id_of(junk) is None


@pytest.mark.parametrize(("header", "secret"), [("ApiKey s3cret", "s3cret"), ("apikey  s3cret ", "s3cret"),
                                                ("Bearer s3cret", None), (None, None), ("ApiKeys s3cret", None)])
def test_only_the_apikey_scheme_carries_a_key(header, secret):
    assert rules.api_key_of(header) == secret


def test_a_new_key_needs_a_name_a_scope_and_a_future_expiry_within_two_years():
    assert rules.check_new_key("  ERP   firmă ", ["sync:write", "documents:read"], None, TODAY) == (
        "ERP firmă", ["documents:read", "sync:write"])  # the scopes in their canonical order
    for name, scopes, expiry, field in (("  ", ["documents:read"], None, "name"),
                                        ("k", [], None, "scopes"),
                                        ("k", ["documents:read"], TODAY, "expires_on"),
                                        ("k", ["documents:read"], TODAY + timedelta(days=800), "expires_on")):
        with pytest.raises(rules.InvalidApiKeyRequest) as refused:
            rules.check_new_key(name, scopes, expiry, TODAY)
        assert refused.value.details["field"] == field


def test_a_key_works_through_its_expiry_day():
    end = date(2026, 12, 31)
    assert not rules.is_expired(end, datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert rules.is_expired(end, datetime(2027, 1, 1, 0, 0, tzinfo=UTC))
    assert not rules.is_expired(None, datetime(2099, 1, 1, tzinfo=UTC))


def test_last_use_is_due_at_most_once_a_minute():
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert rules.last_use_due(None, now)
    assert not rules.last_use_due(now - timedelta(seconds=59), now)
    assert rules.last_use_due(now - timedelta(seconds=60), now)


def test_etags_follow_the_content_and_if_none_match_lists():
    tag = etag_of({"b": 1, "a": [1, 2]})
    assert tag == etag_of({"a": [1, 2], "b": 1}) != etag_of({"a": [1, 2], "b": 2})
    assert matches(tag, tag) and matches(f'"x", W/{tag}', tag) and matches("*", tag)
    assert not matches(None, tag) and not matches('"x"', tag)

"""The pure rules of the delivery to a customer's bucket (chalicelib/domain/s3_delivery.py):
what STS's and S3's refusals mean for the customer, the retry schedule, the policies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import s3_delivery as rules


@pytest.mark.parametrize(("code", "status", "reason"), [
    ("AccessDenied", 403, "assume_role_denied"),  # the trust policy does not name Arhivar or the id
    ("InvalidClientTokenId", 403, "assume_role_denied"),
    ("ValidationError", 400, "assume_role_denied"),
    ("ServiceUnavailable", 503, "bucket_unreachable"),
])
def test_sts_refusals(code, status, reason):
    assert rules.sts_failure(code, status) == reason


@pytest.mark.parametrize(("code", "status", "reason"), [
    ("NoSuchBucket", 404, "bucket_missing"), ("404", 404, "bucket_missing"),
    ("AccessDenied", 403, "access_denied"), ("403", 403, "access_denied"),
    ("KMS.AccessDeniedException", 400, "kms_denied"), ("PermanentRedirect", 301, "wrong_region"),
    ("SlowDown", 503, "bucket_unreachable"), ("InternalError", 500, "bucket_unreachable"),
])
def test_s3_refusals(code, status, reason):
    assert rules.s3_failure(code, status) == reason


def test_every_reason_has_a_romanian_message():
    for reason, message in rules.FAILURES.items():
        failure = rules.DeliveryFailed(reason)
        assert failure.message_ro == message and failure.details == {"reason": reason}
    assert rules.DeliveryFailed("assume_role_denied").message_ro.startswith("Arhivar nu poate prelua rolul")


def test_retries_back_off_to_sqs_longest_delay_then_wait_for_the_button():
    delays = [rules.retry_delay(attempt) for attempt in range(1, rules.MAX_ATTEMPTS + 1)]
    assert delays[:5] == [timedelta(seconds=s) for s in (10, 30, 90, 270, 810)]
    assert all(d == timedelta(seconds=900) for d in delays[5:-1])
    assert delays[-1] is None  # the tenth failure waits for "Reîncearcă"
    assert sum(d.total_seconds() for d in delays if d) < 2 * 3600


def test_the_prefix_is_normalised_and_the_role_arn_may_have_a_path():
    role = "arn:aws:iam::210987654321:role/x/y/Rol"
    destination = rules.parse_destination(" arhiva.firma-1 ", "arhivar/facturi", role)
    assert destination == rules.Destination("arhiva.firma-1", "arhivar/facturi/", role)
    assert rules.parse_destination("abc", "", "arn:aws:iam::210987654321:role/R").prefix == ""


def test_the_policies_require_the_external_id_and_stay_under_the_prefix():
    policies = rules.policies("arn:aws:iam::123456789012:root", "arhivar-abc", "arhiva", "facturi/")
    assert '"sts:ExternalId": "arhivar-abc"' in policies["trust_policy"]
    statements = {s["Sid"]: s for s in rules.permissions_policy("arhiva", "facturi/")["Statement"]}
    assert statements["ArhivarWrites"]["Resource"] == "arn:aws:s3:::arhiva/facturi/*"
    assert statements["ArhivarVerifies"]["Resource"] == "arn:aws:s3:::arhiva/facturi/.arhivar-verificare-*"
    assert statements["ArhivarLists"]["Condition"] == {"StringLike": {"s3:prefix": "facturi/*"}}

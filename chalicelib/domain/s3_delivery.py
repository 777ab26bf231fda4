"""Delivery to a company's own S3 bucket: the rules, pure.

What a company may configure (bucket name, key prefix, the ARN of the role it creates), the
external id Arhivar generates for the role's trust policy (the standard cross-account pattern:
the id is never chosen by the customer, so nobody can point Arhivar at another customer's role
with an id they know), the policies the customer's administrator applies, the back-off of
failing copies, and the Romanian explanation of every failure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.errors import ArhivarError, ValidationFailed

# AWS's bucket naming rules (general purpose buckets).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_LIKE = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_BUCKET_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# arn:<partition>:iam::<12-digit account>:role/<optional path/>name (IAM's characters).
_ROLE_ARN = re.compile(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
_PREFIX_CHARS = re.compile(r"[A-Za-z0-9!_.*'()/ -]*")
MAX_PREFIX = 200
ROLE_SESSION_NAME = "arhivar-livrare"

# A failing copy comes back after 10 s, 30 s, 1.5 min, 4.5 min, then every 13.5-15 min (SQS's
# longest delay), ten attempts in about an hour; then it waits for "Reîncearcă".
MAX_ATTEMPTS = 10
_FIRST_DELAY_S = 10
_MAX_DELAY_S = 900


class InvalidDeliverySettings(ValidationFailed):
    code = "invalid_s3_delivery_settings"


@dataclass(frozen=True)
class Destination:
    bucket: str
    prefix: str  # "" or ending in "/"
    role_arn: str


def parse_destination(bucket: str, prefix: str, role_arn: str) -> Destination:
    """Validate what the company typed; InvalidDeliverySettings (Romanian, per field) otherwise."""
    return Destination(_bucket(bucket.strip()), _prefix(prefix.strip()), _role_arn(role_arn.strip()))


def _bucket(name: str) -> str:
    valid = (_BUCKET.fullmatch(name) is not None and ".." not in name and ".-" not in name
             and "-." not in name and not _IP_LIKE.fullmatch(name)
             and not name.startswith(_BUCKET_BAD_PREFIXES) and not name.endswith(_BUCKET_BAD_SUFFIXES))
    if not valid:
        raise InvalidDeliverySettings(
            "Numele bucket-ului nu este valid: 3-63 de caractere, litere mici, cifre, puncte și "
            "cratime, începe și se termină cu o literă sau o cifră (de exemplu arhiva-facturi-firma).",
            details={"field": "bucket"})
    return name


def _prefix(prefix: str) -> str:
    if not prefix:
        return ""
    parts = prefix.strip("/").split("/")
    valid = (len(prefix) <= MAX_PREFIX and _PREFIX_CHARS.fullmatch(prefix) is not None
             and not prefix.startswith("/") and all(part and part not in (".", "..") for part in parts)
             and ".." not in prefix)
    if not valid:
        raise InvalidDeliverySettings(
            f"Prefixul nu este valid: cel mult {MAX_PREFIX} de caractere (litere, cifre, „/”, „-”, „_”, "
            "„.”), fără „..”, fără „/” la început și fără „//” (de exemplu arhivar/facturi/).",
            details={"field": "prefix"})
    return "/".join(parts) + "/"


def _role_arn(arn: str) -> str:
    if len(arn) > 2048 or _ROLE_ARN.fullmatch(arn) is None:
        raise InvalidDeliverySettings(
            "ARN-ul rolului nu este valid: arn:aws:iam::<contul de 12 cifre>:role/<numele rolului>, "
            "așa cum îl arată consola IAM la rolul creat.", details={"field": "role_arn"})
    return arn


def retry_delay(attempt: int) -> timedelta | None:
    """How long after failed attempt `attempt` (1-based) the copy is tried again; None after
    the last attempt (the failure then waits for "Reîncearcă")."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=min(_MAX_DELAY_S, _FIRST_DELAY_S * 3 ** (attempt - 1)))


# -- the customer's policies ----------------------------------------------------------------------

def _partition(arn: str) -> str:
    return arn.split(":", 2)[1] if arn.startswith("arn:") else "aws"


def trust_policy(principal: str, external_id: str) -> dict:
    """The role's trust policy: Arhivar's account may assume it only with this external id."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}


def permissions_policy(bucket: str, prefix: str, partition: str = "aws") -> dict:
    """What the role may do: write (and look at, to skip what is there already) under the
    prefix, and delete only the verification object. S3 answers a HEAD of a missing key with
    403 instead of 404 unless the caller may list, hence ListBucket (on the prefix only)."""
    bucket_arn = f"arn:{partition}:s3:::{bucket or '<bucket>'}"
    objects = f"{bucket_arn}/{prefix}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ArhivarLists", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn,
         "Condition": {"StringLike": {"s3:prefix": f"{prefix}*"}}},
        {"Sid": "ArhivarWrites", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": f"{objects}*"},
        {"Sid": "ArhivarVerifies", "Effect": "Allow", "Action": "s3:DeleteObject",
         "Resource": f"{objects}.arhivar-verificare-*"}]}


def policies(principal: str, external_id: str, bucket: str | None, prefix: str | None) -> dict[str, str]:
    """Both policies as the JSON text the customer's administrator pastes into IAM."""
    return {"trust_policy": json.dumps(trust_policy(principal, external_id), indent=2),
            "permissions_policy": json.dumps(
                permissions_policy(bucket or "", prefix or "", _partition(principal)), indent=2)}


# -- failures ---------------------------------------------------------------------------------------

FAILURES: dict[str, str] = {
    "assume_role_denied": ("Arhivar nu poate prelua rolul: verificați ARN-ul rolului și politica de "
                           "încredere (contul Arhivar ca principal și ID-ul extern afișat aici)."),
    "bucket_missing": "Bucket-ul nu există. Verificați numele bucket-ului sau creați-l.",
    "access_denied": ("Rolul nu are voie să scrie în bucket: adăugați politica de permisiuni afișată "
                      "aici (s3:PutObject și s3:GetObject pe prefix) și verificați politica bucket-ului."),
    "kms_denied": ("Bucket-ul criptează cu o cheie KMS pe care rolul nu o poate folosi: dați rolului "
                   "kms:GenerateDataKey și kms:Decrypt pe cheie."),
    "wrong_region": "Bucket-ul este într-o altă regiune decât cea la care răspunde; verificați numele bucket-ului.",
    "bucket_unreachable": ("Bucket-ul nu a răspuns (eroare temporară la AWS). Încercăm din nou "
                           "automat."),
    "not_configured": "Livrarea în bucket-ul propriu nu este configurată pentru această companie.",
}


def failure_message(code: str) -> str:
    return FAILURES.get(code, FAILURES["bucket_unreachable"])


# The S3 and STS error codes behind each failure.
_S3_CODES = {"NoSuchBucket": "bucket_missing", "AccessDenied": "access_denied",
             "AllAccessDisabled": "access_denied", "InvalidAccessKeyId": "assume_role_denied",
             "ExpiredToken": "assume_role_denied", "KMS.AccessDeniedException": "kms_denied",
             "KMS.DisabledException": "kms_denied", "PermanentRedirect": "wrong_region",
             "AuthorizationHeaderMalformed": "wrong_region", "IllegalLocationConstraintException": "wrong_region"}


def s3_failure(error_code: str, status: int) -> str:
    if error_code in _S3_CODES:
        return _S3_CODES[error_code]
    if status == 403:
        return "access_denied"
    if status == 404:
        return "bucket_missing"
    return "bucket_unreachable"


def sts_failure(error_code: str, status: int) -> str:
    if error_code in ("AccessDenied", "InvalidClientTokenId", "ValidationError", "RegionDisabledException") \
            or status in (400, 403):
        return "assume_role_denied"
    return "bucket_unreachable"


class DeliveryFailed(ArhivarError):
    """A copy to (or the check of) the company's bucket failed on the customer's side."""

    code = "s3_delivery_failed"
    status = 422

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(failure_message(reason), details={"reason": reason})
        self.reason = reason
        self.detail = detail[:300]

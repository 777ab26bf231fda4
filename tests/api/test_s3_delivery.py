"""Delivery to the company's own S3 bucket (issue 15), over HTTP against the local stack.

The customer's AWS account is played by moto: the role ARN names another account (moto's STS
hands out that account's credentials for any role), and the customer's bucket is created in
that account with credentials of the same role. The API checks and saves the settings; the sync
and the render worker queue copies; the s3delivery worker is driven as its event source
mapping would drive it (local/runtime.py).
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from chalicelib import dependencies
from chalicelib.storage.documents import DocumentRepository
from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.conftest import connect_company
from tests.api.proven import invite_and_accept

CUSTOMER_ACCOUNT = "210987654321"
PREFIX = "arhivar/facturi/"


class CustomerAccount:
    """The customer's side: their role (any ARN of their account, for moto) and their bucket."""

    def __init__(self, endpoint: str) -> None:
        self.role_arn = f"arn:aws:iam::{CUSTOMER_ACCOUNT}:role/ArhivarLivrare-{uuid.uuid4().hex[:8]}"
        self.bucket = f"client-arhiva-{uuid.uuid4().hex[:12]}"
        credentials = boto3.client("sts", endpoint_url=endpoint, region_name="eu-central-1").assume_role(
            RoleArn=self.role_arn, RoleSessionName="administrator-client")["Credentials"]
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-central-1",
                               aws_access_key_id=credentials["AccessKeyId"],
                               aws_secret_access_key=credentials["SecretAccessKey"],
                               aws_session_token=credentials["SessionToken"])

    def create_bucket(self, versioned: bool = True) -> None:
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        if versioned:
            self.s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})

    def delete_bucket(self) -> None:
        for item in self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", []):
            self.s3.delete_object(Bucket=self.bucket, Key=item["Key"])
        self.s3.delete_bucket(Bucket=self.bucket)

    def objects(self) -> dict[str, bytes]:
        """Every object under the prefix: its path after the prefix -> its bytes."""
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=PREFIX).get("Contents", [])
        return {item["Key"].removeprefix(PREFIX): self.s3.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                for item in listed}

    def versions(self) -> list[str]:
        """The key of every version of the documents' files (the check object of "Verifică",
        written and deleted, leaves its own version and delete marker)."""
        answer = self.s3.list_object_versions(Bucket=self.bucket, Prefix=PREFIX)
        keys = [v["Key"] for v in answer.get("Versions", [])] + [m["Key"] for m in answer.get("DeleteMarkers", [])]
        return [key for key in keys if not key.startswith(f"{PREFIX}.arhivar-verificare-")]


@pytest.fixture
def customer(settings) -> CustomerAccount:
    return CustomerAccount(settings.aws_endpoint_url)


@pytest.fixture
def company(new_user, fresh_cif, sandbox):
    """A fresh company, proven and connected by its owner, with two invoices waiting at ANAF."""
    owner, cif = new_user(), fresh_cif()
    connect_company(owner, cif, sandbox.url, "Titular Livrare")
    sandbox.invoices_to(cif, 2)
    return owner, cif




def sync(cif: str) -> None:
    assert dependencies.company_sync(lambda: 900.0).run(cif, "test").result == "complete"


def drain(*keys: str) -> None:
    """Play the queues' event source mappings until all are empty (renders queue copies)."""
    pollers = [QueuePoller(dependencies.settings(), queue(k), load_handler(queue(k).consumer), wait_time_s=0)
               for k in keys]
    while sum(poller.poll_once().received for poller in pollers):
        pass


def enable(owner, cif: str, customer: CustomerAccount, **changes) -> requests.Response:
    body = {"bucket": customer.bucket, "prefix": PREFIX, "role_arn": customer.role_arn, "enabled": True, **changes}
    return owner.call("PUT", f"/companies/{cif}/s3-delivery/settings", json=body)


def delivery(owner, cif: str) -> dict:
    answer = owner.call("GET", f"/companies/{cif}/s3-delivery")
    assert answer.status_code == 200, answer.text
    return answer.json()["delivery"]


def export_zip(owner, cif: str) -> dict[str, bytes]:
    """The company's "Descarcă toate documentele" ZIP: member path -> bytes (index.csv left out)."""
    started = owner.call("POST", f"/companies/{cif}/exports", json={"format": "zip", "filters": {}})
    assert started.status_code == 202, started.text
    drain("export")
    export = owner.call("GET", f"/companies/{cif}/exports/{started.json()['export_id']}").json()["export"]
    archive = zipfile.ZipFile(io.BytesIO(requests.get(export["url"], timeout=30).content))
    return {name: archive.read(name) for name in archive.namelist() if name != "index.csv"}


def test_the_page_gives_a_generated_external_id_and_the_policies_to_apply(company, settings):
    owner, cif = company
    # WHEN the owner opens the settings twice
    first, second = delivery(owner, cif), delivery(owner, cif)
    # THEN Arhivar generated one external id, kept, and the trust policy requires it
    assert first["external_id"].startswith("arhivar-") and first["external_id"] == second["external_id"]
    assert first["enabled"] is False and first["bucket"] is None and first["failures"] == []
    trust = json.loads(first["trust_policy"])["Statement"][0]
    assert trust["Principal"] == {"AWS": settings.s3_delivery_principal}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": first["external_id"]}}
    # AND a body cannot choose the external id
    chosen = owner.call("PUT", f"/companies/{cif}/s3-delivery/settings", json={
        "bucket": "b-ucket", "role_arn": f"arn:aws:iam::{CUSTOMER_ACCOUNT}:role/R", "enabled": False,
        "external_id": "ales-de-client"})
    assert chosen.status_code == 400


@pytest.mark.parametrize(("field", "value"), [
    ("bucket", "Bucket_Mare"), ("bucket", "ab"), ("bucket", "192.168.1.10"), ("bucket", "a..b"),
    ("prefix", "facturi/../altceva/"), ("prefix", "/absolut"), ("prefix", "dublu//slash"),
    ("role_arn", "arn:aws:iam::123:role/R"), ("role_arn", "arn:aws:iam::210987654321:user/Ion"),
])
def test_invalid_settings_are_refused_in_romanian_naming_the_field(company, field, value):
    owner, cif = company
    body = {"bucket": "arhiva-buna", "prefix": "facturi/", "role_arn": f"arn:aws:iam::{CUSTOMER_ACCOUNT}:role/R",
            "enabled": False, field: value}
    answer = owner.call("PUT", f"/companies/{cif}/s3-delivery/settings", json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_s3_delivery_settings" and error["details"] == {"field": field}
    assert "nu este valid" in error["message"]


def test_verify_names_a_missing_bucket_and_enabling_is_refused_until_it_exists(company, customer):
    owner, cif = company
    # GIVEN settings saved while the bucket does not exist yet
    saved = enable(owner, cif, customer, enabled=False)
    assert saved.status_code == 200 and saved.json()["delivery"]["bucket"] == customer.bucket
    # WHEN the owner verifies, or turns delivery on THEN both say (in Romanian) the bucket is missing
    for answer in (owner.call("POST", f"/companies/{cif}/s3-delivery/verify"), enable(owner, cif, customer)):
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["details"] == {"reason": "bucket_missing"}
        assert answer.json()["error"]["message"].startswith("Bucket-ul nu există")
    assert delivery(owner, cif)["enabled"] is False
    # WHEN the bucket exists THEN the check passes and leaves nothing behind
    customer.create_bucket()
    verified = owner.call("POST", f"/companies/{cif}/s3-delivery/verify")
    assert verified.status_code == 200 and verified.json()["delivery"]["verified_at"]
    assert customer.objects() == {}


def test_a_synced_companys_documents_are_copied_with_the_exports_names_and_bytes_once(company, customer, sandbox):
    owner, cif = company
    # GIVEN a company whose two invoices are archived and rendered before delivery is on
    sync(cif)
    drain("render", "s3delivery")
    customer.create_bucket()
    # WHEN the owner turns delivery on (the backfill copies what is archived)
    answer = enable(owner, cif, customer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery"]["backfill"] == "running"
    drain("s3delivery")
    # AND a third invoice arrives and is synced and rendered (copied as archived, then its PDF)
    sandbox.invoices_to(cif, 1)
    sync(cif)
    drain("render", "s3delivery")
    # THEN the bucket holds exactly the export ZIP's files, under its paths, with its bytes
    exported = export_zip(owner, cif)
    assert len([path for path in exported if path.endswith("_original.zip")]) == 3
    assert {path.rsplit(".", 1)[1] for path in exported} == {"zip", "xml", "pdf"}
    assert customer.objects() == exported
    state = delivery(owner, cif)
    assert state["backfill"] == "done" and state["failures"] == []
    assert state["delivered_count"] == 9 and state["last_delivery_key"].startswith(PREFIX)
    # AND the security journal says who pointed the archive where
    [changed] = [e for e in owner.call("GET", f"/companies/{cif}/audit").json()["events"]
                 if e["event"] == "s3_delivery_changed"]
    assert changed["actor"]["email"] == owner.email
    assert changed["summary"] == (f"destinație: s3://{customer.bucket}/{PREFIX}; rol AWS: {customer.role_arn}; "
                                  "livrare pornită")
    # WHEN every document is delivered again (a redelivered message, "Reîncearcă", a re-render)
    versions = sorted(customer.versions())
    queues = dependencies.work_queues()
    for document in DocumentRepository.every(cif):
        queues.send("s3delivery", {"cif": cif, "sk": document.sk, "attempt": 1})
    drain("s3delivery")
    # THEN nothing is written: one object, one version per file
    assert sorted(customer.versions()) == versions == sorted(PREFIX + path for path in exported)
    assert delivery(owner, cif)["delivered_count"] == 9


def test_a_failing_copy_is_shown_then_retried_and_succeeds(company, customer, sandbox):
    owner, cif = company
    # GIVEN delivery on to a bucket that the customer then deletes
    customer.create_bucket(versioned=False)
    assert enable(owner, cif, customer).status_code == 200
    drain("s3delivery")
    customer.delete_bucket()
    # WHEN two invoices are archived
    sync(cif)
    drain("s3delivery")
    # THEN each copy failed, with its Romanian reason, and is to be tried again
    failures = delivery(owner, cif)["failures"]
    assert len(failures) == 2
    assert {(f["reason_code"], f["state"], f["attempts"]) for f in failures} == {("bucket_missing", "retrying", 1)}
    assert failures[0]["reason"].startswith("Bucket-ul nu există") and failures[0]["next_attempt_at"]
    # WHEN the bucket exists again and the delayed retries come back (10 s later, SQS's delay)
    customer.create_bucket(versioned=False)
    poller = QueuePoller(dependencies.settings(), queue("s3delivery"), load_handler(queue("s3delivery").consumer),
                         wait_time_s=2)
    deadline = time.monotonic() + 90
    while delivery(owner, cif)["failures"] and time.monotonic() < deadline:
        poller.poll_once()
    # THEN the copies succeeded and the failures are gone
    assert delivery(owner, cif)["failures"] == []
    assert len([key for key in customer.objects() if key.endswith("_original.zip")]) == 2


def test_reincearca_queues_the_failing_documents_again(company, customer):
    owner, cif = company
    customer.create_bucket(versioned=False)
    assert enable(owner, cif, customer).status_code == 200
    customer.delete_bucket()
    sync(cif)
    drain("s3delivery")
    assert len(delivery(owner, cif)["failures"]) == 2
    customer.create_bucket(versioned=False)
    # GIVEN delivery turned off meanwhile THEN "Reîncearcă" asks to turn it on first
    assert enable(owner, cif, customer, enabled=False).status_code == 200
    refused = owner.call("POST", f"/companies/{cif}/s3-delivery/retry")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "s3_delivery_off"
    assert enable(owner, cif, customer).status_code == 200
    # WHEN the owner presses "Reîncearcă"
    retried = owner.call("POST", f"/companies/{cif}/s3-delivery/retry")
    assert retried.status_code == 202 and retried.json()["queued"] == 2
    assert {f["state"] for f in retried.json()["delivery"]["failures"]} == {"retrying"}
    drain("render", "s3delivery")
    # THEN the documents are in the bucket and nothing is failing
    assert delivery(owner, cif)["failures"] == []
    assert len([key for key in customer.objects() if key.endswith("_original.zip")]) == 2


def test_only_the_companys_owners_and_admins_reach_its_delivery(company, customer, new_user):
    owner, cif = company
    customer.create_bucket()
    assert enable(owner, cif, customer).status_code == 200
    # GIVEN a viewer of the company and the owner of another company
    viewer = new_user()
    invite_and_accept(owner, viewer, cif, "viewer")
    stranger = new_user()
    other = CustomerAccount(dependencies.settings().aws_endpoint_url)
    change = {"bucket": other.bucket, "prefix": "", "role_arn": other.role_arn, "enabled": False}
    calls = [("GET", "", None), ("PUT", "/settings", change), ("POST", "/verify", None), ("POST", "/retry", None)]
    # THEN the stranger gets 404 and the viewer 403 on every call, and nothing changed
    for method, path, body in calls:
        assert stranger.call(method, f"/companies/{cif}/s3-delivery{path}", json=body).status_code == 404
        answer = viewer.call(method, f"/companies/{cif}/s3-delivery{path}", json=body)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    state = delivery(owner, cif)
    assert (state["bucket"], state["role_arn"], state["enabled"]) == (customer.bucket, customer.role_arn, True)


def test_moving_delivery_to_another_bucket_copies_the_archive_there_too(company, customer, settings):
    owner, cif = company
    customer.create_bucket()
    assert enable(owner, cif, customer).status_code == 200
    sync(cif)
    drain("render", "s3delivery")
    # WHEN the owner moves delivery to a bucket of another account, delivery staying on
    elsewhere = CustomerAccount(settings.aws_endpoint_url)
    elsewhere.create_bucket()
    moved = enable(owner, cif, elsewhere)
    assert moved.status_code == 200 and moved.json()["delivery"]["backfill"] == "running"
    drain("s3delivery")
    # THEN the new bucket holds the same files as the first
    assert len(customer.objects()) == 6 and elsewhere.objects() == customer.objects()
    assert delivery(owner, cif)["backfill"] == "done"


def test_two_workers_copying_the_same_documents_at_once_leave_one_version_each(company, customer):
    owner, cif = company
    customer.create_bucket()
    assert enable(owner, cif, customer).status_code == 200
    sync(cif)
    drain("render")
    # WHEN two workers deliver every document at the same time (a conditional write decides)
    sks = [document.sk for document in DocumentRepository.every(cif)]
    deliverer = dependencies.s3_deliverer()
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda sk: deliverer.deliver(cif, sk, 1), sks * 2))
    # THEN both succeeded and each file is one object with one version
    assert outcomes == ["delivered"] * 4
    assert sorted(customer.versions()) == sorted(PREFIX + key for key in customer.objects())
    assert len(customer.objects()) == 6

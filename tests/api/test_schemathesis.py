"""A bounded schemathesis run: every operation of the OpenAPI description (as the API serves it
at /api/openapi.json) gets generated input — valid and invalid — and no answer may be a 5xx.

The caller is a real signed-up user whose company is proven (authorized at the ANAF sandbox
with a certificate that covers it) and holds a real imported document, an invitation, an
export and an import job; their CIF, message id, member id, export id and import id are the
path parameters' examples, and half of the generated path parameters are those real ids, so
bodies and queries are exercised
against real resources rather than only answering 404.

Bounded: MAX_EXAMPLES per operation (ARHIVAR_SCHEMATHESIS_EXAMPLES overrides), derandomized so
a run is repeatable, no example database. Where the description is precise the answer must
also conform to it (status code, content type, JSON schema).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib import dependencies
from chalicelib.api.requests import openapi_document
from chalicelib.topology import queue
from local.runtime import QueuePoller, load_handler
from tests.api.conftest import email_address
from tests.api.proven import Proven, proven_company

MAX_EXAMPLES = int(os.environ.get("ARHIVAR_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class Target:
    """The real resources the run points at."""

    def __init__(self, proven: Proven, message_id: str, member_id: str, export_id: str, import_id: str,
                 **more: str) -> None:
        self.proven = proven
        self.examples = {"cif": proven.cif, "message_id": message_id, "member_id": member_id,
                         "export_id": export_id, "import_id": import_id, **more}


@pytest.fixture(scope="module")
def target(local_stack, base_url) -> Target:
    proven = proven_company(base_url, local_stack.ports.sandbox_url)
    message_id = proven.import_one_document()
    invited = proven.user.call("POST", f"/companies/{proven.cif}/members",
                               json={"email": email_address("invitat"), "role": "viewer"})
    assert invited.status_code == 201, invited.text
    export = proven.user.call("POST", f"/companies/{proven.cif}/exports", json={"format": "csv", "filters": {}})
    assert export.status_code == 202, export.text
    imported = proven.user.call("GET", f"/companies/{proven.cif}/imports")
    assert imported.status_code == 200 and imported.json()["imports"], imported.text
    # A finished integrity check with both reports, so the report links are reached too.
    assert proven.user.call("POST", f"/companies/{proven.cif}/integrity").status_code == 202
    for key in ("integrity", "render"):
        poller = QueuePoller(dependencies.settings(), queue(key), load_handler(queue(key).consumer), wait_time_s=0)
        while poller.poll_once().received:
            pass
    key = proven.user.call("POST", f"/companies/{proven.cif}/api-keys",
                           json={"name": "Schemathesis", "scopes": ["documents:read"]})
    assert key.status_code == 201, key.text
    # A webhook endpoint with one delivery (its DELETE is the description's last webhook route).
    hook = proven.user.call("POST", f"/companies/{proven.cif}/webhooks",
                            json={"url": "https://receptor.exemplu.ro/arhivar", "events": ["document.archived"]})
    assert hook.status_code == 201, hook.text
    endpoint_id = hook.json()["webhook"]["id"]
    tested = proven.user.call("POST", f"/companies/{proven.cif}/webhooks/{endpoint_id}/test")
    assert tested.status_code == 202, tested.text
    target = Target(proven, message_id, invited.json()["member"]["member_id"], export.json()["export_id"],
                    imported.json()["imports"][0]["import_id"], key_id=key.json()["api_key"]["key_id"],
                    endpoint_id=endpoint_id, delivery_id=tested.json()["delivery_id"])
    # A message to the supplier of the imported (received) invoice, so its routes reach a real one.
    sent = proven.user.call("POST", f"/companies/{proven.cif}/documents/{message_id}/buyer-messages",
                            json={"text": "Mesaj de test către furnizor."})
    assert sent.status_code == 201, sent.text
    target.examples["buyer_message_id"] = sent.json()["message"]["id"]
    return target


def with_real_examples(spec: dict[str, Any], examples: dict[str, str]) -> dict[str, Any]:
    """The served description, its path parameters given the real ids as examples and, for
    half of the generated values, as the value itself."""
    spec = copy.deepcopy(spec)
    parameters = [*spec["components"].get("parameters", {}).values()]
    for operations in spec["paths"].values():
        for operation in operations.values():
            parameters += [p for p in operation.get("parameters", []) if "$ref" not in p]
    for parameter in parameters:
        real = examples.get(parameter["name"]) if parameter["in"] == "path" else None
        if real is not None:
            parameter["example"] = real
            parameter["schema"] = {"anyOf": [{"const": real}, parameter["schema"]]}
    return spec


@pytest.fixture(scope="module")
def api_schema(base_url, target):
    served = requests.get(f"{base_url}/api/openapi.json", timeout=10)
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(with_real_examples(served.json(), target.examples))
    schema.config.update(base_url=base_url)
    return schema


def documented_operations() -> list[tuple[str, str]]:
    return [(path, method.upper()) for path, operations in openapi_document()["paths"].items()
            for method in operations]


@pytest.mark.parametrize(("path", "method"), documented_operations())
def test_no_operation_answers_a_server_error(api_schema, target, path, method):
    # GIVEN generated requests to one operation (valid and invalid input, and the examples),
    # made by the signed-in user
    operation = api_schema[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE),
                  *operation.get_strategies_from_examples()]
    strategy = st.one_of(strategies)
    headers = {"Authorization": target.proven.user.http.headers["Authorization"]}

    statuses: list[int] = []

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def exercise(case):
        # WHEN each is sent to the local stack
        response = case.call(headers=headers, allow_redirects=False, timeout=30)
        statuses.append(response.status_code)
        # THEN the answer is not a 5xx and conforms to the description
        case.validate_response(response, checks=CHECKS)

    exercise()
    # AND the run reached the real resources, not only 404s for made-up ids
    print(f"{method} {path}: {sorted(statuses)}")
    assert statuses  # (an operation without input has a single case)
    if "{" in path:
        assert any(code != 404 for code in statuses), statuses

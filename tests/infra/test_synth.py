"""The app synthesizes offline, one stack per stage, differing only by stage parameters."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from infra.stages import ANAF_PRODUCTION_API_URL, ANAF_TEST_API_URL, DEV, PROD, STAGES

from .conftest import Synthesized, api_function, worker_functions


def test_every_stage_is_a_stack_of_the_same_app(synthesized: Synthesized) -> None:
    # GIVEN the app synthesized offline (no network, no docker)
    # THEN it holds exactly one stack per stage, named after the stage, and its CloudFront WAF
    # in us-east-1 (the only region a CLOUDFRONT web ACL can live in)
    stacks = {name: artifact["environment"] for name, artifact in synthesized.manifest["artifacts"].items()
              if artifact["type"] == "aws:cloudformation:stack"}
    assert set(stacks) == {"arhivar-dev", "arhivar-prod", "arhivar-dev-edge", "arhivar-prod-edge"}
    assert stacks["arhivar-dev-edge"].endswith("/us-east-1")
    assert stacks["arhivar-dev"].endswith("/eu-central-1")
    assert [p.stack_name for p in STAGES] == ["arhivar-dev", "arhivar-prod"]


def test_synth_reports_no_errors(synthesized: Synthesized) -> None:
    errors = [entry["data"] for artifact in synthesized.manifest["artifacts"].values()
              for entries in (artifact.get("metadata") or {}).values() for entry in entries
              if entry["type"] == "aws:cdk:error"]
    assert errors == []


def test_dev_talks_to_anafs_test_api_and_prod_to_production(synthesized: Synthesized) -> None:
    for stage, expected in (("dev", ANAF_TEST_API_URL), ("prod", ANAF_PRODUCTION_API_URL)):
        template = synthesized.templates[stage]
        urls = {props["Environment"]["Variables"]["ARHIVAR_ANAF_API_URL"]
                for props in [api_function(template), *worker_functions(template).values()]}
        assert urls == {expected}, stage
    assert DEV.anaf_api_url == "https://api.anaf.ro/test/FCTEL/rest"
    assert PROD.anaf_api_url == "https://api.anaf.ro/prod/FCTEL/rest"


def test_stages_differ_only_by_parameters(synthesized: Synthesized) -> None:
    # GIVEN both templates WHEN their resource inventories are compared
    # THEN they declare the same resources, only values differ
    dev, prod = (Counter(r["Type"] for r in synthesized.templates[s]["Resources"].values())
                 for s in ("dev", "prod"))
    assert dev == prod


def test_redirect_uri_is_the_public_callback(template: dict, stage: str, synthesized: Synthesized) -> None:
    params = synthesized.params[stage]
    variables = api_function(template)["Environment"]["Variables"]
    assert variables["ARHIVAR_PUBLIC_URL"] == f"https://{params.domain_name}"
    assert variables["ARHIVAR_ANAF_REDIRECT_URI"] == f"https://{params.domain_name}/api/anaf/callback"
    assert variables["ARHIVAR_STAGE"] == stage


def test_stage_parameters_can_be_overridden_with_context() -> None:
    changed = PROD.with_context({"arhivar:prod:certificate_arn": "arn:aws:acm:us-east-1:1:certificate/x",
                                 "arhivar:prod:api_rate_limit": "7", "arhivar:dev:api_rate_limit": "9"})
    assert changed.certificate_arn == "arn:aws:acm:us-east-1:1:certificate/x"
    assert changed.api_rate_limit == 7
    assert changed.name == "prod"


def test_synth_leaves_this_process_as_it_found_it(synthesized: Synthesized) -> None:
    # Chalice's packaging chdirs, extends sys.path and exports the stage's variables (CDK
    # tokens); infra/packaging.py undoes all of it, so later tests see a clean process.
    assert Path.cwd() != synthesized.work_dir
    assert not [name for name, value in os.environ.items() if "${Token[" in value]
    assert not [entry for entry in sys.path if entry.startswith(str(synthesized.work_dir))]


def test_a_topology_function_without_declared_access_stops_the_synth(monkeypatch) -> None:
    import dataclasses

    from chalicelib import topology
    from infra import functions

    unknown = dataclasses.replace(topology.QUEUES[0], consumer="functions.unheard_of.handler:lambda_handler")
    monkeypatch.setattr(functions, "QUEUES", (*topology.QUEUES, unknown))
    with pytest.raises(KeyError, match="functions/unheard_of"):
        functions.function_specs()


def _recommended_flags(workdir: Path) -> dict:
    """CURRENTLY_RECOMMENDED_FLAGS of the installed aws-cdk-lib (what `cdk init` writes), read
    from the library's own cx-api module with the node that runs jsii."""
    import json
    import shutil
    import subprocess
    import tarfile

    import aws_cdk

    [bundle] = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(bundle) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith("package/cx-api/lib/")
                   and m.name.endswith(".js") and (m.name.endswith("/features.js") or "/private/" in m.name)]
        archive.extractall(workdir, members=members, filter="data")
    features = workdir / "package" / "cx-api" / "lib" / "features.js"
    script = f"console.log(JSON.stringify(require({json.dumps(str(features))}).CURRENTLY_RECOMMENDED_FLAGS))"
    answer = subprocess.run([shutil.which("node") or "node", "-e", script], capture_output=True, text=True,
                            check=True, timeout=60)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def test_cdk_json_sets_every_recommended_feature_flag_of_the_cdk_in_use(tmp_path: Path) -> None:
    # GIVEN the feature flags aws-cdk-lib recommends for its version
    from .conftest import CDK_JSON_CONTEXT

    recommended = _recommended_flags(tmp_path)
    assert len(recommended) > 50
    # THEN cdk.json (which the CLI passes to the app, and the synth of these tests uses) sets
    # each of them to the recommended value: a CDK upgrade with new flags fails here
    assert {k: CDK_JSON_CONTEXT.get(k) for k in recommended} == recommended

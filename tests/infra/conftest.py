"""The CDK app, synthesized once per test session, offline and without docker.

Offline packaging (infra/packaging.py) runs Chalice's real packaging on a staged copy of the
app without requirements.txt, so neither pip nor docker runs; CDK_DOCKER points at nothing,
so a synth that tried to build an image would fail here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import aws_cdk

from infra.app import build_app
from infra.components.viewer import VIEWER_HANDLER
from infra.packaging import REPO_ROOT, Packaging
from infra.stages import STAGES, StageParameters

CDK_JSON_CONTEXT: dict[str, Any] = json.loads((REPO_ROOT / "infra" / "cdk.json").read_text())["context"]


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    work_dir: Path
    templates: dict[str, dict[str, Any]]  # stage name -> CloudFormation template
    edge_templates: dict[str, dict[str, Any]]  # stage name -> its us-east-1 stack (CloudFront's WAF)
    params: dict[str, StageParameters]
    manifest: dict[str, Any]

    def assets(self, stage: str) -> dict[str, Any]:
        return json.loads((self.outdir / f"{self.params[stage].stack_name}.assets.json").read_text())


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    root = tmp_path_factory.mktemp("infra")
    saved = os.environ.get("CDK_DOCKER")
    os.environ["CDK_DOCKER"] = str(root / "no-docker-during-synth")
    try:
        # cdk.json's context (the feature flags), as the CDK CLI passes it to infra/app.py
        app = aws_cdk.App(outdir=str(root / "cdk.out"), context=CDK_JSON_CONTEXT)
        packaging = Packaging(work_dir=root / "build", offline=True)
        build_app(app, packaging)
        assembly = app.synth()
    finally:
        if saved is None:
            os.environ.pop("CDK_DOCKER", None)
        else:
            os.environ["CDK_DOCKER"] = saved
    params = {p.name: p for p in STAGES}
    templates = {name: assembly.get_stack_by_name(p.stack_name).template for name, p in params.items()}
    edge_templates = {name: assembly.get_stack_by_name(f"{p.stack_name}-edge").template
                      for name, p in params.items()}
    manifest = json.loads((Path(assembly.directory) / "manifest.json").read_text())
    return Synthesized(Path(assembly.directory), packaging.work_dir, templates, edge_templates, params,
                       manifest)


@pytest.fixture(scope="session", params=[p.name for p in STAGES])
def stage(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def template(synthesized: Synthesized, stage: str) -> dict[str, Any]:
    return synthesized.templates[stage]


@pytest.fixture(scope="session")
def edge_template(synthesized: Synthesized, stage: str) -> dict[str, Any]:
    return synthesized.edge_templates[stage]


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {logical_id: resource for logical_id, resource in template["Resources"].items()
            if resource["Type"] == resource_type}


def properties(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties", {})


def worker_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The functions/* Lambdas of the topology (CDK's own helper functions, e.g. BucketDeployment's,
    and the public viewer, an HTTP function: `viewer_function`, excluded)."""
    found = {}
    for logical_id, resource in resources(template, "AWS::Lambda::Function").items():
        props = properties(resource)
        if props.get("ImageConfig", {}).get("Command") == [VIEWER_HANDLER]:
            continue
        if props.get("PackageType") == "Image" or str(props.get("Handler", "")).startswith("functions."):
            found[logical_id] = props
    return found


def viewer_function(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of the public viewer's Lambda."""
    [found] = [(logical_id, properties(resource))
               for logical_id, resource in resources(template, "AWS::Lambda::Function").items()
               if properties(resource).get("ImageConfig", {}).get("Command") == [VIEWER_HANDLER]]
    return found


def api_function(template: dict[str, Any]) -> dict[str, Any]:
    return properties(template["Resources"]["APIHandler"])

"""The Lambdas: environment, runtime, packaging (WeasyPrint only in the image), sizes."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import environment_variables, load_settings
from infra.functions import function_specs
from infra.packaging import REQUIREMENTS, dependency_closure, installed_files, requirement_names

from .conftest import Synthesized, api_function, worker_functions

MB = 1024 * 1024
LAMBDA_ZIPPED_LIMIT = 50 * MB  # direct upload limit; we stay under it although CDK uses S3
LAMBDA_UNZIPPED_LIMIT = 250 * MB  # function plus layers, unzipped
NOT_IN_THE_FUNCTION_CONFIGURATION = {"AWS_REGION",  # set by Lambda itself
                                     "AWS_ENDPOINT_URL",  # only locally (moto)
                                     "ARHIVAR_ARCHIVE_LOCK_DAYS"}  # unset in prod: the legal retention


def _all_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"APIHandler": api_function(template), **worker_functions(template)}


def _resolved(variables: dict[str, Any]) -> dict[str, str]:
    """The environment as Lambda would see it: CloudFormation references become strings."""
    return {name: value if isinstance(value, str) else f"resolved-{name.lower()}"
            for name, value in variables.items()}


def test_every_function_gets_every_setting(template: dict) -> None:
    required = set(environment_variables().values()) - NOT_IN_THE_FUNCTION_CONFIGURATION
    for logical_id, props in _all_functions(template).items():
        variables = props["Environment"]["Variables"]
        assert required <= set(variables), (logical_id, required - set(variables))
        assert "AWS_ENDPOINT_URL" not in variables, logical_id
        # WHEN the code reads it at cold start THEN the settings load (no missing variable)
        settings = load_settings({**_resolved(variables), "AWS_REGION": "eu-central-1"})
        assert settings.aws_endpoint_url is None


def test_functions_run_python_3_12_with_the_topologys_timeouts(template: dict) -> None:
    assert api_function(template)["Runtime"] == "python3.12"
    by_handler = {}
    for props in worker_functions(template).values():
        if props.get("PackageType") == "Image":
            by_handler[props["ImageConfig"]["Command"][0]] = props
        else:
            assert props["Runtime"] == "python3.12"
            by_handler[props["Handler"]] = props
    for spec in function_specs():
        props = by_handler[spec.handler]
        assert props["Timeout"] == spec.timeout_s
        assert props["MemorySize"] == spec.memory_mb


def test_the_pdf_function_is_a_container_image(template: dict, synthesized: Synthesized, stage: str) -> None:
    [image] = [p for p in worker_functions(template).values() if p.get("PackageType") == "Image"]
    assert image["ImageConfig"]["Command"] == ["functions.render_pdf.handler.lambda_handler"]
    [docker_image] = synthesized.assets(stage)["dockerImages"].values()
    context = synthesized.outdir / docker_image["source"]["directory"]
    dockerfile = (context / "Dockerfile").read_text()
    assert "FROM public.ecr.aws/lambda/python:3.12" in dockerfile
    assert "pango" in dockerfile and "harfbuzz" in dockerfile and "fontconfig" in dockerfile
    assert "weasyprint" in (context / "functions/render_pdf/requirements.txt").read_text().lower()
    assert sorted(p.name for p in (context / "functions").iterdir()) == ["__init__.py", "public_viewer",
                                                                          "render_pdf"]
    assert "COPY functions/public_viewer/" in dockerfile
    assert "fc-cache -fs" in dockerfile  # the font cache is in the image, not built at cold start
    assert "harfbuzz_subset is not None" in dockerfile  # the build fails without the fast subsetter
    assert image["MemorySize"] == 1769  # one full vCPU: WeasyPrint's layout uses one core


def _zip_assets(template: dict, synthesized: Synthesized, stage: str) -> dict[str, Path]:
    """Function logical id -> the zip asset it deploys, in the synthesized cloud assembly."""
    files = synthesized.assets(stage)["files"]
    found = {}
    for logical_id, props in _all_functions(template).items():
        key = props["CodeUri"]["Key"] if "CodeUri" in props else props.get("Code", {}).get("S3Key")
        if key is None:
            continue  # the image
        found[logical_id] = synthesized.outdir / files[key.removesuffix(".zip")]["source"]["path"]
    return found


def test_the_api_does_not_carry_weasyprint(template: dict, synthesized: Synthesized, stage: str) -> None:
    # What Chalice packages for the API: requirements.txt's closure, and the app code
    assert "weasyprint" not in dependency_closure(REQUIREMENTS)
    assert "weasyprint" not in {name.lower() for name, _ in requirement_names(REQUIREMENTS)}
    api_zip = _zip_assets(template, synthesized, stage)["APIHandler"]
    names = zipfile.ZipFile(api_zip).namelist()
    assert "app.py" in names and not any(n.startswith(("weasyprint/", "functions/")) for n in names)
    for logical_id, path in _zip_assets(template, synthesized, stage).items():
        names = zipfile.ZipFile(path).namelist()
        assert not any(n.startswith(("weasyprint/", "functions/render_pdf/", "functions/public_viewer/"))
                       for n in names), logical_id


@pytest.fixture(scope="session")
def dependency_weight() -> tuple[int, int]:
    """(zipped, unzipped) bytes of requirements.txt's wheels, as installed in this Python."""
    zipped = unzipped = 0
    for distribution in dependency_closure(REQUIREMENTS).values():
        for path in installed_files(distribution):
            data = path.read_bytes()
            unzipped += len(data)
            zipped += len(zlib.compress(data, 6))
    return zipped, unzipped


def test_zip_packages_stay_inside_lambdas_limits(template: dict, synthesized: Synthesized, stage: str,
                                                  dependency_weight: tuple[int, int]) -> None:
    # GIVEN each zip asset built for a function (app code; offline synth leaves the wheels out)
    # WHEN the wheels Chalice adds at deploy are counted in
    deps_zipped, deps_unzipped = dependency_weight
    for logical_id, path in _zip_assets(template, synthesized, stage).items():
        with zipfile.ZipFile(path) as bundle:
            unzipped = sum(info.file_size for info in bundle.infolist())
        # THEN the deployed package stays inside Lambda's limits
        assert path.stat().st_size + deps_zipped < LAMBDA_ZIPPED_LIMIT, logical_id
        assert unzipped + deps_unzipped < LAMBDA_UNZIPPED_LIMIT, logical_id

"""The Ministry of Finance certificates travel with the code: every zip the stack deploys (the
Chalice API and the workers that reuse its package) and the image's build context carry
chalicelib/invoices/mf_certs/*.pem byte for byte, so no deployment needs an upload to verify."""

from __future__ import annotations

import zipfile

from chalicelib.invoices.trust import BUNDLED_CERTS
from tests.infra.conftest import Synthesized
from tests.infra.test_functions import _zip_assets

PEMS = {f"chalicelib/invoices/mf_certs/{p.name}": p.read_bytes() for p in sorted(BUNDLED_CERTS.glob("*.pem"))}


def test_there_are_certificates_to_ship() -> None:
    assert len(PEMS) == 6


def test_every_zip_package_carries_the_mf_certificates(template: dict, synthesized: Synthesized,
                                                       stage: str) -> None:
    # GIVEN each zip asset the stage deploys (the API's and the workers')
    assets = _zip_assets(template, synthesized, stage)
    assert "APIHandler" in assets and len(assets) > 1
    for logical_id, path in assets.items():
        # WHEN its content is listed THEN every shipped certificate is in it, unchanged
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            assert set(PEMS) <= names, (logical_id, sorted(set(PEMS) - names))
            assert all(bundle.read(name) == data for name, data in PEMS.items()), logical_id


def test_the_image_context_carries_the_mf_certificates(synthesized: Synthesized, stage: str) -> None:
    [docker_image] = synthesized.assets(stage)["dockerImages"].values()
    context = synthesized.outdir / docker_image["source"]["directory"]
    assert {name: (context / name).read_bytes() for name in PEMS} == PEMS

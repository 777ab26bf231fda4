"""The CDK app: a dev and a prod stack from the same code (see infra/README.md).

    cd infra && npx aws-cdk@2 deploy arhivar-dev
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (cdk.json): make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aws_cdk as cdk

from infra.edge_stack import EdgeStack
from infra.packaging import REPO_ROOT, Packaging
from infra.stack import ArhivarStack
from infra.stages import STAGES

OFFLINE_CONTEXT = "arhivar:offline_packaging"
DEFAULT_WORK_DIR = REPO_ROOT / "infra" / "build"


def build_app(app: cdk.App | None = None, packaging: Packaging | None = None) -> cdk.App:
    app = app or cdk.App()
    if packaging is None:
        offline = str(app.node.try_get_context(OFFLINE_CONTEXT)).lower() in ("1", "true", "yes")
        packaging = Packaging(work_dir=DEFAULT_WORK_DIR, offline=offline)
    shutil.rmtree(packaging.work_dir / "chalice.out", ignore_errors=True)
    context = {key: value for key, value in app.node.get_all_context().items()
               if key.startswith("arhivar:") and key != OFFLINE_CONTEXT}
    for stage in STAGES:
        params = stage.with_context(context)
        edge = EdgeStack(app, params)
        ArhivarStack(app, params, packaging, web_acl_arn=edge.web_acl_arn)
    return app


if __name__ == "__main__":
    build_app().synth()

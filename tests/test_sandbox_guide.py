"""The sandbox part of `make run`'s banner (local/sandbox_guide.py)."""

from __future__ import annotations

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.testing import running_sandbox
from local.sandbox_guide import sandbox_guide


def test_the_banner_says_how_long_uploads_stay_in_processing_and_how_to_change_it():
    with running_sandbox(SandboxConfig(seed=1, processing_delay_s=30)) as sb:
        guide = sandbox_guide(sb.world())
    assert "rămân „in prelucrare” 30 s (ARHIVAR_SANDBOX_PROCESSING_DELAY_S; pe loc: POST /__sandbox/settings)" in guide

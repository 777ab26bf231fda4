"""ANAF sandbox: a local, seeded stand-in for ANAF's OAuth, e-Factura REST and company lookup.

Point any ANAF client at it by changing the base URLs (same paths as ANAF):

- OAuth:      ``{base}/anaf-oauth2/v1/authorize``, ``{base}/anaf-oauth2/v1/token``
- e-Factura:  ``{base}/prod/FCTEL/rest/...`` and ``{base}/test/FCTEL/rest/...``
- lookup:     ``{base}/api/PlatitorTvaRest/v9/tva``
- test controls (JSON): ``{base}/__sandbox/...`` (see ``admin.py``)

``create_app(SandboxConfig(...))`` builds the WSGI app; ``testing.running_sandbox()`` serves it
on a free loopback port; ``python -m local.anaf_sandbox`` serves it from the command line.
Behaviour not confirmed by ANAF documents is marked UNCONFIRMED where it is chosen.
"""

from .app import create_app
from .config import RegisteredClient, SandboxConfig

__all__ = ["RegisteredClient", "SandboxConfig", "create_app"]

"""``python -m local.anaf_sandbox --host 127.0.0.1 --port 8010 [--seed N] [--processing-delay S]``

Reads the registered client from ARHIVAR_ANAF_CLIENT_ID, ARHIVAR_SANDBOX_CLIENT_SECRET and
ARHIVAR_ANAF_REDIRECT_URI when set. Binds loopback only; SIGINT/SIGTERM stop it cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    RegisteredClient,
    SandboxConfig,
)
from .server import BackgroundServer

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.anaf_sandbox", description="ANAF sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--arrival-interval", type=float, default=None, help="seconds between new invoices")
    parser.add_argument("--volume-cif", default=None)
    parser.add_argument("--volume-messages", type=int, default=0)
    parser.add_argument("--processing-delay", type=float, default=0.0,
                        help='seconds an upload stays "in prelucrare" (sandbox clock)')
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        parser.error("the sandbox binds to loopback only (127.0.0.1)")
    client = RegisteredClient(
        os.environ.get("ARHIVAR_ANAF_CLIENT_ID") or DEFAULT_CLIENT_ID,
        os.environ.get("ARHIVAR_SANDBOX_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET,
        (os.environ.get("ARHIVAR_ANAF_REDIRECT_URI") or DEFAULT_REDIRECT_URI,),
    )
    config = SandboxConfig(
        seed=args.seed, clients=(client,), arrival_interval_s=args.arrival_interval,
        volume_cif=args.volume_cif, volume_messages=args.volume_messages,
        processing_delay_s=args.processing_delay,
    )
    server = BackgroundServer(config, host=args.host, port=args.port, quiet=False)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    print(f"ANAF sandbox ready on {server.base_url} (seed {args.seed}, client {client.client_id})", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

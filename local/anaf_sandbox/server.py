"""Serve a sandbox on a loopback port in a background thread (werkzeug, threaded)."""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_app
from .config import SandboxConfig


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # tests and benchmarks need no access log
        pass


class BackgroundServer:
    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> None:
        self.app = create_app(config)
        self.sandbox = self.app.config["SANDBOX"]
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True, request_handler=handler)
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="anaf-sandbox", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.sandbox.faults.cancel.set()  # release requests held by injected time-outs
        self._server.shutdown()
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

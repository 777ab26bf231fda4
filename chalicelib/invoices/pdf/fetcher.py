"""The only URL fetcher WeasyPrint gets: it serves the bundled assets and refuses the rest.

Assets are addressed as `arhivar-asset:<relative path>` (fonts referenced by invoice.css) and
served from bytes read once from this package. Every other URL — http(s), file:, data:, ftp:,
a relative path, another scheme — raises, so nothing an invoice contains can make the renderer
open a file or a connection. Each request is recorded (bounded) so tests can assert it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "arhivar-asset:"
PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS: dict[str, str] = {
    "fonts/NotoSans-Regular.subset.ttf": "font/ttf",
    "fonts/NotoSans-Bold.subset.ttf": "font/ttf",
}
_MAX_RECORDED = 200


class RefusedUrl(ValueError):
    """A URL outside the bundled assets."""


class AssetFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=("arhivar-asset",), allow_redirects=False)
        self._assets = {name: (PACKAGE_DIR / name).read_bytes() for name in ASSETS}
        self._lock = threading.Lock()
        self.requested: list[str] = []  # every URL asked for, in order (bounded)
        self.refused: list[str] = []  # the URLs refused (bounded)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        with self._lock:
            if len(self.requested) < _MAX_RECORDED:
                self.requested.append(url[:500])
        name = url[len(SCHEME):] if url.startswith(SCHEME) else None
        if name is None or name not in self._assets:
            with self._lock:
                if len(self.refused) < _MAX_RECORDED:
                    self.refused.append(url[:500])
            raise RefusedUrl(f"refused URL (only bundled assets are served): {url[:80]!r}")
        return URLFetcherResponse(url, self._assets[name], {"Content-Type": ASSETS[name]})

    def open(self, url, data=None, timeout=None):  # never reach urllib's opener
        target = getattr(url, "full_url", url)
        return self.fetch(str(target))

"""POSTing a webhook to a customer's URL without letting the URL reach inside our network.

At send time (a name may resolve elsewhere than when the endpoint was saved):
- the host is resolved once, and every address it resolves to must be a public one
  (domain/webhooks.py `address_allowed`: no private, loopback unless the deployment allows local
  targets, link-local, metadata, carrier-grade NAT, multicast or reserved addresses);
- the connection goes to that resolved address (the socket is opened to the IP; TLS still
  checks the certificate against the host name), so nothing is resolved a second time between
  the check and the connection;
- redirects are not followed (http.client never follows them; a 3xx is a failed attempt);
- short time-outs (connect and each read), and only the first bytes of the answer are read.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.domain.webhooks import address_allowed

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
# The whole attempt, whatever the receiver does (a server sending a byte every 9 s would never
# trip the read time-out): past this the socket is shut and the attempt counts as timed out.
TOTAL_TIMEOUT_S = 15.0
EXCERPT_BYTES = 512  # what the delivery log keeps of an answer
USER_AGENT = "Arhivar-Webhooks/1.0"

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Answer:
    """What one attempt got: a status (None when no HTTP answer came) and why it failed."""

    status: int | None
    latency_ms: int
    excerpt: str | None
    error: str | None  # None for a 2xx

    @property
    def ok(self) -> bool:
        return self.error is None


class RefusedAddress(Exception):
    """The URL's host resolves to an address webhooks may not reach."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class WebhookTransport:
    def __init__(self, *, allow_loopback: bool, resolver: Resolver = system_resolver,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S, read_timeout_s: float = READ_TIMEOUT_S,
                 total_timeout_s: float = TOTAL_TIMEOUT_S) -> None:
        self._allow_loopback = allow_loopback
        self._resolve = resolver
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._total_timeout_s = total_timeout_s
        self._tls = ssl.create_default_context()

    def pinned_address(self, host: str, port: int) -> str:
        """The one address to connect to, after checking every address the host resolves to
        (a name that resolves to one public and one private address is refused)."""
        try:
            literal = ipaddress.ip_address(host)
            addresses = [str(literal)]
        except ValueError:
            try:
                addresses = self._resolve(host, port)
            except (OSError, UnicodeError) as error:
                raise RefusedAddress("numele nu poate fi rezolvat") from error
        if not addresses:
            raise RefusedAddress("numele nu poate fi rezolvat")
        for address in addresses:
            if not address_allowed(ipaddress.ip_address(address.split("%", 1)[0]),
                                   allow_loopback=self._allow_loopback):
                raise RefusedAddress(f"adresă nepermisă ({address})")
        return addresses[0]

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        started = time.monotonic()

        def answer(status: int | None, excerpt: str | None, error: str | None) -> Answer:
            return Answer(status, int((time.monotonic() - started) * 1000), excerpt, error)

        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = self.pinned_address(host, port)
        except RefusedAddress as error:
            return answer(None, None, f"refuzat: {error}")
        connection = self._connection(parts.scheme, host, port, address)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        watchdog = threading.Timer(self._total_timeout_s, connection.abort)
        watchdog.start()
        try:
            connection.request("POST", path, body=body, headers={
                **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT,
                "Content-Length": str(len(body))})
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace") or None
        except TimeoutError:
            return answer(None, None, "timp de răspuns depășit")
        except (OSError, http.client.HTTPException) as error:
            if connection.aborted:
                return answer(None, None, "timp de răspuns depășit")
            return answer(None, None, f"conexiune eșuată ({type(error).__name__})")
        finally:
            watchdog.cancel()
            connection.close()
        if 200 <= response.status < 300:
            return answer(response.status, excerpt, None)
        if 300 <= response.status < 400:
            return answer(response.status, excerpt, "redirecționare (nu este urmată)")
        return answer(response.status, excerpt, f"HTTP {response.status}")

    def _connection(self, scheme: str, host: str, port: int, address: str) -> _PinnedHttp:
        if scheme == "https":
            return _PinnedHttps(host, port, address, self._connect_timeout_s, self._read_timeout_s, self._tls)
        return _PinnedHttp(host, port, address, self._connect_timeout_s, self._read_timeout_s)


class _PinnedHttp(http.client.HTTPConnection):
    """An HTTP connection to a fixed address; the Host header keeps the URL's name."""

    def __init__(self, host: str, port: int, address: str, connect_timeout_s: float,
                 read_timeout_s: float) -> None:
        super().__init__(host, port, timeout=read_timeout_s)
        self._address = address
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self.aborted = False

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self._connect_timeout_s)
        self.sock.settimeout(self._read_timeout_s)

    def abort(self) -> None:
        """The watchdog's: unblock whatever read or write is waiting on the socket."""
        self.aborted = True
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)


class _PinnedHttps(_PinnedHttp):
    def __init__(self, host: str, port: int, address: str, connect_timeout_s: float,
                 read_timeout_s: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, address, connect_timeout_s, read_timeout_s)
        self._context = context

    def connect(self) -> None:
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)

"""HTTP transport for every ANAF host: pooled session, time-outs, bounded retries, safe logs.

Retries (exponential backoff with jitter, bounded attempts) cover what is transient at the
transport level: connection failures, time-outs, HTTP 5xx and HTTP 429 (honouring
Retry-After). Business errors (HTTP 200 with `eroare`) are never retried here.

Requests that must not run twice (an upload; a token exchange or refresh, whose grant is
single-use) are sent with `idempotent=False`: they are retried only when the request surely
did not reach ANAF's application (connection refused/failed, HTTP 429).

The API's routes, which must answer within API Gateway's 29 s, open a `request_deadline` for
each request: all the ANAF calls the request makes (a token refresh, then a list; the OAuth
callback's two calls) share one deadline on the monotonic clock. Within it every attempt's
connect and read time-outs are shrunk to the time left (urllib3's `total` bounds the connect
plus the wait for the answer's first byte), no attempt starts with less than MIN_ATTEMPT_S left,
and no retry sleep starts after which no attempt would fit, whatever ANAF's Retry-After (up to
60 s) or the call's retry policy say. The failure is raised instead (AnafRateLimited carries
ANAF's Retry-After; otherwise AnafUnavailable) and the API answers 503 with Retry-After.
requests has no total read time-out (a body trickled byte by byte, each byte within the read
time-out, would run on), so within a request the body is streamed and read a socket read at a
time, each bounded by the time left: the read stops at the deadline too. What is not bounded:
a status line, headers or chunk-size lines trickled byte by byte (http.client reads them line
by line, each read with a fresh time-out); only a broken or hostile server behind ANAF's TLS
could do that, and the Lambda's own time-out still ends it.
Outside a request (the workers) there is no deadline: each call has its client's time-outs
and policy.

A client may also have a wait budget of its own (`max_wait_s`): it never sleeps more than that
in total for one call. The API's client has one, which also bounds the token refreshes the
workers make with it (outside any API request).

A client may count its retries (`before_retry`): the sync workers' client spends a call of
ANAF's per-minute budget before each one, since ANAF counts every request it receives.

Logs carry method, host, path (never the query string), status, duration and attempt.
Headers and bodies are never logged, so tokens, client secrets and codes cannot leak.
"""

from __future__ import annotations

import contextlib
import email.utils
import io
import random
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from aws_lambda_powertools import Logger
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout
from urllib3.response import HTTPResponse as Urllib3Response
from urllib3.util import Timeout as Urllib3Timeout

from chalicelib.anaf import errors
from chalicelib.anaf.classify import classify_html, looks_like_html
from chalicelib.anaf.timezones import Clock, SystemClock

logger = Logger(service="arhivar", child=True)


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 60.0   # ANAF's SPV is slow; short read time-outs caused duplicate uploads

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4            # first try included
    base_delay: float = 0.5          # seconds, doubled each attempt
    max_delay: float = 20.0          # cap for one backoff step
    max_retry_after: float = 60.0    # a longer Retry-After is not slept: the error is raised

    def backoff(self, attempt: int, jitter: float) -> float:
        """Delay after failed attempt `attempt` (1-based); `jitter` in [0, 1).

        "Equal jitter": half the exponential step plus a random half, so concurrent
        workers spread out but never retry immediately.
        """
        step = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return step / 2 + step / 2 * jitter


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # float("²") raises, float("\u0661") is 1.0
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server (safe to resend a POST)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


# An attempt given less than this cannot connect to ANAF, send and be answered: it is not started.
MIN_ATTEMPT_S = 0.5
_BODY_READ_SIZE = 64 * 1024  # at most one socket read each, so each is bounded by the time left


@dataclass(frozen=True)
class _Deadline:
    at: float  # on clock.monotonic()
    clock: Clock

    def left(self) -> float:
        return self.at - self.clock.monotonic()


# The deadline of the current API request's ANAF calls, shared by all of them (one API request
# may call ANAF more than once: a token refresh, then a list). None outside a request.
_REQUEST_DEADLINE: ContextVar[_Deadline | None] = ContextVar("anaf_request_deadline", default=None)


@contextlib.contextmanager
def request_deadline(seconds: float, *, clock: Clock | None = None) -> Iterator[None]:
    """Within the block, every ANAF call together ends within `seconds` from now (the API's
    routes): time-outs shrink to the time left, no attempt or retry sleep starts past it."""
    clock = clock or SystemClock()
    token = _REQUEST_DEADLINE.set(_Deadline(clock.monotonic() + seconds, clock))
    try:
        yield
    finally:
        _REQUEST_DEADLINE.reset(token)


def request_time_left() -> float | None:
    """What the current request's ANAF calls may still take; None outside a request."""
    deadline = _REQUEST_DEADLINE.get()
    return deadline.left() if deadline is not None else None


def _attempt_timeout(own: Timeouts) -> tuple[float, float] | Urllib3Timeout:
    """The client's time-outs, or within an API request those shrunk to the time it has left
    (`total` also bounds connect plus waiting for the first byte); raises when no attempt fits."""
    left = request_time_left()
    if left is None:
        return own.as_tuple()
    if left < MIN_ATTEMPT_S:
        raise errors.AnafUnavailable("no time left in the API request for an ANAF call")
    return Urllib3Timeout(connect=min(own.connect, left), read=min(own.read, left), total=left)


def _read_body_by_deadline(response: requests.Response, read_timeout: float) -> None:
    """Read a streamed body, each socket read bounded by the time the request has left, so a
    body trickled byte by byte stops at the deadline; the body is then the response's content.
    The bytes are read as sent and decoded (gzip, …) once complete: urllib3's decoding read goes
    on reading the socket, past any check here, while what came decodes to nothing yet.
    urllib3's failures become requests' (as requests itself does when it reads the body)."""
    raw = response.raw
    chunks: list[bytes] = []
    try:
        while True:
            left = request_time_left()
            if left is None or left <= 0:
                raise requests.ReadTimeout("the answer did not arrive by the request's deadline")
            connection = raw.connection
            if connection is not None and connection.sock is not None:
                connection.sock.settimeout(min(read_timeout, left))
            chunk = raw.read1(_BODY_READ_SIZE, decode_content=False)
            if not chunk:
                break
            chunks.append(chunk)
        body = _decoded(b"".join(chunks), raw.headers.get("Content-Encoding"))
    except (Urllib3ReadTimeout, TimeoutError) as exc:
        response.close()
        raise requests.ReadTimeout(exc) from exc
    except (Urllib3Error, OSError) as exc:
        response.close()
        raise requests.ConnectionError(exc) from exc
    except requests.RequestException:
        response.close()
        raise
    response._content = body  # what requests sets when it reads the body itself
    response._content_consumed = True  # so iter_content yields it, not the spent socket's nothing
    raw.release_conn()  # read to its end: the connection goes back to the pool


def _decoded(body: bytes, content_encoding: str | None) -> bytes:
    """A whole body as its Content-Encoding says, decoded by urllib3 as when it reads it itself."""
    if not content_encoding:
        return body
    return Urllib3Response(body=io.BytesIO(body), headers={"Content-Encoding": content_encoding},
                           preload_content=True, decode_content=True).data


class AnafHttp:
    """One pooled session for all ANAF hosts. Holds no tokens: callers pass headers."""

    def __init__(self, *, timeouts: Timeouts = Timeouts(), retry: RetryPolicy = RetryPolicy(),
                 clock: Clock | None = None, jitter: Callable[[], float] = random.random,
                 pool_size: int = 10, session: requests.Session | None = None,
                 max_wait_s: float | None = None,
                 before_retry: Callable[[], None] | None = None) -> None:
        self.timeouts = timeouts
        self._before_retry = before_retry  # may raise (a spent budget): the retry is not sent
        self.retry = retry
        self.max_wait_s = max_wait_s  # total sleep per call; None: only the policy's bounds
        self.clock: Clock = clock or SystemClock()
        self._jitter = jitter
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.trust_env = False  # no proxy/netrc surprises; config is explicit

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, url: str, *, idempotent: bool = True,
                params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                data: Any = None, json: Any = None, auth: Any = None,
                timeouts: Timeouts | None = None,
                retry: RetryPolicy | None = None) -> requests.Response:
        """Send with retries; return the final response (any status that is not retried).

        Raises AnafUnavailable (or a subclass) / AnafRateLimited when retries run out.
        """
        own_timeouts = timeouts or self.timeouts
        policy = retry or self.retry
        path = urlsplit(url).path
        host = urlsplit(url).netloc
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            timeout = _attempt_timeout(own_timeouts)
            started = self.clock.monotonic()
            try:
                # requests' adapter takes a urllib3 Timeout as it is (its stubs say only tuples)
                response = self.session.request(
                    method, url, params=params, headers=headers, data=data, json=json,
                    auth=auth, timeout=timeout, allow_redirects=False,  # type: ignore[arg-type]
                    stream=isinstance(timeout, Urllib3Timeout))
                if isinstance(timeout, Urllib3Timeout):  # within an API request
                    _read_body_by_deadline(response, own_timeouts.read)
            except requests.RequestException as exc:
                failure: errors.AnafError = self._transport_failure(exc)
                self._log(method, host, path, None, started, attempt, failure.code)
                if attempt >= policy.max_attempts or not (idempotent or _never_sent(exc)):
                    raise failure from exc
                delay = policy.backoff(attempt, self._jitter())
                if not self._may_wait(waited, delay):
                    raise failure from exc
                self.clock.sleep(delay)
                waited += delay
                self._count_retry()
                continue
            self._log(method, host, path, response.status_code, started, attempt, None)
            if response.status_code not in RETRY_STATUSES:
                return response
            failure, wait = self._status_failure(response)
            retry_ok = idempotent or response.status_code == 429
            if attempt >= policy.max_attempts or not retry_ok:
                raise failure
            if wait is not None and wait > policy.max_retry_after:
                raise failure
            delay = max(policy.backoff(attempt, self._jitter()), wait or 0.0)
            if not self._may_wait(waited, delay):
                raise failure  # the request cannot wait that long (the API): it answers 503
            self.clock.sleep(delay)
            waited += delay
            self._count_retry()

    def _count_retry(self) -> None:
        if self._before_retry is not None:
            self._before_retry()

    def _may_wait(self, waited: float, delay: float) -> bool:
        """Whether a retry may sleep `delay`: within the client's own wait budget for the call
        and, within an API request, only when an attempt still fits after it."""
        left = request_time_left()
        if left is not None and delay + MIN_ATTEMPT_S > left:
            return False
        return self.max_wait_s is None or waited + delay <= self.max_wait_s

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _transport_failure(exc: requests.RequestException) -> errors.AnafUnavailable:
        if isinstance(exc, requests.Timeout):
            return errors.AnafUnavailable(f"ANAF did not answer in time ({type(exc).__name__})")
        return errors.AnafUnavailable(f"cannot reach ANAF ({type(exc).__name__})")

    def _status_failure(self, response: requests.Response
                        ) -> tuple[errors.AnafError, float | None]:
        status = response.status_code
        if status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"), self.clock.now())
            return errors.AnafRateLimited("ANAF: too many requests (HTTP 429)",
                                          retry_after=wait), wait
        body = response.content or b""
        if looks_like_html(body, response.headers.get("Content-Type", "")):
            failure = classify_html(body, status)
            if isinstance(failure, errors.AnafUnavailable):
                return failure, None
        return errors.AnafUnavailable(f"ANAF server error (HTTP {status})",
                                      http_status=status), None

    def _log(self, method: str, host: str, path: str, status: int | None, started: float,
             attempt: int, error_code: str | None) -> None:
        duration_ms = round((self.clock.monotonic() - started) * 1000, 1)
        fields = {"anaf_method": method, "anaf_host": host, "anaf_path": path,
                  "anaf_status": status, "anaf_duration_ms": duration_ms,
                  "anaf_attempt": attempt}
        if error_code:
            fields["anaf_error"] = error_code
        level = logger.warning if error_code or (status or 0) >= 500 or status == 429 \
            else logger.info
        level("ANAF call", extra=fields)

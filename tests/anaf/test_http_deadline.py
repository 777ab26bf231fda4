"""Within an API request, ANAF calls share one deadline on the monotonic clock: every attempt's
time-outs are shrunk to what is left, no attempt or retry sleep starts that cannot end before it,
reading a body stops at it too (requests has no total read time-out), and when the time is up
the call fails as ANAF being unavailable (the API answers 503 with Retry-After). Outside a
request (the workers) nothing changes.

A local HTTP server answers slowly (under the client's read time-out) so attempts really take
time; deadlines are a second or two, never the API's 20 s."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import responses
from urllib3.util import Timeout

from chalicelib.anaf import errors
from chalicelib.anaf.http import AnafHttp, RetryPolicy, Timeouts, request_deadline, request_time_left

URL = "https://api.example.test/prod/FCTEL/rest/listaMesajeFactura"


class LocalAnaf:
    """A stand-in for ANAF's list endpoint on a loopback port, answered by `handler`'s class."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/prod/FCTEL/rest/listaMesajeFactura"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SlowAnaf(LocalAnaf):
    """Answers every request after `delay_s` with `status`, and counts the requests it got.
    With `trickle_s`, the headers come at once and then the body one byte every `trickle_s`."""

    def __init__(self, delay_s: float, status: int, trickle_s: float | None = None) -> None:
        self.delay_s, self.status, self.hits, self.connections = delay_s, status, 0, 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as ANAF

            def setup(self) -> None:
                owner.connections += 1
                super().setup()

            def do_GET(self) -> None:
                owner.hits += 1
                time.sleep(owner.delay_s)
                body = b'{"mesaje": []}'
                try:
                    self.send_response(owner.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if trickle_s is None:
                        self.wfile.write(body)
                        return
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(trickle_s)
                except OSError:
                    pass  # the client gave up (its time-out) before the answer

            def log_message(self, *args: object) -> None:
                pass

        self._serve(Handler)


@pytest.fixture
def slow_anaf() -> Iterator[type[SlowAnaf]]:
    started: list[SlowAnaf] = []

    def start(delay_s: float, status: int = 200, trickle_s: float | None = None) -> SlowAnaf:
        server = SlowAnaf(delay_s, status, trickle_s)
        started.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in started:
        server.close()


@pytest.fixture
def real_http() -> Iterator[AnafHttp]:
    """The real clock, a read time-out far above the slow server's answer, many quick retries."""
    http = AnafHttp(timeouts=Timeouts(connect=2.0, read=5.0), jitter=lambda: 0.5,
                    retry=RetryPolicy(max_attempts=10, base_delay=0.05, max_delay=0.05))
    yield http
    http.close()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_an_answer_slower_than_the_deadline_fails_at_the_deadline(slow_anaf, real_http):
    # GIVEN ANAF answers after 3 s, well within the 5 s read time-out
    anaf = slow_anaf(3.0)
    # WHEN an API request with 1 s left calls it
    with request_deadline(1.0), pytest.raises(errors.AnafUnavailable):
        real_http.request("GET", anaf.url)
    # THEN the attempt was cut at the deadline and not retried: there was no time for another
    assert anaf.hits == 1


def test_a_body_trickled_byte_by_byte_stops_at_the_deadline(slow_anaf, real_http):
    # GIVEN ANAF sends its headers at once, then its 14-byte body a byte every 0.25 s (3.5 s in
    # all, each byte well within the 5 s read time-out)
    anaf = slow_anaf(0.0, trickle_s=0.25)
    # WHEN an API request with 1 s left calls it
    with request_deadline(1.0), pytest.raises(errors.AnafUnavailable):
        real_http.request("GET", anaf.url)
    # THEN the read stopped at the deadline and was not retried: there was no time for another
    assert anaf.hits == 1


def test_outside_a_request_a_trickled_body_is_read_to_its_end(slow_anaf, real_http):
    anaf = slow_anaf(0.0, trickle_s=0.05)
    assert real_http.request("GET", anaf.url).json() == {"mesaje": []}


def test_within_a_request_a_whole_body_is_read_and_the_connection_reused(slow_anaf, real_http):
    anaf = slow_anaf(0.0, trickle_s=0.01)
    with request_deadline(5.0):
        assert real_http.request("GET", anaf.url).json() == {"mesaje": []}
        assert real_http.request("GET", anaf.url).json() == {"mesaje": []}
    assert anaf.connections == 1


def test_slow_failing_attempts_stop_at_the_deadline_not_at_the_policy_s_last_attempt(slow_anaf, real_http):
    # GIVEN ANAF fails with 503 after 0.6 s each time, and a policy allowing 10 attempts
    anaf = slow_anaf(0.6, status=503)
    # WHEN an API request with 2 s left calls it
    with request_deadline(2.0), pytest.raises(errors.AnafUnavailable):
        real_http.request("GET", anaf.url)
    # THEN it gave up when the deadline came: at most the attempts that fit in 2 s
    assert 1 <= anaf.hits <= 4


def test_a_second_call_in_the_same_request_gets_only_what_is_left(slow_anaf, real_http):
    # GIVEN ANAF answers after 0.8 s
    anaf = slow_anaf(0.8)
    with request_deadline(1.5):
        # WHEN the request's first call (a token refresh, say) succeeds
        assert real_http.request("GET", anaf.url).status_code == 200
        # THEN its second call has under 0.8 s left and fails instead of answering late
        with pytest.raises(errors.AnafUnavailable):
            real_http.request("GET", anaf.url)


def test_the_time_outs_of_each_attempt_shrink_to_what_the_request_has_left(make_http, fake_clock, mocked):
    # GIVEN ANAF asks once to wait 6 s, then answers
    mocked.get(URL, status=429, headers={"Retry-After": "6"})
    mocked.get(URL, json={"mesaje": []})
    mocked.get(URL, json={"mesaje": []})
    http = make_http()  # connect 2 s, read 5 s
    with request_deadline(10.0, clock=fake_clock):
        http.request("GET", URL)
        assert request_time_left() == 4.0
        http.request("GET", URL)
    timeouts = [call.request.req_kwargs["timeout"] for call in mocked.calls]
    assert all(isinstance(timeout, Timeout) for timeout in timeouts)
    # THEN the first attempt had the whole 10 s for itself (its own 2 s + 5 s inside them),
    # the one after the 6 s wait 4 s, and the second call the same 4 s left (connect 2 s, read 4 s)
    assert [timeout.total for timeout in timeouts] == [10.0, 4.0, 4.0]
    assert [(timeout.connect_timeout, timeout.read_timeout) for timeout in timeouts] == [(2.0, 5.0), (2.0, 4.0),
                                                                                  (2.0, 4.0)]


def test_no_attempt_starts_once_the_request_s_time_is_up(make_http, fake_clock, mocked):
    mocked.get(URL, json={"mesaje": []})
    http = make_http()
    with request_deadline(1.0, clock=fake_clock):
        fake_clock.advance(1.0)  # the request spent its time elsewhere (DynamoDB, …)
        with pytest.raises(errors.AnafUnavailable):
            http.request("GET", URL)
    assert len(mocked.calls) == 0


def test_workers_keep_their_time_outs_and_wait_as_long_as_anaf_asks(make_http, fake_clock, slow_anaf, real_http,
                                                                    mocked):
    # GIVEN no API request around the call (a worker), ANAF answering after 1.2 s
    anaf = slow_anaf(1.2)
    mocked.add_passthru(anaf.url)
    # THEN the slow answer is waited for, as the 5 s read time-out allows
    assert real_http.request("GET", anaf.url).status_code == 200
    assert request_time_left() is None
    # AND a 15 s Retry-After is slept, with the client's own time-outs on every attempt
    mocked.get(URL, status=429, headers={"Retry-After": "15"})
    mocked.get(URL, json={"mesaje": []})
    assert make_http().request("GET", URL).status_code == 200
    assert fake_clock.sleeps == [15.0]
    assert [call.request.req_kwargs["timeout"] for call in mocked.calls[-2:]] == [(2.0, 5.0), (2.0, 5.0)]


class GzipNeverDecodingAnaf(LocalAnaf):
    """Answers with a gzip body that never decodes to a byte: the gzip header, then an empty
    deflate block (5 bytes) every 0.1 s for 4 s, then it closes (the body ends with the
    connection). Notes whether the client hung up before the end."""

    def __init__(self) -> None:
        self.hits, self.hung_up, self.answered = 0, False, threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                try:
                    self.wfile.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
                    for _ in range(40):
                        self.wfile.write(b"\x00\x00\x00\xff\xff")  # a stored block of no bytes
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    owner.hung_up = True
                finally:
                    owner.answered.set()

            def log_message(self, *args: object) -> None:
                pass

        self._serve(Handler)


def test_a_compressed_body_that_decodes_to_nothing_still_stops_at_the_deadline(real_http):
    # GIVEN ANAF trickles a gzip body whose bytes never decode to anything (urllib3's decoding
    # read goes on reading the socket until they do, past any check between reads)
    anaf = GzipNeverDecodingAnaf()
    try:
        # WHEN an API request with 1 s left calls it
        with request_deadline(1.0), pytest.raises(errors.AnafUnavailable):
            real_http.request("GET", anaf.url)
        # THEN the client hung up at the deadline, before ANAF's 4 s trickle ended
        assert anaf.hits == 1
        assert anaf.answered.wait(10)
        assert anaf.hung_up
    finally:
        anaf.close()


def test_within_a_request_a_gzip_body_is_decoded(real_http, mocked):
    mocked.get(URL, body=gzip.compress(b'{"mesaje": []}'), headers={"Content-Encoding": "gzip"},
               content_type="application/json")
    with request_deadline(5.0):
        assert real_http.request("GET", URL).json() == {"mesaje": []}


def test_within_a_request_the_body_read_is_what_iter_content_yields_too(slow_anaf, real_http):
    # requests' iter_content reads the socket again unless it knows the body was read already
    anaf = slow_anaf(0.0)
    with request_deadline(5.0):
        response = real_http.request("GET", anaf.url)
    assert b"".join(response.iter_content(4)) == b'{"mesaje": []}'

"""The local origin over HTTP: the same security headers as CloudFront, JSON API answers, and an
access log that never shows a credential carried in a URL."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from chalicelib.storage.blobs import upload_origin
from infra.http_policy import REDACTED, redact_request_target, security_headers
from local.environment import free_port
from local.stack import ROOT

SECRET = "s3cr3t-Valoare-123"


@pytest.mark.parametrize("path", ["/api/health", "/api/does-not-exist", "/api/companies",
                                  "/", "/documente", "/local/mail"])
def test_every_answer_carries_the_cloudfront_security_headers(base_url: str, settings, path: str) -> None:
    # GIVEN the local stack WHEN any page, API route or error is requested
    answer = requests.get(base_url + path, timeout=10, allow_redirects=False)
    # THEN it carries the header set of CloudFront's response headers policy
    for name, value in security_headers(upload_origin(settings)).items():
        assert answer.headers.get(name) == value, (path, name)


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/health", 200),
    ("GET", "/api/does-not-exist", 404),  # API Gateway's unknown route, mapped to JSON
    ("GET", "/api/companies", 401),  # no token
    ("POST", "/api/auth/login", 400),  # no body
    ("DELETE", "/api/health", 405),  # a method the route does not have (Chalice's own error)
])
def test_api_answers_are_json(base_url: str, method: str, path: str, status: int) -> None:
    answer = requests.request(method, base_url + path, timeout=10)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == "application/json"
    answer.json()  # and the body is JSON


def test_redaction_keeps_the_route_and_hides_the_credentials() -> None:
    assert redact_request_target(f"/api/anaf/link/{SECRET}") == f"/api/anaf/link/{REDACTED}"
    assert redact_request_target(f"/api/anaf/callback?code={SECRET}&state=x%2Fy") == (
        f"/api/anaf/callback?code={REDACTED}&state={REDACTED}")
    assert redact_request_target(f"/dezabonare?token={SECRET}&categorie=documente") == (
        f"/dezabonare?token={REDACTED}&categorie=documente")
    assert redact_request_target("/api/documents?cif=123&limit=5") == "/api/documents?cif=123&limit=5"
    assert redact_request_target("/api/anaf/link/") == "/api/anaf/link/"


def _wait_until_listening(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the web server exited"
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still importing the app (the first answer is slow)
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_access_log_never_shows_url_credentials(local_stack, tmp_path) -> None:
    # GIVEN the local web server as `make run` starts it, its log going to a file
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("w") as output:
        server = subprocess.Popen([sys.executable, "-m", "local.web_server", "--port", str(port)],
                                  cwd=ROOT, env={**local_stack.environment, "PYTHONUNBUFFERED": "1"},
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_listening(url + "/api/health", server)
        # WHEN the URLs that carry credentials are requested (valid or not, it does not matter)
        requests.get(f"{url}/api/anaf/link/{SECRET}", timeout=10, allow_redirects=False)
        requests.get(f"{url}/api/anaf/callback?code={SECRET}&state={SECRET}2", timeout=10,
                     allow_redirects=False)
        requests.get(f"{url}/api/anaf/callback?code=a%20{SECRET}5&state=b", timeout=10,
                     allow_redirects=False)  # a space must not end the redaction early
        requests.get(f"{url}/api/unsubscribe?token={SECRET}3", timeout=10, allow_redirects=False)
        requests.get(f"{url}/dezabonare?token={SECRET}4&categorie=documente", timeout=10)
        requests.get(f"{url}/api/health?after=marker", timeout=10)
        deadline = time.monotonic() + 30
        while "after=marker" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)  # the log line is written after the answer
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    # THEN every request is logged, with its route, and no secret appears
    assert "after=marker" in text
    assert f"/api/anaf/link/{REDACTED}" in text
    assert f"/api/anaf/callback?code={REDACTED}&state={REDACTED}" in text
    assert f"/api/unsubscribe?token={REDACTED}" in text
    assert f"/dezabonare?token={REDACTED}&categorie=documente" in text
    assert SECRET not in text
    assert text.count(f"/api/anaf/callback?code={REDACTED}&state={REDACTED}") == 2

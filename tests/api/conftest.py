"""API test helpers: real users (signed up, confirmed by the e-mailed code, logged in) talking
to the local stack over HTTP, and the sandbox's seeded companies."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local.mailbox import sent_mail
from tests.api.sandbox_admin import Sandbox

PASSWORD = "Parolă-Sigură-2026!"


def last_code(email: str) -> str:
    """The six-digit code of the newest e-mail sent to this address."""
    for mail in sent_mail():  # newest first
        if mail.to == email:
            match = re.search(r"\b(\d{6})\b", mail.subject)
            if match:
                return match.group(1)
    raise AssertionError(f"no code e-mailed to {email}")


@dataclass
class User:
    base_url: str
    email: str
    password: str = PASSWORD
    http: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.base_url}/api{path}", timeout=30, **kwargs)

    def log_in(self) -> User:
        answer = self.call("POST", "/auth/login", json={"email": self.email, "password": self.password})
        assert answer.status_code == 200, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        return self


def email_address(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@exemplu.ro"


def sign_up(base_url: str, email: str | None = None, password: str = PASSWORD) -> User:
    user = User(base_url, email or email_address(), password)
    terms = requests.get(f"{base_url}/api/terms", timeout=10).json()["version"]
    answer = user.call("POST", "/auth/signup", json={
        "email": user.email, "password": password, "accepted_terms_version": terms})
    assert answer.status_code == 201, answer.text
    answer = user.call("POST", "/auth/confirm", json={"email": user.email, "code": last_code(user.email)})
    assert answer.status_code == 200, answer.text
    return user.log_in()


@pytest.fixture
def new_user(base_url):
    return lambda email=None: sign_up(base_url, email)


@pytest.fixture(scope="session")
def seeded_companies(local_stack) -> list[dict]:
    """The sandbox world's companies (CIF, name, …) as its admin API lists them."""
    world = requests.get(f"{local_stack.ports.sandbox_url}/__sandbox/world", timeout=10).json()
    return world["companies"]


def new_company(sandbox_url: str, name: str | None = None) -> str:
    """The CIF of a company created in the sandbox for this test alone (ANAF's lookup knows it;
    no certificate covers it until `issue_certificate`)."""
    answer = requests.post(f"{sandbox_url}/__sandbox/companies", json={"name": name} if name else {}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["cif"]


@pytest.fixture(scope="module")
def sandbox(local_stack) -> Sandbox:
    """The sandbox's test controls (a module may define its own `sandbox`)."""
    return Sandbox(local_stack.ports.sandbox_url)


@pytest.fixture(scope="module")
def world(sandbox: Sandbox) -> dict:
    """The sandbox world (companies, partners, certificates) as the module starts."""
    return sandbox.admin("GET", "world")


@pytest.fixture
def fresh_cif(local_stack):
    """A CIF ANAF's lookup knows and no other test has registered."""
    return lambda: new_company(local_stack.ports.sandbox_url)


# -- ANAF's authorization page, played as a person would -----------------------------------

def at_anaf(url: str, serial: str | None, action: str = "login") -> str:
    """Play the person at ANAF's page: pick the certificate (or cancel); return the redirect."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "certificat" in page.text.lower()
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(url.split("?")[0], data={**params, "certificate": serial or "", "action": action},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return answer.headers["Location"]


def back_to_arhivar(callback: str, browser: requests.Session | None = None) -> dict[str, str]:
    """Follow ANAF's redirect to our callback in `browser` (the one that started the step:
    its cookie binds the step to it); return the query of where Arhivar sends the person."""
    answer = (browser or requests.Session()).get(callback, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    return {"path": urlsplit(location).path, **{k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}}


def authorize(user, cif: str, serial: str | None, action: str = "login") -> dict[str, str]:
    """The user's own browser starts the ANAF step, picks the certificate and comes back."""
    started = user.call("POST", f"/companies/{cif}/anaf/authorize")
    assert started.status_code == 200, started.text
    return back_to_arhivar(at_anaf(started.json()["authorization_url"], serial, action), user.http)


def issue_certificate(sandbox_url: str, cifs: list[str], holder: str = "Titular Test") -> str:
    """A new sandbox certificate whose holder has SPV rights on `cifs`; its serial."""
    answer = requests.post(f"{sandbox_url}/__sandbox/certificates", json={"holder": holder, "cifs": cifs},
                           timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["serial"]


def prove(user, cif: str, sandbox_url: str) -> dict[str, str]:
    """The user proves SPV rights on an added company with a certificate of their own."""
    result = authorize(user, cif, issue_certificate(sandbox_url, [cif]))
    assert result["anaf"] in ("connected", "proven"), result
    return result


def add_proven_company(user, cif: str, sandbox_url: str) -> dict:
    """Register a CIF and prove it: the user is its active owner, as after the real journey."""
    answer = user.call("POST", "/companies", json={"cif": cif})
    assert answer.status_code == 201, answer.text
    assert answer.json()["company"]["membership_state"] == "pending"
    prove(user, cif, sandbox_url)
    return user.call("GET", f"/companies/{cif}").json()["company"]


def connect_company(user, cif: str, sandbox_url: str, holder: str = "Titular Test") -> None:
    """Register a CIF and authorize it with a new certificate of the user's: the company is
    connected (Arhivar holds its ANAF token), ready to sync."""
    answer = user.call("POST", "/companies", json={"cif": cif})
    assert answer.status_code == 201, answer.text
    assert authorize(user, cif, issue_certificate(sandbox_url, [cif], holder))["anaf"] == "connected"


@pytest.fixture
def proven_company(local_stack):
    """add_proven_company(user, cif) against this test session's sandbox."""
    return lambda user, cif: add_proven_company(user, cif, local_stack.ports.sandbox_url)

"""A user with an ACTIVE (proven) company, reached as a person reaches it: sign up, add the
CIF, authorize it at the ANAF sandbox with a certificate that covers it. Optionally with one
real document, imported through the API from a ZIP the sandbox serves for that company."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from chalicelib import dependencies
from chalicelib.storage.models import CompanyModel
from tests.api.conftest import User, authorize, sign_up


@dataclass
class Proven:
    user: User
    cif: str
    sandbox_url: str

    def anaf_zip(self, message_id: str) -> bytes:
        """The ZIP ANAF serves for one of the company's messages (with the company's own token)."""
        token = dependencies.credential_vault().access_token(CompanyModel.get(self.cif).credential_id)
        answer = requests.get(f"{self.sandbox_url}/prod/FCTEL/rest/descarcare", params={"id": message_id},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/zip")
        return answer.content

    def sandbox_messages(self) -> list[dict]:
        """The company's messages ANAF still serves (the sandbox's admin view)."""
        messages = requests.get(f"{self.sandbox_url}/__sandbox/messages",
                                params={"cif": self.cif, "sha256": 0, "limit": 50}, timeout=30).json()["messages"]
        return [m for m in messages if m["downloadable"]]

    def import_one_document(self) -> str:
        """Import one of the company's ANAF messages through the API; its message id."""
        message = self.sandbox_messages()[0]
        answer = self.user.call("POST", f"/companies/{self.cif}/imports", data=self.anaf_zip(message["id"]),
                                headers={"Content-Type": "application/zip"})
        assert answer.status_code == 200, answer.text
        archived = [f for f in answer.json()["files"] if f["status"] in ("archived", "duplicate")]
        assert archived, answer.text
        return archived[0]["message_id"]


def proven_company(base_url: str, sandbox_url: str, pick: int = -1) -> Proven:
    """A new user whose company (a CIF of the all-seeing certificate) is active through ANAF."""
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    certificate = next(c for c in world["certificates"] if c["holder"].startswith("Rădulescu"))
    cif = certificate["cifs"][pick]
    user = sign_up(base_url)
    added = user.call("POST", "/companies", json={"cif": cif})
    assert added.status_code == 201, added.text
    assert authorize(user, cif, certificate["serial"])["anaf"] in ("connected", "proven")
    company = user.call("GET", f"/companies/{cif}")
    assert company.status_code == 200 and company.json()["company"]["membership_state"] == "active", company.text
    return Proven(user, cif, sandbox_url)

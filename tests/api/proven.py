"""A user with an ACTIVE (proven) company, reached as a person reaches it: sign up, add a new
CIF, authorize it at the ANAF sandbox with a certificate issued for it. Optionally with one
real document, imported through the API (presigned upload, import worker) from a ZIP the
sandbox serves for that company."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from tests.api.conftest import User, add_proven_company, new_company, sign_up
from tests.api.importing import anaf_zip, import_zip


def invite_and_accept(owner: User, invitee: User, cif: str, role: str) -> None:
    """The owner invites the invitee's address with `role` and the invitee's account accepts:
    the invitee is an active member (the way a colleague joins; tests of the invitation itself
    spell the steps out)."""
    invited = owner.call("POST", f"/companies/{cif}/members", json={"email": invitee.email, "role": role})
    assert invited.status_code == 201, invited.text
    accepted = invitee.call("POST", f"/invitations/{cif}/accept")
    assert accepted.status_code == 200, accepted.text


@dataclass
class Proven:
    user: User
    cif: str
    sandbox_url: str

    def invite_and_accept(self, invitee: User, role: str) -> None:
        """The company's owner brings `invitee` in as an active member with `role`."""
        invite_and_accept(self.user, invitee, self.cif, role)

    def anaf_zip(self, message_id: str) -> bytes:
        """The ZIP ANAF serves for one of the company's messages (with the company's own token)."""
        return anaf_zip(self.sandbox_url, self.cif, message_id)

    def sandbox_messages(self) -> list[dict]:
        """The company's messages ANAF still serves (the sandbox's admin view)."""
        messages = requests.get(f"{self.sandbox_url}/__sandbox/messages",
                                params={"cif": self.cif, "sha256": 0, "limit": 50}, timeout=30).json()["messages"]
        return [m for m in messages if m["downloadable"]]

    def import_one_document(self) -> str:
        """Import one of the company's ANAF messages through the API; its message id."""
        message = self.sandbox_messages()[0]
        job = import_zip(self.user, self.cif, self.anaf_zip(message["id"]))
        archived = [f for f in job["files"] if f["status"] in ("archived", "duplicate")]
        assert archived, job
        return archived[0]["message_id"]


def proven_company(base_url: str, sandbox_url: str) -> Proven:
    """A new user whose own new company is active through ANAF (a certificate issued for it),
    with two invoices at ANAF to import; no other test's company is touched."""
    cif = new_company(sandbox_url)
    user = sign_up(base_url)
    add_proven_company(user, cif, sandbox_url)
    world = requests.get(f"{sandbox_url}/__sandbox/world", timeout=10).json()
    seller = next(p["cif"] for p in world["partners"] if p["cif"] != cif)
    requests.post(f"{sandbox_url}/__sandbox/invoices", json={"kind": "invoice", "seller_cif": seller,
                                                             "buyer_cif": cif, "count": 2},
                  timeout=10).raise_for_status()
    company = user.call("GET", f"/companies/{cif}")
    assert company.status_code == 200 and company.json()["company"]["membership_state"] == "active", company.text
    return Proven(user, cif, sandbox_url)

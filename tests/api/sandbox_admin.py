"""The ANAF sandbox's test controls (/__sandbox/...) over HTTP, as the API tests drive them:
its world, its messages, new arrivals at a chosen time, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def admin(self, method: str, path: str, **kwargs):
        answer = requests.request(method, f"{self.url}/__sandbox/{path}", timeout=30, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def listable(self, cif: str, until: datetime) -> dict[str, str]:
        """message id -> sha256 of the ZIP ANAF serves, for the messages of the covered
        window (what a complete archive must hold). The window starts a few minutes inside
        ANAF's 60 days, so messages at the very edge are left out of the comparison."""
        earliest = datetime.now(UTC) - timedelta(days=60) + timedelta(minutes=12)
        messages = self.admin("GET", "messages", params={"cif": cif, "limit": 100000, "sha256": 1})["messages"]
        # Lists and downloads count ANAF's 60 days differently: a message can be listed but
        # no longer downloadable; nothing can archive those (the run counts them as lost).
        return {m["id"]: m["sha256"] for m in messages
                if m["listable"] and m["downloadable"] and earliest <= _created(m) <= until}

    def arrive(self, **spec) -> None:
        """New messages at ANAF, created two minutes ago (a sync lists up to 30 s ago); the
        sandbox clock is put back exactly as it was (other tests may have moved it)."""
        offset = self.admin("GET", "clock")["offset_s"]
        self.admin("POST", "clock", json={"advance_s": -120})
        try:
            self.admin("POST", "invoices", json=spec)
        finally:
            current = self.admin("GET", "clock")["offset_s"]
            self.admin("POST", "clock", json={"advance_s": offset - current})

    def invoices_to(self, cif: str, count: int = 1) -> str:
        """`count` new invoices (arrive) received by `cif` from one of the world's partners; its CIF."""
        seller = next(p["cif"] for p in self.admin("GET", "world")["partners"] if p["cif"] != cif)
        self.arrive(kind="invoice", seller_cif=seller, buyer_cif=cif, count=count)
        return seller

    def fault(self, **rule) -> None:
        self.admin("POST", "faults", json=rule)

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults")


def _created(message: dict) -> datetime:
    return datetime.fromtimestamp(message["created_ms"] / 1000, UTC)

"""One sandbox instance: configuration, clock, world, messages, limits, faults, tokens."""

from __future__ import annotations

import secrets
import threading

from .clock import SandboxClock
from .config import RegisteredClient, SandboxConfig
from .faults import Faults
from .limits import Limits
from .store import MessageStore
from .tokens import Tokens
from .world import Certificate, Company, build_world, extra_company


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock(config.start_time)
        self.world = build_world(config.seed, volume_cif=config.volume_cif if config.volume_messages else None)
        self.store = self._new_store()
        self.limits = Limits()
        self.faults = Faults()
        self.tokens = Tokens()
        self._lookup_lock = threading.Lock()
        self._lookup_last_call: dict[str, float] = {}
        # Certificates issued by the test controls (POST /__sandbox/certificates), kept across resets.
        self._issued: dict[str, Certificate] = {}
        self.created: list[Company] = []  # companies created through the test controls

    def _new_store(self) -> MessageStore:
        c = self.config
        # The history is laid out back from the clock's start, not from "now" at construction:
        # with a pinned start_time the same seed gives the same messages to the millisecond (and
        # so the same ZIP bytes, whose entries carry the times), however slow the start-up.
        return MessageStore(
            c.seed, self.world, int(self.clock.started_at * 1000), c.arrival_interval_s,
            c.volume_cif, c.volume_messages, c.processing_delay_s,
        )

    def client(self, client_id: str) -> RegisteredClient | None:
        return next((c for c in self.config.clients if c.client_id == client_id), None)

    def certificate(self, serial: str) -> Certificate | None:
        return self.world.certificate(serial) or self._issued.get(serial)

    def certificates(self) -> tuple[Certificate, ...]:
        """The seeded certificates, then those issued through the test controls."""
        return self.world.certificates + tuple(self._issued.values())

    def create_company(self, name_head: str | None = None) -> Company:
        """A new company ANAF's lookup knows (POST /__sandbox/companies): every test can have
        its own, however many tests run."""
        with self._lookup_lock:
            company = extra_company(self.world, len(self.created) + 1, name_head)
            self.world.add_company(company)
            self.created.append(company)
        return company

    def issue_certificate(self, holder: str, cifs: tuple[str, ...]) -> Certificate:
        """A new certificate whose holder has SPV rights on ``cifs`` (any CIFs, seeded or not)."""
        certificate = Certificate(f"{secrets.randbits(76):019X}", holder, cifs)
        self._issued[certificate.serial] = certificate
        self.store.enroll(cifs)
        return certificate

    def allow_lookup(self, client: str) -> bool:
        """Public lookup: at most one request per second per client (sandbox clock)."""
        now_s = self.clock.now_ts()
        with self._lookup_lock:
            last = self._lookup_last_call.get(client)
            # A clock moved back by the admin API must not lock the client out.
            if last is not None and 0 <= now_s - last < 1.0:
                return False
            self._lookup_last_call[client] = now_s
            return True

    def now_ms(self) -> int:
        """The sandbox time, after letting due arrivals and processed uploads in."""
        now = self.clock.now_ms()
        self.store.catch_up(now)
        return now

    def reset(self) -> None:
        """Back to the seeded state at the current (reset) clock; tokens stay valid."""
        self.clock.reset()
        self.faults.reset()
        self.limits.reset()
        self.tokens.reset()
        with self._lookup_lock:
            self._lookup_last_call.clear()
        self.store.reset()

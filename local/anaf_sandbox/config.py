"""Configuration of one sandbox instance (frozen: a config is a value, not state)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DEFAULT_CLIENT_ID = "arhivar-local"
DEFAULT_CLIENT_SECRET = "arhivar-local-sandbox-secret"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/api/anaf/callback"


@dataclass(frozen=True)
class RegisteredClient:
    """An OAuth application as registered in ANAF's "Gestionare aplicații" profile."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


def _default_clients() -> tuple[RegisteredClient, ...]:
    return (RegisteredClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, (DEFAULT_REDIRECT_URI,)),)


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes a sandbox world; one seed gives the same world every time.

    - ``arrival_interval_s``: a new seeded invoice arrives every this many seconds of the
      sandbox clock (``None``: no spontaneous arrivals).
    - ``volume_cif`` / ``volume_messages``: one company whose 60-day window holds this many
      messages, generated lazily from (seed, cif, index). A CIF that is not a seeded company
      is added as an extra company (it must pass the CIF check).
    - ``start_time``: the sandbox clock's reading at start-up (aware datetime; default: now).
    - ``processing_delay_s``: how long an upload stays "in prelucrare" (sandbox clock).
    """

    seed: int = 1
    clients: tuple[RegisteredClient, ...] = field(default_factory=_default_clients)
    arrival_interval_s: float | None = None
    volume_cif: str | None = None
    volume_messages: int = 0
    start_time: dt.datetime | None = None
    processing_delay_s: float = 0.0

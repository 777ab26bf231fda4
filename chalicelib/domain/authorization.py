"""A company's ANAF authorization as the dashboard shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

BUCHAREST = ZoneInfo("Europe/Bucharest")  # dates shown to people are Romanian dates
EXPIRING_WITHIN = timedelta(days=14)


class AuthorizationState(Enum):
    UNAUTHORIZED = "unauthorized"
    AUTHORIZED = "authorized"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NO_SPV_RIGHTS = "no_spv_rights"
    REVOKED = "revoked"


@dataclass(frozen=True)
class AuthorizationStatus:
    state: AuthorizationState
    until: datetime | None

    @property
    def label_ro(self) -> str:
        labels = {
            AuthorizationState.UNAUTHORIZED: "neautorizat",
            AuthorizationState.AUTHORIZED: "autorizat până la {}",
            AuthorizationState.EXPIRING: "expiră curând ({})",
            AuthorizationState.EXPIRED: "expirat",
            AuthorizationState.NO_SPV_RIGHTS: "fără drept SPV",
            AuthorizationState.REVOKED: "revocat",
        }
        until = self.until.astimezone(BUCHAREST).strftime("%d.%m.%Y") if self.until else ""
        return labels[self.state].format(until)


def authorization_status(stored: str | None, until: datetime | None, now: datetime) -> AuthorizationStatus:
    """The stored state, aged by the clock: an authorization runs out on its own."""
    state = AuthorizationState(stored or AuthorizationState.UNAUTHORIZED.value)
    if state in (AuthorizationState.AUTHORIZED, AuthorizationState.EXPIRING) and until is not None:
        if until <= now:
            state = AuthorizationState.EXPIRED
        elif until - now <= EXPIRING_WITHIN:
            state = AuthorizationState.EXPIRING
        else:
            state = AuthorizationState.AUTHORIZED
    return AuthorizationStatus(state, until)

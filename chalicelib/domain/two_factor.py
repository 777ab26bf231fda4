"""Two-factor login rules: recovery codes, the throttle of wrong codes, the authenticator link.

Pure functions only; services/two_factor.py applies them to the account and to Cognito.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from chalicelib.domain.errors import ArhivarError

ISSUER = "Arhivar"
RECOVERY_CODE_COUNT = 10
# 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 50 bits, shown as
# "xxxxx-xxxxx". Random codes of that strength need no slow hash: SHA-256 bound to the user.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
_TOTP_CODE = re.compile(r"^\d{6}$")

LOGIN_CHALLENGE_LIFETIME = timedelta(minutes=3)  # Cognito's session lasts about as long
MAX_CHALLENGE_ATTEMPTS = 5  # wrong codes for one sign-in before the password is asked again
MAX_FAILURES = 10  # wrong codes per account within FAILURE_WINDOW (all sign-ins and enrolments)
FAILURE_WINDOW = timedelta(minutes=15)


class TooManyAttempts(ArhivarError):
    code = "too_many_attempts"
    status = 429
    message_ro = ("Prea multe coduri greșite. Din motive de siguranță, încercați din nou "
                  "peste 15 minute.")


def new_recovery_codes() -> list[str]:
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.add(f"{raw[:5]}-{raw[5:]}")
    return sorted(codes)


def normalize_code(text: str) -> str:
    """What people type: spaces, dashes and capitals do not matter."""
    return re.sub(r"[\s-]", "", text or "").lower()


def is_totp_code(text: str) -> bool:
    return bool(_TOTP_CODE.match(normalize_code(text)))


def recovery_code_hash(user_id: str, code: str) -> str:
    return hashlib.sha256(f"recovery:{user_id}:{normalize_code(code)}".encode()).hexdigest()


def challenge_hash(token: str) -> str:
    return hashlib.sha256(f"login-challenge:{token}".encode()).hexdigest()


def authenticator_uri(email: str, secret: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code (Key Uri Format)."""
    label = quote(f"{ISSUER}:{email}", safe="@:")
    query = urlencode({"secret": secret, "issuer": ISSUER, "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


@dataclass(frozen=True)
class FailureWindow:
    """Wrong codes counted since `since`; the window starts again once FAILURE_WINDOW passed."""
    failures: int
    since: datetime | None

    def locked(self, now: datetime) -> bool:
        return self.since is not None and now - self.since < FAILURE_WINDOW and self.failures >= MAX_FAILURES

    def after_failure(self, now: datetime) -> FailureWindow:
        if self.since is None or now - self.since >= FAILURE_WINDOW:
            return FailureWindow(1, now)
        return FailureWindow(self.failures + 1, self.since)

"""TOTP codes for the tests, computed with pyotp the way an authenticator app does."""

from __future__ import annotations

import time

import pyotp

STEP_S = 30
MIN_LEFT_S = 3


def current_code(secret: str) -> str:
    """The app's code now, taken early enough in its 30-second step to still be valid when the
    server checks it (moto accepts only the current step): waits for the next step otherwise."""
    while STEP_S - time.time() % STEP_S < MIN_LEFT_S:
        time.sleep(0.05)
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """Six digits that are not the current code."""
    right = current_code(secret)
    return f"{(int(right) + 1) % 10**6:06d}"

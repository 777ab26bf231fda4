"""The password policy, declared once: Cognito enforces it, the UI explains it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True


PASSWORD_POLICY = PasswordPolicy()

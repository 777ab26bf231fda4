"""The password policy, declared once: Cognito enforces it, the API and the UI explain it."""

from __future__ import annotations

import string
from dataclasses import dataclass

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.romanian import counted


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True


PASSWORD_POLICY = PasswordPolicy()
MAX_PASSWORD_LENGTH = 256  # Cognito's limit
# Cognito's accepted special characters.
SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


class WeakPassword(ValidationFailed):
    code = "weak_password"
    message_ro = "Parola este prea slabă."


def password_problems(password: str, policy: PasswordPolicy = PASSWORD_POLICY) -> list[str]:
    """What a password lacks, in Romanian; empty when it satisfies the policy."""
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"cel puțin {counted(policy.min_length, 'caracter', 'caractere')}")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"cel mult {counted(MAX_PASSWORD_LENGTH, 'caracter', 'caractere')}")
    if policy.require_lowercase and not any(c in string.ascii_lowercase for c in password):
        problems.append("o literă mică")
    if policy.require_uppercase and not any(c in string.ascii_uppercase for c in password):
        problems.append("o literă mare")
    if policy.require_digits and not any(c in string.digits for c in password):  # Cognito: ASCII digits
        problems.append("o cifră")
    if policy.require_symbols and not any(c in SYMBOLS for c in password):
        problems.append("un simbol (de exemplu ! ? # @ %)")
    if password != password.strip():
        problems.append("fără spații la început sau la sfârșit")
    return problems


def check_password(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise WeakPassword("Parola trebuie să conțină " + ", ".join(problems) + ".",
                           details={"missing": problems})

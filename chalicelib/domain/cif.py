"""The Romanian fiscal code (CIF/CUI) of a company, validated by its control digit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.errors import ValidationFailed

_KEY = (7, 5, 3, 2, 1, 7, 5, 3, 2)
_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²".isdigit() and int("١٢٣") == 123 must not pass


class InvalidCif(ValidationFailed):
    code = "invalid_cif"
    message_ro = "CIF-ul nu este valid."


@dataclass(frozen=True, order=True)
class Cif:
    """Digits only, without "RO"; e.g. Cif("8486152")."""

    value: str

    def __post_init__(self) -> None:
        if not is_valid_cif(self.value):
            raise InvalidCif()

    @classmethod
    def parse(cls, text: str) -> Cif:
        """Accept what people type: "RO 8486152", "ro8486152", "8 486 152"."""
        cleaned = _SEPARATORS.sub("", text or "").upper().removeprefix("RO")
        if not cleaned:
            raise InvalidCif("Introduceți CIF-ul companiei (fără „RO”).")
        if not _DIGITS.fullmatch(cleaned):
            raise InvalidCif("CIF-ul poate conține doar cifre, eventual precedate de „RO”.")
        if not 2 <= len(cleaned) <= 10:
            raise InvalidCif("CIF-ul are între 2 și 10 cifre.")
        if not is_valid_cif(cleaned):
            raise InvalidCif("CIF-ul nu este valid: cifra de control nu corespunde. Verificați cifrele.")
        return cls(cleaned)

    def __str__(self) -> str:
        return self.value


def is_valid_cif(digits: str) -> bool:
    """The control-digit rule (ANAF): weights 753217532 over the zero-padded body."""
    if not isinstance(digits, str) or not _DIGITS.fullmatch(digits) or not 2 <= len(digits) <= 10:
        return False
    body, control = digits[:-1].zfill(9), int(digits[-1])
    remainder = sum(int(d) * k for d, k in zip(body, _KEY, strict=True)) * 10 % 11
    return (0 if remainder == 10 else remainder) == control

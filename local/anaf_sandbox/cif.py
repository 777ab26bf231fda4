"""Romanian CIF/CUI control-digit rule (API.md §5)."""

from __future__ import annotations

import random

_KEY = (7, 5, 3, 2, 1, 7, 5, 3, 2)


def control_digit(body: str) -> int:
    """Control digit for the CIF body (all digits but the last), padded to 9 digits."""
    padded = body.rjust(9, "0")
    total = sum(int(d) * k for d, k in zip(padded, _KEY, strict=True))
    r = total * 10 % 11
    return 0 if r == 10 else r


def is_valid_cif(value: str) -> bool:
    """True for a 2–10 digit CIF (optional RO prefix) whose last digit checks out."""
    text = str(value).strip().upper().removeprefix("RO").strip()
    if not text.isdigit() or not 2 <= len(text) <= 10:
        return False
    return control_digit(text[:-1]) == int(text[-1])


def make_cif(rng: random.Random, digits: int | None = None) -> str:
    """A random valid CIF of 6–9 digits (body drawn from ``rng``)."""
    n = digits or rng.choice((6, 7, 8, 8, 8, 9))
    body = str(rng.randrange(10 ** (n - 2), 10 ** (n - 1)))
    return body + str(control_digit(body))

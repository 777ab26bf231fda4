"""ANAF's call budgets (API.md §3): a sliding minute per OAuth client and daily counters.

Daily counters are keyed by the Romanian calendar day of the sandbox clock (ANAF's day
boundary is UNCONFIRMED; Romania local midnight is the sandbox choice). A refused call is
not counted (sandbox choice).
"""

from __future__ import annotations

import threading
from collections import deque

PER_MINUTE = 1000
DAILY = {
    "lista": 1500,  # listaMesajeFactura, per CIF
    "paginatie": 100_000,  # listaMesajePaginatieFactura, per CIF
    "descarcare": 10,  # per message (download id)
    "stare": 100,  # stareMesaj, per upload index
    "rasp": 1000,  # RASP uploads, per CIF
}


class Limits:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._minute: dict[str, deque[float]] = {}
        self._daily: dict[tuple[str, str, str], int] = {}

    def allow_call(self, key: str, now_s: float) -> bool:
        """Record one call of ``key``; False when it would be call 1001 within 60 s."""
        with self._lock:
            calls = self._minute.setdefault(key, deque())
            while calls and calls[0] <= now_s - 60:
                calls.popleft()
            if len(calls) >= PER_MINUTE:
                return False
            calls.append(now_s)
            return True

    def take(self, kind: str, key: str, day: str) -> bool:
        """Count one use of a daily budget; False (and not counted) when it is spent."""
        with self._lock:
            used = self._daily.get((kind, key, day), 0)
            if used >= DAILY[kind]:
                return False
            self._daily[(kind, key, day)] = used + 1
            return True

    def set_daily(self, kind: str, key: str, day: str, used: int) -> None:
        if kind not in DAILY:
            raise KeyError(kind)
        with self._lock:
            self._daily[(kind, key, day)] = used

    def fill_minute(self, key: str, now_s: float, used: int) -> None:
        with self._lock:
            self._minute[key] = deque([now_s] * min(used, PER_MINUTE))

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "daily": [
                    {"kind": k, "key": key, "day": day, "used": n, "limit": DAILY[k]}
                    for (k, key, day), n in sorted(self._daily.items())
                ],
                "per_minute": {key: len(v) for key, v in self._minute.items()},
            }

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._daily.clear()

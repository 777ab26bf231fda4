"""Injected failures: latency, 5xx, time-outs, corrupt/truncated ZIPs, WAF and maintenance pages.

A rule matches requests whose path starts with ``path`` (default: every ANAF path, never the
admin API) and fires either on the next ``count`` matching calls or with ``probability`` drawn
from its own ``random.Random(seed)``, so a seeded run fails the same calls every time.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field

KINDS = {"latency", "status", "timeout", "waf", "maintenance", "truncate_zip", "corrupt_zip"}
RESPONSE_KINDS = {"truncate_zip", "corrupt_zip"}

WAF_PAGE = (
    "<html><head><title>Request Rejected</title></head><body>"
    "The requested URL was rejected. Please consult with your administrator.<br><br>"
    "Your support ID is: {support_id}<br><br>"
    "<a href='javascript:history.back();'>[Go Back]</a></body></html>"
)
MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html lang=\"ro\"><head><meta charset=\"utf-8\"><title>Mentenanta sistem</title></head>"
    "<body><h1>Mentenanta sistem</h1><p>Ne cerem scuze pentru eventualele neplaceri. "
    "Serviciul va fi disponibil in curand.</p></body></html>"
)


@dataclass
class FaultRule:
    id: int
    kind: str
    path: str = "/"
    count: int | None = 1
    probability: float | None = None
    seed: int = 0
    status: int | None = None  # default per kind: status 503, waf/maintenance 200
    delay_ms: int = 0
    seconds: float = 30.0
    retry_after: int | None = None  # kind "status": the answer's Retry-After (seconds)
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_json(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "path": self.path, "count": self.count,
            "probability": self.probability, "seed": self.seed, "status": self.status,
            "delay_ms": self.delay_ms, "seconds": self.seconds, "retry_after": self.retry_after,
            "fired": self.fired,
        }


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self.cancel = threading.Event()  # set on reset/shutdown: ends injected time-outs

    def add(self, spec: dict) -> FaultRule:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        probability = spec.get("probability")
        rule = FaultRule(
            id=next(self._ids),
            kind=kind,
            path=spec.get("path", "/"),
            count=None if probability is not None else int(spec.get("count", 1)),
            probability=None if probability is None else float(probability),
            seed=int(spec.get("seed", 0)),
            status=None if spec.get("status") is None else int(spec["status"]),
            delay_ms=int(spec.get("delay_ms", 0)),
            seconds=float(spec.get("seconds", 30.0)),
            retry_after=None if spec.get("retry_after") is None else int(spec["retry_after"]),
        )
        rule._rng = random.Random(rule.seed)
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, path: str, response_phase: bool) -> list[FaultRule]:
        """The rules that fire for this call (consuming their counts)."""
        fired = []
        with self._lock:
            for rule in list(self._rules):
                if (rule.kind in RESPONSE_KINDS) != response_phase or not path.startswith(rule.path):
                    continue
                if rule.probability is not None:
                    if rule._rng.random() >= rule.probability:
                        continue
                else:
                    if rule.count is not None and rule.count <= 0:
                        continue
                    rule.count -= 1
                rule.fired += 1
                fired.append(rule)
                if rule.count == 0:
                    self._rules.remove(rule)
        return fired

    def list(self) -> list[dict]:
        with self._lock:
            return [r.as_json() for r in self._rules]

    def remove(self, rule_id: int | None = None) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]

    def reset(self) -> None:
        self.remove()
        self.cancel.set()
        self.cancel = threading.Event()


def corrupt(data: bytes, seed: int) -> bytes:
    """Flip bytes inside the first member's compressed data (CRC/inflate then fail)."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(8):
        pos = rng.randrange(40, max(41, len(out) // 2))
        out[pos] ^= 0xFF
    return bytes(out)


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]

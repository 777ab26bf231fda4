"""The integrity check's rules (pure): what each finding means, what a document's Object Lock
must say, how counters reconcile and where the archive's covered window has holes.

services/integrity.py gathers the facts (S3, DynamoDB) and asks these functions for verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

KINDS = ("received", "sent", "error", "buyer_message", "unknown")
GAPS_KEPT = 200

# Every finding's stable code and its explanation for the accountant (Romanian).
EXPLANATIONS: dict[str, str] = {
    "original_missing": "Originalul semnat (ZIP-ul primit de la ANAF) lipsește din arhivă.",
    "original_altered": "Amprenta SHA-256 a originalului nu mai este cea înregistrată la arhivare: "
                        "fișierul a fost modificat.",
    "original_size": "Dimensiunea originalului diferă de cea înregistrată la arhivare.",
    "no_original_recorded": "Documentul nu are înregistrată amprenta originalului.",
    "retention_missing": "Originalul nu are blocare Object Lock (păstrare garantată).",
    "retention_short": "Blocarea Object Lock a originalului expiră înainte de termenul legal de păstrare.",
    "retention_mode": "Modul de blocare Object Lock al originalului nu este cel configurat.",
    "xml_missing": "XML-ul extras din original lipsește din arhivă.",
    "signature_missing": "Semnătura Ministerului Finanțelor (fișierul semnătură) lipsește din arhivă.",
    "signature_changed": "Verificarea semnăturii MF dă acum alt rezultat decât cel înregistrat.",
    "counter_drift": "Numărul de documente afișat pentru companie diferă de documentele din arhivă.",
    "listing_gap": "Intervalul nu a fost listat la ANAF de nicio sincronizare reușită.",
    "messages_lost": "Mesaje listate la ANAF care nu au mai putut fi descărcate (depășiseră cele 60 de zile).",
}


@dataclass(frozen=True)
class Problem:
    code: str
    sk: str | None = None
    message_id: str | None = None
    number: str | None = None
    kind: str | None = None
    detail: str | None = None

    @property
    def explanation(self) -> str:
        return EXPLANATIONS[self.code]


def expected_retention(retain_until: datetime, archived_at: datetime | None, lock_days: int | None) -> datetime:
    """The earliest retain-until date an original may carry: the legal retention, or (dev, local)
    the stage's cap counted from the write, like storage/blobs.py sets it. A day's slack covers
    the seconds between the write and `archived_at`."""
    if lock_days is None or archived_at is None:
        return retain_until
    return min(retain_until, archived_at + timedelta(days=lock_days) - timedelta(days=1))


def retention_problem(mode: str | None, until: datetime | None, *, expected_mode: str,
                      expected_until: datetime) -> tuple[str, str] | None:
    """(code, detail) when the original's lock is not what the stage promises; None when it is."""
    if expected_mode == "NONE":
        return None
    if mode is None or until is None:
        return "retention_missing", "fără blocare"
    if mode != expected_mode:
        return "retention_mode", f"{mode}, așteptat {expected_mode}"
    if until < expected_until:
        return "retention_short", f"până la {until:%Y-%m-%d}, cel puțin {expected_until:%Y-%m-%d}"
    return None


def counter_drift(counters: Mapping[str, int], counted: Mapping[str, int]) -> list[Problem]:
    """The company's counters against the documents counted, total and per kind."""
    problems = []
    total = sum(int(counted.get(kind, 0)) for kind in KINDS)
    if int(counters.get("total", 0)) != total:
        problems.append(Problem("counter_drift", kind="total",
                                detail=f"afișat {int(counters.get('total', 0))}, în arhivă {total}"))
    for kind in KINDS:
        shown, real = int(counters.get(kind, 0)), int(counted.get(kind, 0))
        if shown != real:
            problems.append(Problem("counter_drift", kind=kind, detail=f"afișat {shown}, în arhivă {real}"))
    return problems


@dataclass(frozen=True)
class SyncWindow:
    """What one sync run records: the window it listed, its result, messages lost."""

    start: datetime
    end: datetime
    result: str | None
    lost: int
    started_at: str


@dataclass(frozen=True)
class Coverage:
    period_from: datetime | None
    period_to: datetime | None
    gaps: list[dict]  # {"kind": "not_listed", "from", "to"} or {"kind": "lost", "at", "count"}


LISTED_RESULTS = frozenset({"complete", "partial"})  # the window was listed at ANAF
MIN_GAP = timedelta(minutes=5)


def coverage(windows: Iterable[SyncWindow], covered_until: datetime | None) -> Coverage:
    """The period the sync runs listed and its holes, in one pass over runs sorted by start:
    memory stays bounded whatever the history (gaps capped at GAPS_KEPT)."""
    gaps: list[dict] = []
    period_from: datetime | None = None
    reach: datetime | None = None
    for window in windows:
        if window.lost:
            _keep(gaps, {"kind": "lost", "at": window.started_at.split("#")[0], "count": int(window.lost)})
        if window.result not in LISTED_RESULTS:
            continue
        start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
        if period_from is None:
            period_from, reach = start, end
            continue
        assert reach is not None
        if start - reach > MIN_GAP:
            _keep(gaps, {"kind": "not_listed", "from": reach.isoformat(), "to": start.isoformat()})
        reach = max(reach, end)
    period_to = reach
    if covered_until is not None and reach is not None:
        period_to = max(reach, covered_until.astimezone(UTC))
    return Coverage(period_from, period_to, gaps)


def _keep(gaps: list[dict], gap: dict) -> None:
    if len(gaps) < GAPS_KEPT:
        gaps.append(gap)


def gap_explanation(gap: Mapping[str, object]) -> str:
    if gap.get("kind") == "lost":
        return f"{EXPLANATIONS['messages_lost']} ({gap.get('count')} mesaje, la sincronizarea din {gap.get('at')})"
    return f"{EXPLANATIONS['listing_gap']} ({gap.get('from')} – {gap.get('to')})"

"""The large company: N messages in its 60-day window, derived lazily from (seed, cif, i).

Message ``i`` is a pure function of (seed, cif, i): its time is ``t0 + i*step + jitter(i)``
(strictly increasing in ``i``), its type follows a fixed 20-slot pattern, its partner and its
file come from ``random.Random(f"{seed}:{cif}:{i}")``. Counting and slicing a time window
with a type filter is arithmetic plus a binary search, so listing a page builds only the 500
messages on it and nothing is ever materialised for the other 99 500.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Sequence

from .messages import (
    DAY_MS,
    TIP_BUYER_MESSAGE,
    TIP_ERRORS,
    TIP_RECEIVED,
    TIP_SENT,
    Message,
    Upload,
    detalii_for,
    invoice_number,
)
from .world import World

_PATTERN = (TIP_RECEIVED,) * 12 + (TIP_SENT,) * 5 + (TIP_ERRORS,) * 2 + (TIP_BUYER_MESSAGE,)
_P = len(_PATTERN)
UPLOAD_BASE = 7_000_000_000
DOWNLOAD_BASE = 4_000_000_000


class _Times(Sequence[int]):
    """``time_of`` seen as a sorted sequence, so ``bisect`` can search it without a list."""

    def __init__(self, source: VolumeSource) -> None:
        self._source = source

    def __len__(self) -> int:
        return self._source.n

    def __getitem__(self, i):  # type: ignore[override]
        return self._source.time_of(i)


class VolumeSource:
    """Lazy messages of one CIF. Nothing per message is stored."""

    def __init__(self, seed: int, world: World, cif: str, count: int, end_ms: int) -> None:
        self.seed = seed
        self.world = world
        self.cif = cif
        self.n = count
        span = 59 * DAY_MS  # inside the 60-day window at start-up
        self.t0 = end_ms - span
        self.step = max(1, span // max(count, 1))

    # -- pure per-index functions ---------------------------------------------------------
    def time_of(self, i: int) -> int:
        jitter = (i * 2_654_435_761 + self.seed) % self.step
        return self.t0 + i * self.step + jitter

    def tip_of(self, i: int) -> str:
        return _PATTERN[i % _P]

    def owns(self, download_id: str) -> bool:
        return download_id.isdigit() and DOWNLOAD_BASE <= int(download_id) < DOWNLOAD_BASE + self.n

    def owns_upload(self, index: str) -> bool:
        return index.isdigit() and UPLOAD_BASE <= int(index) < UPLOAD_BASE + self.n

    def message(self, i: int) -> Message:
        rng = random.Random(f"{self.seed}:{self.cif}:{i}")
        partner = rng.choice(self.world.selling_partners)
        tip = self.tip_of(i)
        index = str(UPLOAD_BASE + i)
        if tip == TIP_RECEIVED:
            seller, buyer, kind = partner.cif, self.cif, "invoice"
        elif tip == TIP_BUYER_MESSAGE:
            seller, buyer, kind = partner.cif, self.cif, "rasp"
        else:
            seller, buyer, kind = self.cif, partner.cif, "error" if tip == TIP_ERRORS else "invoice"
        upload = Upload(
            index=index,
            cif=self.cif if tip != TIP_RECEIVED else partner.cif,
            kind=kind,
            seller_cif=seller,
            buyer_cif=buyer,
            created_ms=self.time_of(i),
            status="nok" if kind == "error" else "ok",
            download_id=str(DOWNLOAD_BASE + i),
            number=invoice_number(seller, i + 1, False),
            line_count=rng.randint(1, 5),
            errors=(("E: validari globale  SCHEMATRON   eroare: [BR-CO-15]-Invoice total amount with VAT "
                     "(BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110)."),),
            referenced_index=str(UPLOAD_BASE + max(0, i - 7)),
        )
        return Message(str(DOWNLOAD_BASE + i), index, self.cif, tip, detalii_for(upload, tip),
                       upload.created_ms, upload)

    def message_by_id(self, download_id: str) -> Message:
        return self.message(int(download_id) - DOWNLOAD_BASE)

    # -- windows -------------------------------------------------------------------------
    def _index_range(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Indices [a, b) whose time lies in [start_ms, end_ms] (binary search on time_of)."""
        times = _Times(self)
        return bisect_left(times, start_ms), bisect_left(times, end_ms + 1)

    @staticmethod
    def _slots(tips: set[str] | None) -> list[int]:
        return [r for r in range(_P) if tips is None or _PATTERN[r] in tips]

    @staticmethod
    def _count_below(x: int, slots: list[int]) -> int:
        """How many i in [0, x) have i % P in slots."""
        full, rest = divmod(x, _P)
        return full * len(slots) + sum(1 for r in slots if r < rest)

    def count(self, start_ms: int, end_ms: int, tips: set[str] | None) -> int:
        a, b = self._index_range(start_ms, end_ms)
        slots = self._slots(tips)
        return max(0, self._count_below(b, slots) - self._count_below(a, slots))

    def slice(self, start_ms: int, end_ms: int, tips: set[str] | None, offset: int, limit: int) -> list[Message]:
        """Messages number offset..offset+limit (in index order) of the filtered window."""
        a, b = self._index_range(start_ms, end_ms)
        slots = self._slots(tips)
        if not slots:
            return []
        target = self._count_below(a, slots) + offset  # rank among all matching indices
        full, k = divmod(target, len(slots))
        i = full * _P + slots[k]
        out: list[Message] = []
        while i < b and len(out) < limit:
            if i >= a and i % _P in slots:
                out.append(self.message(i))
            i += 1
        return out

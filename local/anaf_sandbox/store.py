"""Every upload and SPV message the sandbox knows, and the files it serves for them.

Thread-safe: one lock guards the indexes; files are rendered outside it (pure functions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass

from . import signing
from .clock import local, local_day
from .messages import (
    DAY_MS,
    Message,
    Traffic,
    Upload,
    messages_of,
    render_upload,
    seeded_history,
    uploader_message,
)
from .volume import VolumeSource
from .world import World

MAX_ARRIVALS_PER_CATCH_UP = 10_000  # a clock jump of months does not create millions


@dataclass(frozen=True)
class Window:
    """Messages of one CIF in a time window: ``count`` and a ``page(offset, limit)``."""

    count: int
    _volume: VolumeSource | None
    _static: list[Message]
    _volume_count: int
    _args: tuple

    def page(self, offset: int, limit: int) -> list[Message]:
        out: list[Message] = []
        if self._volume is not None and offset < self._volume_count:
            out = self._volume.slice(*self._args, offset, min(limit, self._volume_count - offset))
        rest = limit - len(out)
        if rest > 0:
            s_off = max(0, offset - self._volume_count)
            out += self._static[s_off : s_off + rest]
        return out


class MessageStore:
    def __init__(self, seed: int, world: World, now_ms: int, arrival_interval_s: float | None,
                 volume_cif: str | None, volume_messages: int, processing_delay_s: float) -> None:
        self.seed = seed
        self.world = world
        self._lock = threading.RLock()
        self._arrival_ms = int(arrival_interval_s * 1000) if arrival_interval_s else None
        self._configured_delay_ms = self._delay_ms = int(processing_delay_s * 1000)
        self._spv = {c.cif for c in world.companies}
        # CIFs enrolled by certificates the test controls issued: only uploads filed through the
        # admin API name them, so the seeded history and the arrivals stay the same bytes.
        self._enrolled: set[str] = set()
        self.volume = (
            VolumeSource(seed, world, volume_cif, volume_messages, now_ms)
            if volume_cif and volume_messages > 0 else None
        )
        self._start_ms = now_ms
        self._zip_cache: OrderedDict[str, bytes] = OrderedDict()
        self._load_seeded(now_ms)

    # -- state --------------------------------------------------------------------------
    def _load_seeded(self, now_ms: int) -> None:
        self._uploads: dict[str, Upload] = {}
        self._messages: dict[str, Message] = {}
        self._by_cif: dict[str, list[Message]] = {}
        self._pending: list[tuple[int, Upload]] = []  # (processed at, upload): the delay when filed
        self._traffic = Traffic(self.seed, self.world)
        rng = random.Random(f"{self.seed}:ids")
        self._next_download = 3_200_000_000 + rng.randint(0, 99_999)
        history = seeded_history(self.seed, self.world, self._traffic, now_ms)
        for up in history:
            self._register(up)
        self._next_index = int(history[-1].index) + 1 if history else 5_100_000_000
        self._arrivals_done = 0

    def reset(self) -> None:
        """Back to the seeded history (same times as at start-up); arrivals replay."""
        with self._lock:
            self._zip_cache.clear()
            self._delay_ms = self._configured_delay_ms
            self._load_seeded(self._start_ms)

    @property
    def processing_delay_s(self) -> float:
        return self._delay_ms / 1000

    def set_processing_delay(self, seconds: float) -> None:
        """How long uploads filed from now on stay "in prelucrare" (until the next reset)."""
        with self._lock:
            self._delay_ms = int(seconds * 1000)

    def _new_download_id(self) -> str:
        self._next_download += 1 + (self._next_download * 7919) % 13
        return str(self._next_download)

    def next_number(self, seller_cif: str, credit_note: bool) -> str:
        with self._lock:
            return self._traffic.next_number(seller_cif, credit_note)

    def new_index(self) -> str:
        with self._lock:
            self._next_index += 1 + (self._next_index * 104729) % 17
            return str(self._next_index)

    def _register(self, up: Upload, *, filed: bool = False) -> list[Message]:
        """Record an upload and its messages; `filed`: through the admin API (enrolled CIFs count)."""
        self._uploads[up.index] = up
        in_spv = (lambda cif: cif in self._spv or cif in self._enrolled) if filed else self._spv.__contains__
        produced = messages_of(up, in_spv, self._new_download_id)
        for m in produced:
            self._messages[m.id] = m
            self._by_cif.setdefault(m.cif, []).append(m)
            if m.cif == up.cif and up.download_id is None:
                up.download_id = m.id
        if filed and up.download_id is None and up.status in ("ok", "nok"):
            # ANAF's stareMesaj gives every processed upload an id_descarcare, also when the
            # filing CIF is neither party (an accountant filing under another CIF it has rights
            # on): the uploader downloads the original (or the errors) with it. The message is
            # the uploader's to download and is listed nowhere.
            own = uploader_message(up, self._new_download_id())
            self._messages[own.id] = own
            up.download_id = own.id
        return produced

    def enroll(self, cifs: tuple[str, ...]) -> None:
        """Companies a newly issued certificate has rights on are in SPV from now on: uploads
        that name them produce their messages."""
        with self._lock:
            self._enrolled.update(cifs)

    def add_upload(self, up: Upload) -> list[Message]:
        """File ``up`` now; its messages appear once processed (``processing_delay_s``)."""
        with self._lock:
            if up.status in ("ok", "nok") and self._delay_ms > 0:
                up.final_status, up.status = up.status, "in prelucrare"
                self._uploads[up.index] = up
                self._pending.append((up.created_ms + self._delay_ms, up))
                return []
            return self._register(up, filed=True)

    def catch_up(self, now_ms: int) -> None:
        """Finish processing due uploads and let due arrivals in (sandbox clock)."""
        with self._lock:
            due = [(at, u) for at, u in self._pending if at <= now_ms]
            for at, up in due:
                self._pending.remove((at, up))
                up.status = up.final_status
                up.created_ms = at
                self._register(up, filed=True)
            if self._arrival_ms is None:
                return
            target = (now_ms - self._start_ms) // self._arrival_ms
            if target - self._arrivals_done > MAX_ARRIVALS_PER_CATCH_UP:
                self._arrivals_done = target - MAX_ARRIVALS_PER_CATCH_UP
            while self._arrivals_done < target:
                self._arrivals_done += 1
                k = self._arrivals_done
                t = self._start_ms + k * self._arrival_ms
                rng = random.Random(f"{self.seed}:arrival:{k}")
                self._next_index += 1 + rng.randint(0, 40)
                self._register(self._traffic.draw(rng, t, str(self._next_index), with_errors=False))

    # -- queries ------------------------------------------------------------------------
    def upload(self, index: str) -> Upload | None:
        with self._lock:
            up = self._uploads.get(index)
        if up is None and self.volume is not None and self.volume.owns_upload(index):
            up = self.volume.message(int(index) - 7_000_000_000).upload
        return up

    def find_invoice(self, seller_cif: str, number: str, year: str) -> Upload | None:
        """An accepted invoice with this seller, number and issue year (duplicate check: ANAF
        compares the earlier invoice's issue year, not the year it was uploaded)."""
        with self._lock:
            for up in self._uploads.values():
                if (up.kind in ("invoice", "credit_note") and up.number == number
                        and up.seller_cif == seller_cif and "nok" not in (up.status, up.final_status)
                        and up.issue_year() == year):
                    return up
        return None

    def message(self, download_id: str) -> Message | None:
        with self._lock:
            m = self._messages.get(download_id)
        if m is None and self.volume is not None and self.volume.owns(download_id):
            m = self.volume.message_by_id(download_id)
        return m

    def window(self, cif: str, start_ms: int, end_ms: int, tips: set[str] | None) -> Window:
        with self._lock:
            static = [
                m for m in self._by_cif.get(cif, ())
                if start_ms <= m.created_ms <= end_ms and (tips is None or m.tip in tips)
            ]
        vol = self.volume if self.volume is not None and self.volume.cif == cif else None
        vcount = vol.count(start_ms, end_ms, tips) if vol else 0
        return Window(vcount + len(static), vol, static, vcount, (start_ms, end_ms, tips))

    def all_messages(self, cif: str, now_ms: int) -> Window:
        """Everything of ``cif`` created up to now (for the admin world view)."""
        return self.window(cif, 0, now_ms, None)

    # -- files --------------------------------------------------------------------------
    def content(self, m: Message) -> bytes:
        return render_upload(self.seed, m.upload, self.world.company)

    def zip_bytes(self, m: Message) -> bytes:
        with self._lock:
            cached = self._zip_cache.get(m.id)
        if cached is not None:
            return cached
        signature_first = hashlib.sha256(f"{self.seed}:{m.id}".encode()).digest()[0] % 2 == 1
        data = signing.download_zip(m.id_solicitare, self.content(m), local(m.created_ms / 1000), signature_first)
        with self._lock:
            self._zip_cache[m.id] = data
            while len(self._zip_cache) > 256:
                self._zip_cache.popitem(last=False)
        return data


def download_expired(m: Message, now_ms: int) -> bool:
    """Sandbox rule: downloadable until the local day 60 days after creation begins.

    ANAF measures the download window differently from the list window (a message can be
    listed but no longer downloadable); the exact rule is UNCONFIRMED. Here it is day-based
    (Romania calendar), while lists are exact to the millisecond.
    """
    created_day = local(m.created_ms / 1000).date()
    return local_day(now_ms / 1000) >= (created_day + dt.timedelta(days=60)).isoformat()


__all__ = ["DAY_MS", "MessageStore", "Window", "download_expired"]

"""The sandbox clock: real time plus an offset that tests move through the admin API."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

BUCHAREST = ZoneInfo("Europe/Bucharest")


class SandboxClock:
    """Time as the sandbox sees it. ``start_time`` pins the reading at construction."""

    def __init__(self, start_time: dt.datetime | None = None) -> None:
        self._lock = threading.Lock()
        real = time.time()
        self._base_offset = 0.0 if start_time is None else start_time.timestamp() - real
        self._offset = 0.0
        self.started_at = real + self._base_offset

    def now_ts(self) -> float:
        """Epoch seconds on the sandbox clock."""
        with self._lock:
            return time.time() + self._base_offset + self._offset

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now_ts(), tz=dt.UTC)

    def now_ms(self) -> int:
        return int(self.now_ts() * 1000)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._offset = when.timestamp() - time.time() - self._base_offset

    @property
    def offset_s(self) -> float:
        with self._lock:
            return self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def local(ts: float) -> dt.datetime:
    """Romania local time for epoch seconds."""
    return dt.datetime.fromtimestamp(ts, tz=BUCHAREST)


def data_creare(ts_ms: int) -> str:
    """ANAF's ``data_creare``: YYYYMMDDHHmm in Europe/Bucharest."""
    return local(ts_ms / 1000).strftime("%Y%m%d%H%M")


def ro_datetime(ts_ms: int) -> str:
    """DD-MM-YYYY HH:MM:SS in Romania time, as ANAF quotes times in list errors."""
    return local(ts_ms / 1000).strftime("%d-%m-%Y %H:%M:%S")


def local_day(ts: float) -> str:
    """The Romanian calendar day (daily quotas reset at local midnight: sandbox choice)."""
    return local(ts).strftime("%Y-%m-%d")

"""Romania's wall-clock time: what users see, and the days the filters and file names count."""

from __future__ import annotations

from zoneinfo import ZoneInfo

ROMANIA = ZoneInfo("Europe/Bucharest")

"""How fast the ANAF sandbox serves a 100 000-message listing and downloads, over loopback HTTP.

Run: .venv/bin/python bench/bench_sandbox.py
Prints messages/s for listing all 200 pages of listaMesajePaginatieFactura and ZIPs/s for
/descarcare (first downloads: invoice rendering + signing; then repeats: served from cache).
Stays under ANAF's 1000 calls/minute, which the sandbox enforces like ANAF.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local.anaf_sandbox import SandboxConfig
from local.anaf_sandbox.testing import running_sandbox

VOLUME_CIF = "14399840"
MESSAGES = 100_000
DOWNLOADS = 300
DAY_MS = 86_400_000


def main() -> None:
    config = SandboxConfig(seed=1, volume_cif=VOLUME_CIF, volume_messages=MESSAGES)
    with running_sandbox(config) as sb:
        cert = next(c for c in sb.certificates() if VOLUME_CIF in c["cifs"])
        session = requests.Session()
        session.headers.update(sb.bearer(cert["serial"]))
        now = sb.admin("GET", "clock")["now_ms"]
        params = {"startTime": now - 60 * DAY_MS + 60_000, "endTime": now - 1, "cif": VOLUME_CIF}

        t0 = time.perf_counter()
        ids: list[str] = []
        page, pages = 1, 1
        while page <= pages:
            body = session.get(f"{sb.api_url}/listaMesajePaginatieFactura", params=params | {"pagina": page},
                               timeout=60).json()
            pages = body["numar_total_pagini"]
            ids += [m["id"] for m in body["mesaje"]]
            page += 1
        list_s = time.perf_counter() - t0
        assert len(ids) == len(set(ids)) == MESSAGES, len(ids)
        print(f"listing: {MESSAGES} messages in {pages} pages, {list_s:.2f} s, "
              f"{MESSAGES / list_s:,.0f} messages/s, {pages / list_s:.1f} pages/s")

        sample = ids[:: MESSAGES // DOWNLOADS][:DOWNLOADS]
        for label, batch in (("first downloads (render + sign)", sample), ("repeat downloads (cached)", sample[:100])):
            t0 = time.perf_counter()
            size = 0
            for mid in batch:
                r = session.get(f"{sb.api_url}/descarcare", params={"id": mid}, timeout=60)
                assert r.headers["Content-Type"] == "application/zip", r.text[:200]
                size += len(r.content)
            dl_s = time.perf_counter() - t0
            print(f"{label}: {len(batch)} ZIPs in {dl_s:.2f} s, {len(batch) / dl_s:,.0f} ZIPs/s, "
                  f"{size / len(batch) / 1024:.1f} KiB average")


if __name__ == "__main__":
    main()

"""How fast the invoice PDF renderer is, warm, on one core: median / p95 time and peak memory.

Run: .venv/bin/python bench/bench_pdf.py   (or `make bench ONLY=pdf`)
Each invoice size (1, 20 and 200 lines, made by the ANAF sandbox's CIUS-RO generator) runs in
its own child process pinned to one CPU, like one warm Lambda: the first render (cold: fonts,
CSS, template) is reported apart, then the same invoice is rendered again and again from XML
(parse + HTML + layout + PDF). Peak memory is the child's maximum resident set size.
A second pass forces fontTools' subsetter (as on a host without libharfbuzz-subset).
Targets (issue 6): 1 page < 150 ms median, 200 lines < 2 s, memory < 300 MB.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = ((1, 40), (20, 20), (200, 6))  # (lines, timed renders)


def child(lines: int, rounds: int, fonttools: bool) -> dict:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from tests.pdf import factory  # after pinning

    xml = factory.xml(lines)
    import weasyprint.pdf.fonts

    if fonttools:
        weasyprint.pdf.fonts.harfbuzz_subset = None
    from chalicelib.invoices.pdf import RenderContext, render_invoice_xml

    context = RenderContext(upload_index="5012345678", message_id="3001234567", signature_status="valid")
    started = time.perf_counter()
    first = render_invoice_xml(xml, context)
    cold_ms = (time.perf_counter() - started) * 1000
    assert first.ok, first
    render_invoice_xml(xml, context)  # second warm-up
    wall, cpu = [], []
    for _ in range(rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        result = render_invoice_xml(xml, context)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert result.ok
    return {
        "lines": lines, "pages": first.pages, "pdf_kb": len(first.pdf) / 1024, "cold_ms": cold_ms,
        "wall": wall, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "fonttools")))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (on a busy machine wall time includes waiting "
          "for the CPU; CPU time is what one dedicated core takes)")
    for subsetter in ("harfbuzz", "fonttools"):
        note = " (as without libharfbuzz-subset)" if subsetter == "fonttools" else ""
        print(f"font subsetting: {subsetter}{note}")
        for lines, rounds in SIZES:
            out = subprocess.run([sys.executable, __file__, "--child", str(lines), str(rounds), subsetter],
                                 check=True, capture_output=True, text=True, cwd=ROOT).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"  {r['lines']:>3} lines, {r['pages']:>2} page(s), {r['pdf_kb']:.0f} KiB: "
                  f"median {statistics.median(r['wall']):.0f} ms, p95 {p95(r['wall']):.0f} ms "
                  f"(CPU median {statistics.median(r['cpu']):.0f} ms), first render {r['cold_ms']:.0f} ms, "
                  f"peak RSS {r['peak_mb']:.0f} MB, {len(r['wall'])} renders", flush=True)


if __name__ == "__main__":
    main()

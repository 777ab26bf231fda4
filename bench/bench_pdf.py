"""How fast the invoice PDF renderer is, warm, on one core: median / p95 time and peak memory.

Run: .venv/bin/python bench/bench_pdf.py   (or `make bench ONLY=pdf`)
Each invoice size (1, 20 and 200 lines, made by the ANAF sandbox's CIUS-RO generator) runs in
its own child process pinned to one CPU, like one warm Lambda: the first render (cold: fonts,
CSS, template) is reported apart, then the same invoice is rendered again and again from XML
(parse + HTML + layout + PDF). Peak memory is the child's maximum resident set size.
A second pass forces fontTools' subsetter (as on a host without libharfbuzz-subset).
Cold start (issue 14): COLD_STARTS fresh child processes each import the render function's
handler (functions/render_pdf/handler.py: its init phase builds the engine and renders the bundled
sample invoice) and then render one 1-line invoice, as the first message of a new Lambda
environment does; "init" is the import, "first render" the message. Target: first render < 500 ms.
A 15 000-line invoice shows the line cap (chalicelib/invoices/pdf/view.py MAX_LINES).
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
COLD_STARTS = 3
HUGE_LINES = 15_000


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


def cold_child() -> dict:
    """A new Lambda environment: import the handler (init phase), then render one message."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from tests.pdf import factory

    xml = factory.xml(1, number="ARH-COLD")
    w0, c0 = time.perf_counter(), time.process_time()
    import functions.render_pdf.handler  # noqa: F401  (the init phase)

    init_wall, init_cpu = time.perf_counter() - w0, time.process_time() - c0
    from chalicelib.invoices.pdf.renderer import render_invoice_xml
    from chalicelib.invoices.pdf.view import RenderContext

    w0, c0 = time.perf_counter(), time.process_time()
    result = render_invoice_xml(xml, RenderContext(upload_index="5012345678", message_id="3001234567"))
    assert result.ok, result
    return {"init_ms": init_wall * 1000, "init_cpu_ms": init_cpu * 1000,
            "first_ms": (time.perf_counter() - w0) * 1000, "first_cpu_ms": (time.process_time() - c0) * 1000}


def huge_child(lines: int) -> dict:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from tests.pdf import factory

    xml = factory.xml(lines)
    from chalicelib.invoices.pdf.renderer import render_invoice_xml, warm_up
    from chalicelib.invoices.pdf.view import RenderContext

    warm_up()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w0, c0 = time.perf_counter(), time.process_time()
    result = render_invoice_xml(xml, RenderContext(upload_index="5012345678", message_id="3001234567"))
    assert result.ok, result
    return {"lines": lines, "pages": result.pages, "xml_mb": len(xml) / 2**20,
            "wall_ms": (time.perf_counter() - w0) * 1000, "cpu_ms": (time.process_time() - c0) * 1000,
            "extra_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before}


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "fonttools")))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--child" and sys.argv[2] == "cold":
        print(json.dumps(cold_child()))
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--child" and sys.argv[2] == "huge":
        print(json.dumps(huge_child(int(sys.argv[3]))))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (on a busy machine wall time includes waiting "
          "for the CPU; CPU time is what one dedicated core takes)")
    colds = [run_child("cold") for _ in range(COLD_STARTS)]
    print(f"cold start, {COLD_STARTS} fresh processes (import the render handler, then render 1 line): "
          f"init median {statistics.median(c['init_ms'] for c in colds):.0f} ms "
          f"(CPU {statistics.median(c['init_cpu_ms'] for c in colds):.0f} ms), "
          f"first render median {statistics.median(c['first_ms'] for c in colds):.0f} ms "
          f"(CPU {statistics.median(c['first_cpu_ms'] for c in colds):.0f} ms), "
          f"max {max(c['first_ms'] for c in colds):.0f} ms", flush=True)
    huge = run_child("huge", str(HUGE_LINES))
    print(f"huge invoice: {huge['lines']} lines ({huge['xml_mb']:.1f} MiB of XML) -> {huge['pages']} pages "
          f"(line cap) in {huge['wall_ms']:.0f} ms (CPU {huge['cpu_ms']:.0f} ms), +{huge['extra_mb']:.0f} MB peak RSS",
          flush=True)
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

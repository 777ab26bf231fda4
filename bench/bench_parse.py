"""How fast the invoice layer reads what ANAF serves, on one core.

Run: .venv/bin/python bench/bench_parse.py   (or `make bench ONLY=parse`)
Prints, for ``parse_summary`` (the indexing path): invoices/second and the per-document
distribution (median, p95, max in µs) over typical invoices (the real ANAF examples in tests/fixtures/anaf plus a
few hundred generated in-process with the sandbox's own generator: 1-200 lines, ~15 % EUR,
~12 % with an embedded PDF), then over 200-line invoices; ``parse_invoice`` for comparison;
and ``open_anaf_zip`` + ``verify_signature`` per download ZIP. Figures only, no asserts.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.invoices.anaf_zip import open_anaf_zip  # noqa: E402
from chalicelib.invoices.signature import verify_signature  # noqa: E402
from chalicelib.invoices.trust import TrustedSigners  # noqa: E402
from chalicelib.invoices.ubl import parse_invoice, parse_summary  # noqa: E402
from local.anaf_sandbox import documents, signing, ubl  # noqa: E402
from local.anaf_sandbox.world import build_world  # noqa: E402
from tests.fixtures import ANAF_SAMPLES  # noqa: E402

TYPICAL = 400
LARGE = 40
ROUNDS = 5


def generated(count: int, seed: int, line_count: int | None = None) -> list[bytes]:
    world = build_world(seed)
    sellers = list(world.companies) + list(world.selling_partners)
    buyers = list(world.companies) + list(world.partners)
    out = []
    for i in range(count):
        rng = random.Random(f"bench:{seed}:{i}")
        seller, buyer = rng.choice(sellers), rng.choice(buyers)
        doc = documents.make_document(
            rng, seller=seller.party, buyer=buyer.party, number=f"BNC{i:05d}",
            issue_date=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300)),
            credit_note=rng.random() < 0.1, line_count=line_count,
        )
        out.append(ubl.render(doc))
    return out


def measure(label: str, items: list, call: Callable, rounds: int = ROUNDS) -> None:
    for item in items[:20]:  # warm-up
        call(item)
    timings: list[int] = []
    gc.disable()
    try:
        for _ in range(rounds):
            for item in items:
                started = time.perf_counter_ns()
                call(item)
                timings.append(time.perf_counter_ns() - started)
    finally:
        gc.enable()
    total_s = sum(timings) / 1e9
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"{label}: {len(timings) / total_s:,.0f}/s over {len(timings)} runs of {len(items)} documents; "
          f"median {statistics.median(timings) / 1000:,.0f} µs, p95 {p95 / 1000:,.0f} µs, "
          f"max {timings[-1] / 1000:,.0f} µs")


def main() -> None:
    samples = [p.read_bytes() for p in sorted(ANAF_SAMPLES.glob("anaf-example-*.xml"))]
    typical = samples + generated(TYPICAL, seed=1)
    large = generated(LARGE, seed=2, line_count=200)
    sizes = sorted(len(x) for x in typical)
    lines = sorted(parse_summary(x).line_count for x in typical)
    print(f"corpus: {len(typical)} typical invoices ({len(samples)} ANAF examples), median "
          f"{sizes[len(sizes) // 2] / 1024:.1f} KiB, median {lines[len(lines) // 2]} lines, max {lines[-1]}; "
          f"{len(large)} invoices of 200 lines, {len(large[0]) / 1024:.0f} KiB each")

    measure("parse_summary, typical", typical, parse_summary)
    measure("parse_summary, 200 lines", large, parse_summary)
    measure("parse_invoice, typical", typical, parse_invoice, rounds=2)
    measure("parse_invoice, 200 lines", large, parse_invoice, rounds=2)

    local_dt = dt.datetime(2026, 3, 1, 12, 0)  # noqa: DTZ001 - a ZIP header holds naive local time
    zips = [signing.download_zip(str(5_100_000_000 + i), xml, local_dt, signature_first=i % 2 == 1)
            for i, xml in enumerate(typical[:200])]
    sandbox_chain = TrustedSigners.from_pem(signing.chain_pem())

    def open_and_verify(content: bytes) -> None:
        opened = open_anaf_zip(content)
        check = verify_signature(opened.invoice_xml, opened.signature_xml, sandbox_chain)
        assert check.status == "valid", check

    measure("open_anaf_zip + verify_signature, sandbox ZIPs", zips, open_and_verify, rounds=2)

    mf = TrustedSigners.bundled()  # the MF certificates the code ships
    production = [p.read_bytes() for p in sorted(ANAF_SAMPLES.glob("prod-*.zip"))]

    def open_and_verify_production(content: bytes) -> None:
        opened = open_anaf_zip(content)
        assert verify_signature(opened.invoice_xml, opened.signature_xml, mf).status == "valid"

    measure("open_anaf_zip + verify_signature, production ZIPs", production, open_and_verify_production,
            rounds=200)
    measure("open_anaf_zip alone, sandbox ZIPs", zips, open_anaf_zip, rounds=3)


if __name__ == "__main__":
    main()

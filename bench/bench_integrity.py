"""The integrity check's cost: S3 requests and time per 1000 documents.

Run: .venv/bin/python bench/bench_integrity.py   (or `make bench ONLY=integrity`)

Starts moto + the bootstrap (bench/_local.py), archives BENCH_INTEGRITY_DOCUMENTS (default 1000)
sandbox-signed invoices through the real archiver, then runs one integrity check
(services/integrity.py) over them and prints, per 1000 documents: the S3 requests by operation
(counted on the archive client's botocore events), the DynamoDB calls, the check's wall time
(moto stands in for S3 and DynamoDB, so AWS-bound steps are slower than in AWS) and the peak of
Python allocations (tracemalloc), then the monthly S3 request cost at eu-central-1's prices.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _local  # sets fake AWS credentials before boto3 is imported

DOCUMENTS = int(os.environ.get("BENCH_INTEGRITY_DOCUMENTS", "1000"))
CIF = "14399840"
# S3 Standard request prices, eu-central-1 (USD): GET/HEAD per 1000, PUT/LIST per 1000.
GET_PER_1000 = 0.00043
PUT_PER_1000 = 0.0054


def archive_documents(count: int) -> None:
    from chalicelib import dependencies
    from chalicelib.anaf.models import AnafMessage, MessageKind
    from chalicelib.storage.models import CompanyModel
    from local.anaf_sandbox import documents, signing, ubl
    from local.anaf_sandbox.world import build_world

    CompanyModel(cif=CIF, name="Bench Integritate SRL", created_at=datetime.now(UTC)).save()
    world = build_world(1)
    sellers = list(world.selling_partners)
    buyer = next(iter(world.companies)).party
    archiver = dependencies.archiver()
    local_dt = dt.datetime(2026, 3, 1, 12, 0)  # noqa: DTZ001 - a ZIP header holds naive local time
    start = datetime.now(UTC) - timedelta(days=59)
    for i in range(count):
        rng = random.Random(f"bench-integrity:{i}")
        upload_index = str(5_200_000_000 + i)
        xml = ubl.render(documents.make_document(rng, seller=rng.choice(sellers).party, buyer=buyer,
                                                 number=f"INT{i:05d}", issue_date=dt.date(2026, 1, 5)))
        content = signing.download_zip(upload_index, xml, local_dt, signature_first=False)
        message = AnafMessage(id=str(4_200_000_000 + i), upload_index=upload_index, cif=CIF,
                              created_at=start + timedelta(minutes=i), kind=MessageKind.RECEIVED,
                              details="bench", tip="FACTURA PRIMITA")
        archiver.archive(CIF, message, content)


def main() -> None:
    with _local.moto_only():
        from chalicelib import dependencies
        from chalicelib.services import integrity
        from chalicelib.storage import integrity as runs

        t0 = time.perf_counter()
        archive_documents(DOCUMENTS)
        print(f"archived {DOCUMENTS} documents in {time.perf_counter() - t0:.1f} s (set-up)")

        calls: Counter[str] = Counter()
        archive = dependencies.archive()
        # The archive bucket's own client: every request the check makes to S3 goes through it.
        archive._s3.meta.events.register("before-call.s3.*", lambda model, **_: calls.update([f"S3 {model.name}"]))
        run = runs.create(CIF, "manual", None, datetime.now(UTC))
        check = integrity.IntegrityCheck(dependencies.settings(), archive, dependencies.trusted_signers(),
                                         dependencies.work_queues(), dependencies.now, lambda: 900.0)
        tracemalloc.start()
        t0 = time.perf_counter()
        status = check.run(CIF, run.run_id)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        done = runs.get(CIF, run.run_id)
        assert done is not None
        per_1000 = 1000 / DOCUMENTS
        print(f"check: {status}, {int(done.checked)} documents, {int(done.problem_count)} problems, "
              f"{elapsed:.1f} s ({elapsed * per_1000:.1f} s per 1000 documents on moto), "
              f"peak Python allocations {peak / 2**20:.1f} MiB")
        gets = heads = puts = 0
        for name, n in sorted(calls.items()):
            print(f"  {name}: {n} ({n * per_1000:.0f} per 1000 documents)")
            if name == "S3 GetObject":
                gets += n
            elif name == "S3 HeadObject":
                heads += n
            elif name in ("S3 PutObject", "S3 CreateMultipartUpload", "S3 UploadPart",
                          "S3 CompleteMultipartUpload"):
                puts += n
        cost = ((gets + heads) * GET_PER_1000 / 1000 + puts * PUT_PER_1000 / 1000) * per_1000
        print(f"per 1000 documents: {gets * per_1000:.0f} GET, {heads * per_1000:.0f} HEAD, "
              f"{puts * per_1000:.0f} PUT; S3 requests ${cost:.5f} a month (eu-central-1: "
              f"GET/HEAD ${GET_PER_1000}/1000, PUT ${PUT_PER_1000}/1000)")

        # The report's PDF, as the render worker makes it (the first PDF_DOCUMENTS_LISTED
        # documents listed; the JSON report holds them all).
        from chalicelib.invoices.pdf.integrity_report import PDF_DOCUMENTS_LISTED
        from chalicelib.services.invoice_pdfs import render_integrity_report

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        outcome = render_integrity_report(CIF, run.run_id, archive=archive)
        elapsed = time.perf_counter() - t0
        rendered = runs.get(CIF, run.run_id)
        size = len(archive.get(rendered.report_pdf_key)) if rendered and rendered.report_pdf_key else 0
        print(f"report PDF: {outcome}, {min(DOCUMENTS, PDF_DOCUMENTS_LISTED)} documents listed, "
              f"{size / 1024:.0f} KiB, {elapsed:.1f} s, peak RSS grew by "
              f"{(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

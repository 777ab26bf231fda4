"""The AWS cost per company-month, from measured sizes and calls and eu-central-1 list prices.

Run: .venv/bin/python bench/bench_cost.py   (or `make bench ONLY=cost`); a computation, no stack.

Method (every input below is a measured figure or a stated assumption):
- A company's month = the runs its licence makes (Free 30, Standard 720, Pro 2 880), the
  messages it archives (200 invoices by default, BENCH_COST_INVOICES) and what they cost to
  keep: steady state, when the archive holds 10.5 years (126 months) of such months, a month's
  storage bill is 126 months × one month's documents, i.e. what one month's documents cost over
  their whole retention.
- DynamoDB bytes and write units per document: measured here from the documents bench's items
  (bench_documents.document_items: item + a copy per index, each copy holding what its
  projection names, 100 bytes of overhead each), with the list's indexes as they are and as
  whole-item copies (before issue 14). A document is written in one transaction (2× units) and
  updated about twice (PDF status, counters): an update rewrites the item, and an index copy
  only when a projected attribute changes (none of the list's projections holds pdf_status).
- S3: 34 KiB stored per message (original ZIP + XML + signature + PDF, measured in issue 14),
  3 PUTs for the sync, 1 for the PDF, a GET of the XML for the render; Object Lock keeps every
  version, and nothing is overwritten, so versions add nothing.
- Calls per archived message (bench/bench_sync.py after issue 14's cuts): 2.07 DynamoDB reads
  (the upload holder), 1.09 writes (the message claim, the download mark with the live
  progress) and 0.54 budget counter updates (blocks of 5 calls), one KMS Decrypt per run (not
  per message), 2.1 SQS requests (render requests ten to a send, then received and deleted).
  Lambda: 0.1 s per message in the sync worker (1 024 MB), the PDF render 0.3 s of one vCPU
  (1 769 MB; bench_pdf: 1 line ~0.12 s, 20 lines ~0.3 s of CPU), an empty run 0.3 s (list
  call to ANAF, 1 024 MB) + the dispatcher's share (negligible).
- E-mail: Standard one digest a day, Pro one per run that found documents (assumed 100 a
  month), Free none. CloudFront: 20 page loads a month × 300 KB.
Prices (USD, eu-central-1, on-demand list prices; € = 0.92 $): below, in PRICES.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_documents import BIG_CIF, document_items, document_storage

INVOICES = int(os.environ.get("BENCH_COST_INVOICES", "200"))
EUR_PER_USD = 0.92
RETENTION_MONTHS = 126  # 10 years from the end of the year of issue, on average 10.5
PRICES = {
    "lambda_gb_s": 0.0000166667, "lambda_request": 0.20 / 1e6,
    "dynamodb_write_unit": 0.7625 / 1e6, "dynamodb_read_unit": 0.1525 / 1e6, "dynamodb_gb_month": 0.306,
    "s3_gb_month": 0.0245, "s3_put": 0.0054 / 1000, "s3_get": 0.00043 / 1000,
    "sqs_request": 0.40 / 1e6, "kms_request": 0.03 / 10_000, "ses_mail": 0.10 / 1000, "cloudfront_gb": 0.085,
}
S3_BYTES_PER_MESSAGE = 34 * 1024
RUNS = {"free": 30, "standard": 720, "pro": 2880}
MAILS = {"free": 0, "standard": 30, "pro": 100}
GIB = 1024 ** 3


def month_cost(licence: str, dynamodb: dict[str, float], *, whole_indexes: bool = False) -> dict[str, float]:
    p = PRICES
    n, runs = INVOICES, RUNS[licence]
    doc_bytes = dynamodb["bytes_whole" if whole_indexes else "bytes"]
    first_write = dynamodb["write_units_whole" if whole_indexes else "write_units"]
    base_units = 2.0  # an update rewrites the item (~1-2 KB)
    update_units = base_units + (first_write - base_units if whole_indexes else 0.0)  # whole copies are rewritten
    writes = n * (2 * first_write + 2 * update_units) + n * (1.09 + 0.54)  # + claim, mark, budget
    reads = n * 2.07 * 0.5 + runs * 2 * 0.5  # the upload holder + each run's company and lease reads
    lambda_gb_s = n * (0.1 * 1.0 + 0.3 * 1.769) + runs * 0.3 * 1.0
    return {
        "Lambda": lambda_gb_s * p["lambda_gb_s"] + (runs + 2 * n) * p["lambda_request"],
        "DynamoDB requests": writes * p["dynamodb_write_unit"] + reads * p["dynamodb_read_unit"],
        "DynamoDB storage": n * doc_bytes / GIB * p["dynamodb_gb_month"] * RETENTION_MONTHS,
        "S3 requests": n * 4 * p["s3_put"] + n * p["s3_get"],
        "S3 storage": n * S3_BYTES_PER_MESSAGE / GIB * p["s3_gb_month"] * RETENTION_MONTHS,
        "SQS + KMS": (n * 2.1 + runs * 3) * p["sqs_request"] + runs * p["kms_request"],
        "SES + CloudFront": MAILS[licence] * p["ses_mail"] + 20 * 300_000 / 1e9 * p["cloudfront_gb"],
    }


def main() -> None:
    dynamodb = document_storage(document_items(BIG_CIF, 2000, random.Random(1)))
    print(f"DynamoDB per document (measured on 2 000 bench documents): {dynamodb['bytes'] / 1024:.2f} KiB, "
          f"{dynamodb['write_units']:.1f} write units per first write (whole-item list indexes: "
          f"{dynamodb['bytes_whole'] / 1024:.2f} KiB, {dynamodb['write_units_whole']:.1f})")
    print(f"cost per company-month with {INVOICES} invoices, storage for {RETENTION_MONTHS} months, "
          f"eu-central-1 ($ → € at {EUR_PER_USD}):")
    for licence in ("free", "standard", "pro"):
        parts = month_cost(licence, dynamodb)
        before = sum(month_cost(licence, dynamodb, whole_indexes=True).values())
        total = sum(parts.values())
        detail = ", ".join(f"{name} ${value:.4f}" for name, value in parts.items())
        print(f"  {licence:9} ${total:.4f} = €{total * EUR_PER_USD:.4f} (whole-item list indexes: ${before:.4f}); "
              f"{detail}", flush=True)


if __name__ == "__main__":
    main()

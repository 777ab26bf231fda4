"""Once after deploying the review of received invoices: every received document archived
before reviews existed gets "de verificat" and its key in the `by_review` index, so the
Documents page's "De verificat" filter lists it. Safe to repeat (reviewed documents are left
alone; a second run changes nothing). Runs against the deployment the environment describes
(the ARHIVAR_* variables, as the API's Lambda has them):

    python -m scripts.backfill_reviews
"""

from __future__ import annotations

from chalicelib import dependencies
from chalicelib.services import reviews
from chalicelib.storage.documents import DocumentRepository


def main() -> None:
    changed = reviews.backfill(DocumentRepository(dependencies.settings()))
    print(f"{changed} received documents now await review")


if __name__ == "__main__":
    main()

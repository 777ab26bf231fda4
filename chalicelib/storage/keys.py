"""The archive bucket's key layout, in one place.

Keys are built only from values the archive itself decided (a CIF the user proved, ANAF's
message id or the signed upload index, a generated id), never from a file name or a body field.
"""

from __future__ import annotations

from datetime import UTC, datetime


def original(cif: str, created_at: datetime, message_id: str) -> str:
    """ANAF's signed ZIP, byte for byte (under Object Lock)."""
    return f"originals/{cif}/{created_at.astimezone(UTC):%Y/%m}/{message_id}.zip"


def _document_prefix(cif: str, message_id: str) -> str:
    return f"documents/{cif}/{message_id}"


def invoice_xml(cif: str, message_id: str) -> str:
    return f"{_document_prefix(cif, message_id)}/invoice.xml"


def signature_xml(cif: str, message_id: str) -> str:
    return f"{_document_prefix(cif, message_id)}/signature.xml"


def invoice_pdf(cif: str, message_id: str) -> str:
    return f"{_document_prefix(cif, message_id)}/invoice.pdf"


def export(export_id: str, extension: str) -> str:
    return f"exports/{export_id}.{extension}"


IMPORT_UPLOADS_PREFIX = "imports/"
IMPORT_UPLOADS_EXPIRE_DAYS = 2  # the bucket's lifecycle rule (infra, local/bootstrap.py)


def import_upload(cif: str, import_id: str) -> str:
    """An SPV import's upload ("Importă arhive SPV"): the server picks it, never the file name;
    the bucket's lifecycle rule deletes it after two days."""
    return f"{IMPORT_UPLOADS_PREFIX}{cif}/{import_id}.zip"


def _integrity_prefix(cif: str, run_id: str) -> str:
    return f"reports/integrity/{cif}/{run_id}"


def integrity_part(cif: str, run_id: str, part: int) -> str:
    """One slice of an integrity run's per-document results (JSON lines), written as it goes."""
    return f"{_integrity_prefix(cif, run_id)}/parts/{part:06d}.jsonl"


def integrity_report(cif: str, run_id: str, extension: str) -> str:
    """The finished integrity report: "json" (machine-readable) or "pdf" (for the inspector)."""
    return f"{_integrity_prefix(cif, run_id)}/report.{extension}"


def customer_delivery(prefix: str, path: str) -> str:
    """A document's file in a company's own bucket: the prefix the company chose (validated,
    domain/s3_delivery.py) and the readable path the ZIP export uses (domain/file_names.py)."""
    return f"{prefix}{path}"


def customer_delivery_check(prefix: str, token: str) -> str:
    """The small object "Verifică" writes and deletes in a company's own bucket."""
    return f"{prefix}.arhivar-verificare-{token}.txt"

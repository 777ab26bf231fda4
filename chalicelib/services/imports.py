""""Importă arhive SPV": ZIPs a user downloaded by hand from SPV (older than ANAF's 60 days),
one ANAF ZIP or a ZIP of them. Each is checked, signature-verified, de-duplicated against
the archive (by upload index and kind) and archived like a synced message.

The upload is hostile: the outer ZIP's members are counted and read with size caps (a member
that inflates past its cap is refused), and names are only reported, never used as paths.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import NotAllowed, PayloadTooLarge, ValidationFailed
from chalicelib.domain.memberships import Role, can_administer
from chalicelib.invoices.anaf_zip import check_upload
from chalicelib.invoices.errors import InvoiceLayerError
from chalicelib.services import memberships
from chalicelib.services.archiver import Archived, Archiver
from chalicelib.services.renders import queue_renders
from chalicelib.storage.queues import WorkQueues

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # API Gateway and Lambda limit request bodies
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024


CONFLICT = ("Arhiva conține deja alt original, cu semnătura MF verificată, al acestei încărcări; "
            "fișierul nu a fost păstrat.")
REPLACED = ("Originalul verificat a înlocuit o copie cu semnătura MF invalidă importată anterior "
            "(copia rămâne în arhivă, ascunsă).")


class NotAZip(ValidationFailed):
    code = "import_not_a_zip"
    message_ro = "Fișierul nu este o arhivă ZIP descărcată din SPV."


@dataclass(frozen=True)
class ImportedFile:
    name: str
    status: str  # archived | duplicate | rejected
    reason: str | None = None
    message_id: str | None = None
    kind: str | None = None


def import_spv_archive(user_id: str, cif: str, upload: bytes, archiver: Archiver,
                       now: datetime, queues: WorkQueues) -> list[ImportedFile]:
    membership = memberships.require_active(user_id, cif)
    if not can_administer(Role(membership.role)):
        raise NotAllowed()
    if len(upload) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"Arhiva depășește {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: "
                              "împărțiți-o în mai multe arhive.")
    # Every member is read once up front: a damaged, encrypted or oddly compressed one refuses
    # the whole upload (400 import_invalid_zip) before anything is archived.
    check_upload(upload, member_cap=MAX_MEMBER_BYTES, total_cap=MAX_TOTAL_BYTES)
    archived: list[Archived] = []
    try:
        return [_import_one(cif, name, content, archiver, now, archived) for name, content in _anaf_zips(upload)]
    finally:  # what was archived gets its PDF even when a later file failed the request
        queue_renders(queues, cif, archived)


def _anaf_zips(upload: bytes) -> list[tuple[str, bytes]]:
    """The ANAF ZIPs in the upload: the upload itself, or the .zip members of a ZIP (each
    readable: check_upload has read them all)."""
    try:
        outer = zipfile.ZipFile(io.BytesIO(upload))
    except zipfile.BadZipFile as error:
        raise NotAZip() from error
    infos = [i for i in outer.infolist() if not i.is_dir()]
    if not any(i.filename.lower().endswith(".zip") for i in infos):
        return [("arhiva.zip", upload)]  # a single ANAF ZIP: its checks happen in the archiver
    if len(infos) > MAX_MEMBERS:
        raise ValidationFailed(f"Arhiva conține peste {MAX_MEMBERS} fișiere: împărțiți-o.")
    found: list[tuple[str, bytes]] = []
    total = 0
    for info in infos:
        if not info.filename.lower().endswith(".zip"):
            continue
        with outer.open(info) as member:
            content = member.read(MAX_MEMBER_BYTES + 1)
        total += len(content)
        if len(content) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise ValidationFailed("Arhiva conține fișiere prea mari pentru o factură e-Factura.")
        found.append((info.filename, content))
    return found


def _shown(name: str) -> str:
    """The member's name as reported back (never used as a path or an id)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1][:200]


def _import_one(cif: str, name: str, content: bytes, archiver: Archiver, now: datetime,
                done: list[Archived]) -> ImportedFile:
    shown = _shown(name)
    try:
        archived = archiver.archive_import(cif, content, now)
    except InvoiceLayerError as error:
        return ImportedFile(shown, "rejected", reason=error.message_ro)
    done.append(archived)
    status = "archived" if archived.new else "duplicate"
    reason = (CONFLICT if archived.conflict else REPLACED if archived.replaced else None)
    return ImportedFile(shown, status, reason=reason, message_id=archived.sk.rsplit("#", 1)[-1],
                        kind=archived.kind)

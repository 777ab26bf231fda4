"""Typed values the ANAF client returns. Parsed once at the edge; trusted afterwards."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class MessageKind(enum.Enum):
    """What a list entry is, from ANAF's `tip`."""

    RECEIVED = "FACTURA PRIMITA"
    SENT = "FACTURA TRIMISA"
    ERROR = "ERORI FACTURA"
    BUYER_MESSAGE = "MESAJ CUMPARATOR"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def from_tip(cls, tip: str) -> MessageKind:
        normal = " ".join(tip.upper().split())
        if normal.startswith("MESAJ CUMPARATOR"):
            return cls.BUYER_MESSAGE
        for kind in (cls.RECEIVED, cls.SENT, cls.ERROR):
            if normal == kind.value:
                return kind
        return cls.UNKNOWN


class MessageFilter(enum.Enum):
    """The `filtru` parameter of the list endpoints."""

    ERRORS = "E"
    SENT = "T"
    RECEIVED = "P"
    BUYER_MESSAGES = "R"


class UploadStandard(enum.Enum):
    UBL = "UBL"
    CREDIT_NOTE = "CN"
    CII = "CII"
    BUYER_MESSAGE = "RASP"


class MessageState(enum.Enum):
    """`stare` from stareMesaj."""

    OK = "ok"
    NOK = "nok"
    REJECTED = "XML cu erori nepreluat de sistem"
    PROCESSING = "in prelucrare"


@dataclass(frozen=True)
class AnafMessage:
    id: str                 # download id (`id`), for /descarcare
    upload_index: str       # `id_solicitare` (the original index_incarcare)
    cif: str                # CIF for which the item is downloadable
    created_at: datetime    # aware, Europe/Bucharest
    kind: MessageKind
    details: str            # `detalii`, free text
    tip: str                # ANAF's raw `tip`, kept for kinds we do not know yet


@dataclass(frozen=True)
class MessagePage:
    messages: tuple[AnafMessage, ...]
    page: int                   # the page we asked for (1-based)
    total_pages: int
    total_records: int
    holder_cifs: tuple[str, ...]
    serial: str | None


@dataclass(frozen=True)
class MessageListing:
    messages: tuple[AnafMessage, ...]
    holder_cifs: tuple[str, ...]    # every CIF/CNP the certificate holder has SPV rights on
    serial: str | None              # certificate serial


@dataclass(frozen=True)
class DownloadedZip:
    message_id: str
    content: bytes = field(repr=False)
    sha256: str
    member_names: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class MessageStatus:
    upload_index: str
    state: MessageState
    download_id: str | None


@dataclass(frozen=True)
class UploadReceipt:
    upload_index: str
    response_date: datetime | None


@dataclass(frozen=True)
class TokenPair:
    """An OAuth access + refresh token pair. The tokens never appear in repr()/logs."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    serial: str | None          # certificate serial from the JWT, when present
    token_type: str = "Bearer"
    obtained_at: datetime | None = None


@dataclass(frozen=True)
class CompanyRecord:
    """One company from the public PlatitorTvaRest v9 lookup."""

    cif: str
    name: str
    address: str
    registration_number: str       # nrRegCom
    registration_status: str       # stare_inregistrare
    vat_payer: bool                # scpTVA
    vat_on_collection: bool        # statusTvaIncasare
    efactura_registered: bool      # statusRO_e_Factura
    inactive: bool                 # statusInactivi
    radiated: bool                 # dataRadiere present
    raw: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class LookupResult:
    found: tuple[CompanyRecord, ...]
    not_found: tuple[str, ...]

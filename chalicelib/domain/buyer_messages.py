"""A buyer's message to the supplier of a received invoice, sent through ANAF (standard RASP).

The RASP file is one element (docs/anaf/API.md §2.2):

    <header xmlns="mfp:anaf:dgti:spv:reqMesaj:v1" index_incarcare="<the invoice's upload index>"
            message="<the text>"/>

Its life: sent (ANAF gave an upload index) → in processing → accepted (stareMesaj `ok`) or
refused (the upload answer's error, `nok` or `XML cu erori nepreluat de sistem`).
"""

from __future__ import annotations

import enum

from lxml import etree

from chalicelib.domain.errors import ValidationFailed

RASP_NAMESPACE = "mfp:anaf:dgti:spv:reqMesaj:v1"
# ANAF publishes no limit for the text; the sandbox takes anything. A page of text is plenty for
# a message to a supplier and keeps the file far under the 10 MB upload limit.
MIN_TEXT = 3
MAX_TEXT = 2000


class State(enum.Enum):
    SENT = "sent"  # uploaded; ANAF has not been asked yet
    PROCESSING = "processing"  # stareMesaj: in prelucrare
    ACCEPTED = "accepted"  # stareMesaj: ok
    REFUSED = "refused"  # refused at upload, nok, or XML cu erori nepreluat de sistem

    @property
    def pending(self) -> bool:
        return self in (State.SENT, State.PROCESSING)


LABELS = {
    State.SENT: "trimis",
    State.PROCESSING: "în prelucrare",
    State.ACCEPTED: "acceptat de ANAF",
    State.REFUSED: "respins de ANAF",
}


def label(state: State, anaf_error: str | None) -> str:
    """The state as the UI shows it; a refusal quotes ANAF's own words."""
    if state is State.REFUSED and anaf_error:
        return f"{LABELS[state]}: {anaf_error}"
    return LABELS[state]


class InvalidMessageText(ValidationFailed):
    code = "invalid_message_text"
    message_ro = f"Mesajul trebuie să aibă între {MIN_TEXT} și {MAX_TEXT} de caractere."


def clean_text(text: str) -> str:
    """The message as it will be sent: trimmed, line ends unified, without control characters
    XML cannot carry; refused when too short or too long."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any((ord(ch) < 32 and ch not in "\n\t") or ch in "\ufffe\uffff" for ch in unified):
        raise InvalidMessageText("Mesajul conține caractere care nu pot fi trimise (caractere de control).",
                                 details={"field": "text"})
    if not MIN_TEXT <= len(unified) <= MAX_TEXT:
        raise InvalidMessageText(details={"field": "text", "min": MIN_TEXT, "max": MAX_TEXT,
                                          "length": len(unified)})
    return unified


def rasp_xml(invoice_upload_index: str, text: str) -> bytes:
    """The RASP file for a message about the invoice ANAF indexed as `invoice_upload_index`."""
    if not invoice_upload_index.isdigit():
        raise ValueError("an ANAF upload index is a number")
    root = etree.Element(etree.QName(RASP_NAMESPACE, "header"), nsmap={None: RASP_NAMESPACE})
    root.set("index_incarcare", invoice_upload_index)
    root.set("message", text)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))

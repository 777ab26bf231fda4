"""The one hardened lxml parser of the invoice layer.

Everything parsed here comes from outside (ANAF, sellers): no DTD is loaded, no entity is
resolved, nothing is fetched, libxml2's default safety limits stay on (``huge_tree=False``:
depth 256, 10 MB text nodes), and any document that declares a DOCTYPE at all is refused,
which rules out XXE, external DTDs and entity expansion ("billion laughs") outright.
"""

from __future__ import annotations

import codecs
import threading

from lxml import etree

from chalicelib.invoices.errors import UnsafeXml

MAX_XML_BYTES = 16 * 1024 * 1024  # ANAF accepts uploads up to 10 MB; the ZIP member cap is 15 MB

_DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
)
_local = threading.local()


def _new_parser(keep_comments: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
        remove_comments=not keep_comments,
        remove_pis=not keep_comments,
    )


def hardened_parser(*, keep_comments: bool = False) -> etree.XMLParser:
    """This thread's parser (lxml parsers must not be shared between threads)."""
    key = "with_comments" if keep_comments else "plain"
    parser = getattr(_local, key, None)
    if parser is None:
        parser = _new_parser(keep_comments)
        setattr(_local, key, parser)
    return parser


def _declares_doctype(data: bytes) -> bool:
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        return True
    # UTF-32 is never used by ANAF; refuse rather than scan it
    return data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES, keep_comments: bool = False) -> etree._Element:
    """The root element of ``data``; raises ``UnsafeXml`` (empty, too_large, doctype, malformed)."""
    if not data or not data.strip():
        raise UnsafeXml("empty", "the XML document is empty")
    if len(data) > max_bytes:
        raise UnsafeXml("too_large", f"{len(data)} bytes exceeds the {max_bytes}-byte limit")
    if _declares_doctype(data):
        raise UnsafeXml("doctype", "documents with a DOCTYPE (DTD, entities) are refused")
    try:
        root = etree.fromstring(data, hardened_parser(keep_comments=keep_comments))
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml("malformed", f"not well-formed XML: {exc}") from None
    except ValueError as exc:  # e.g. unsupported encoding declaration
        raise UnsafeXml("malformed", f"unreadable XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXml("doctype", "documents with a DOCTYPE (DTD, entities) are refused")
    return root


def root_name(data: bytes) -> tuple[str, str]:
    """(namespace, local name) of the root element, reading only up to its start tag."""
    if not data or len(data) > MAX_XML_BYTES:
        raise UnsafeXml("too_large" if data else "empty", "cannot read the root element")
    if _declares_doctype(data):
        raise UnsafeXml("doctype", "documents with a DOCTYPE (DTD, entities) are refused")
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        for offset in range(0, len(data), 4096):
            parser.feed(data[offset : offset + 4096])
            for _event, element in parser.read_events():
                qname = etree.QName(element)
                return qname.namespace or "", qname.localname
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml("malformed", f"not well-formed XML: {exc}") from None
    raise UnsafeXml("malformed", "no root element")

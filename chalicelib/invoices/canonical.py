"""XML canonicalisation (C14N 1.0 and exclusive C14N) as XMLDSig verification needs it."""

from __future__ import annotations

import copy

from lxml import etree

EXC_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"


def canonicalize_element(el: etree._Element, exclusive: bool, with_comments: bool,
                         inclusive_prefixes: list[str] | None = None) -> bytes:
    """C14N 1.0 / exclusive C14N of the subtree ``el`` as it sits in its document.

    lxml 6.1 / libxml2 2.14 emit a spurious ``xmlns=""`` when canonicalising a non-root
    element in place, so the subtree is rebuilt as the root of its own document, carrying
    every namespace in scope at ``el`` (which is what inclusive C14N renders on the apex;
    exclusive C14N keeps only the visibly used ones and ``inclusive_prefixes``).
    """
    clone = etree.Element(el.tag, attrib=dict(el.attrib), nsmap=el.nsmap)
    clone.text = el.text
    for child in el:
        clone.append(copy.deepcopy(child))
    clone.tail = None
    return etree.tostring(clone, method="c14n", exclusive=exclusive, with_comments=with_comments,
                          inclusive_ns_prefixes=inclusive_prefixes or None)


def canonicalize_document(root: etree._Element, exclusive: bool, with_comments: bool,
                          inclusive_prefixes: list[str] | None = None) -> bytes:
    return etree.tostring(root.getroottree(), method="c14n", exclusive=exclusive, with_comments=with_comments,
                          inclusive_ns_prefixes=inclusive_prefixes or None)


def inclusive_namespace_prefixes(method: etree._Element) -> list[str] | None:
    el = method.find(f"{{{EXC_NS}}}InclusiveNamespaces")
    if el is None:
        return None
    return [p if p != "#default" else "" for p in (el.get("PrefixList") or "").split()]


def remove_keeping_tail(el: etree._Element) -> None:
    """Drop an element but not the text that follows it (the enveloped-signature transform)."""
    parent = el.getparent()
    if parent is None:
        raise ValueError("the root element cannot be removed")
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)

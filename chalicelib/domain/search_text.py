"""Text as the Documents page compares it: folded (lower case, no diacritics, single spaces),
and the listing fields the archiver stores on each document for the filters and the search."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any


def fold(text: str | None) -> str:
    """Lower case, no diacritics (ș/ş/ț/ţ/ă/â/î too), single spaces: what search compares."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def fold_number(number: str | None) -> str:
    """An invoice number as the prefix index stores it: folded, without spaces."""
    return fold(number).replace(" ", "")


def clean_cif(text: str) -> str | None:
    """The digits of a CIF typed as "RO 123", "ro123", "123"; None if it is not one."""
    compact = re.sub(r"[\s.\-]", "", text).upper().removeprefix("RO")
    return compact if re.fullmatch(r"[0-9]{2,10}", compact) else None


def listing_fields(*, cif: str, kind: str, sk: str, number: str | None, partner_name: str | None,
                   partner_cif: str | None, line_names: list[str] | None,
                   total: str | None) -> dict[str, Any]:
    """The attributes the filters' indexes and searches read."""
    partner = fold(f"{partner_name or ''} {partner_cif or ''}")
    words = [partner, fold(number), *(fold(name) for name in (line_names or []))]
    values: dict[str, Any] = {
        "cif_kind": f"{cif}#{kind}",
        "partner_text": partner or None,
        "search_text": " | ".join(w for w in words if w)[:4000] or None,
        "number_sk": f"{fold_number(number)}#{sk}" if number else None,
        # pynamodb writes numbers through json: a float's shortest repr is the same decimal text
        # for amounts of up to 15 digits, and DynamoDB compares it as an exact decimal.
        "amount": float(Decimal(total)) if total else None,
    }
    return values

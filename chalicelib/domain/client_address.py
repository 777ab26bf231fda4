"""Who is on the other end of a request, for rate limits: one rule for the Chalice API and the
public viewer's own function (functions/public_viewer, which must not load chalicelib/api)."""

from __future__ import annotations


def client_address(forwarded_for: str, source_ip: str) -> str:
    """Behind CloudFront the API sees CloudFront's address; CloudFront appends the viewer's
    address to X-Forwarded-For, so the last entry is the one a client cannot choose. Without
    the header (a direct call), the connection's address."""
    return forwarded_for.rsplit(",", 1)[-1].strip() or source_ip

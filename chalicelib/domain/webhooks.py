"""Signed webhooks: the rules (pure).

- Which events an endpoint may subscribe to, and which kinds of archived document.
- Which URLs are acceptable when an endpoint is saved (the address check at send time is
  chalicelib/webhooks/transport.py: a name may resolve elsewhere later).
- Event ids: derived from the identity of what happened (the upload of an archived document,
  the credential and day of an expiry...), so a retry, or a second door archiving the same
  upload, gives the same `webhook-id` and the receiver can de-duplicate.
- The retry schedule: exponential back-off over more than a day, then the delivery fails; an
  endpoint failing for a day is disabled.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import urlsplit

from chalicelib.domain.errors import ValidationFailed


class EventType(Enum):
    DOCUMENT_ARCHIVED = "document.archived"
    AUTHORIZATION_EXPIRING = "authorization.expiring"
    AUTHORIZATION_EXPIRED = "authorization.expired"
    SYNC_FAILED = "sync.failed"
    ARCHIVE_GAP_WARNING = "archive.gap_warning"
    EXPORT_READY = "export.ready"


EVENT_TYPES = tuple(e.value for e in EventType)
DOCUMENT_KINDS = ("received", "sent", "error", "buyer_message")
TEST_EVENT = "webhook.test"  # "Trimite un eveniment de test": never subscribed to, always sent

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 bytes, base64 after the prefix
ROTATION_OVERLAP = timedelta(hours=24)  # the old secret keeps signing beside the new one

MAX_URL_LENGTH = 2000
MAX_ENDPOINTS_PER_COMPANY = 10

# Back-off: 30 s, 2 min, 8 min, 32 min, ~2 h, then every 8 h; the first attempt that fails
# 24 h or more after the first one is the last (about nine attempts over ~27 h).
FIRST_RETRY = timedelta(seconds=30)
BACKOFF_FACTOR = 4
LONGEST_WAIT = timedelta(hours=8)
GIVE_UP_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(hours=24)  # an endpoint with no success for this long is disabled
# Each wait is varied by up to this share either way, so the deliveries that failed together
# (an endpoint down for a while) do not all come back at the same second.
JITTER_SHARE = 0.2


class InvalidWebhookUrl(ValidationFailed):
    code = "invalid_webhook_url"
    message_ro = "Adresa webhook-ului trebuie să fie un URL https:// public, fără utilizator sau parolă."


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_url(url: str, *, allow_local: bool) -> str:
    """The endpoint's URL as stored, or InvalidWebhookUrl. https only, unless the deployment
    allows local targets (the local stage: http and loopback receivers)."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidWebhookUrl()
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        raise InvalidWebhookUrl()
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as error:
        raise InvalidWebhookUrl() from error
    host = parts.hostname.rstrip(".").lower()
    if (host == "localhost" or host.endswith((".localhost", ".internal"))) and not allow_local:
        raise InvalidWebhookUrl()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not address_allowed(address, allow_loopback=allow_local):
        raise InvalidWebhookUrl()
    return url


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052, the well-known prefix
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, local-use translation


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool) -> bool:
    """Whether a webhook may be sent to this address: public unicast only (no private,
    link-local, including the 169.254.169.254 metadata service, carrier-grade NAT, multicast or
    reserved ranges); loopback only where the deployment allows local targets."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        # An IPv4 address inside an IPv6 one reaches that IPv4 address (a VPC's NAT gateway does
        # NAT64): it is the one to judge.
        embedded = address.ipv4_mapped or address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if embedded is not None:
            address = embedded
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast


def event_id(event_type: str, identity: str) -> str:
    """The `webhook-id` of an event: the same for the same thing happening, whoever reports it."""
    digest = hashlib.sha256(f"{event_type}\x00{identity}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def wants(events: set[str], kinds: set[str] | None, event_type: str, kind: str | None) -> bool:
    """Whether an endpoint subscribed to this event (and, for archived documents, this kind)."""
    if event_type == TEST_EVENT:
        return True
    if event_type not in events:
        return False
    return not (event_type == EventType.DOCUMENT_ARCHIVED.value and kinds and kind not in kinds)


def retry_delay(attempts: int, jitter: float = 0.5) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1 for the first); `jitter` in [0, 1)
    moves it within ±JITTER_SHARE of the schedule (0.5: the schedule itself)."""
    delay = min(FIRST_RETRY * (BACKOFF_FACTOR ** max(attempts - 1, 0)), LONGEST_WAIT)
    return delay * (1 + JITTER_SHARE * (2 * jitter - 1))


def gives_up(first_attempt_at: datetime, now: datetime) -> bool:
    """Whether a delivery that failed now has been retried long enough."""
    return now - first_attempt_at >= GIVE_UP_AFTER


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since >= DISABLE_AFTER

"""The ANAF client: OAuth, e-Factura REST, public company lookup, and their errors.

Works against the real ANAF (test or production) and the local sandbox by configuration only
(`Settings.anaf_oauth_url`, `anaf_api_url`, `anaf_public_url`).

    http = default_http()                                   # one pooled session per process
    oauth = AnafOAuthClient.from_settings(settings, client_secret, http)
    efactura = EFacturaClient.from_settings(settings, http, access_token=lambda: pair.access_token)
    lookup = CompanyLookup.from_settings(settings, http)
"""

from __future__ import annotations

import functools

from chalicelib.anaf.efactura import EFacturaClient, TokenProvider
from chalicelib.anaf.errors import (
    AnafAuthError,
    AnafClientInvalid,
    AnafCorruptZip,
    AnafDailyLimitReached,
    AnafError,
    AnafInvalidRequest,
    AnafListTooLarge,
    AnafMaintenance,
    AnafMessageExpired,
    AnafMessageForbidden,
    AnafMessageNotFound,
    AnafNoSpvRights,
    AnafRateLimited,
    AnafReauthorizationRequired,
    AnafRejected,
    AnafTechnicalError,
    AnafTokenRejected,
    AnafUnavailable,
    AnafUnexpectedResponse,
    AnafUploadRejected,
    AnafWafRejected,
)
from chalicelib.anaf.http import AnafHttp, RetryPolicy, Timeouts
from chalicelib.anaf.lookup import CompanyLookup
from chalicelib.anaf.models import (
    AnafMessage,
    CompanyRecord,
    DownloadedZip,
    LookupResult,
    MessageFilter,
    MessageKind,
    MessageListing,
    MessagePage,
    MessageState,
    MessageStatus,
    TokenPair,
    UploadReceipt,
    UploadStandard,
)
from chalicelib.anaf.oauth import AnafOAuthClient, OnRotated
from chalicelib.anaf.timezones import BUCHAREST, Clock, SystemClock


@functools.cache
def default_http() -> AnafHttp:
    """The process's pooled ANAF session (created on first use, reused across invocations)."""
    return AnafHttp()


__all__ = [
    "BUCHAREST",
    "AnafAuthError",
    "AnafClientInvalid",
    "AnafCorruptZip",
    "AnafDailyLimitReached",
    "AnafError",
    "AnafHttp",
    "AnafInvalidRequest",
    "AnafListTooLarge",
    "AnafMaintenance",
    "AnafMessage",
    "AnafMessageExpired",
    "AnafMessageForbidden",
    "AnafMessageNotFound",
    "AnafNoSpvRights",
    "AnafOAuthClient",
    "AnafRateLimited",
    "AnafReauthorizationRequired",
    "AnafRejected",
    "AnafTechnicalError",
    "AnafTokenRejected",
    "AnafUnavailable",
    "AnafUnexpectedResponse",
    "AnafUploadRejected",
    "AnafWafRejected",
    "Clock",
    "CompanyLookup",
    "CompanyRecord",
    "DownloadedZip",
    "EFacturaClient",
    "LookupResult",
    "MessageFilter",
    "MessageKind",
    "MessageListing",
    "MessagePage",
    "MessageState",
    "MessageStatus",
    "OnRotated",
    "RetryPolicy",
    "SystemClock",
    "Timeouts",
    "TokenPair",
    "TokenProvider",
    "UploadReceipt",
    "UploadStandard",
    "default_http",
]

"""Every way an ANAF call can fail, as one exception hierarchy.

Adapters in this package translate HTTP statuses, ANAF's Romanian `eroare` texts, HTML pages
from ANAF's firewall and broken downloads into these classes; nothing else in the code base
needs to know how ANAF words things. Each class carries a stable `code` (for logs, the
SyncRun audit trail and the one place that renders Romanian messages) and `retryable`
(whether trying the same call again later can succeed without a human).

`message` holds ANAF's own text (or a short English description); it never contains tokens.
"""

from __future__ import annotations

from datetime import datetime


class AnafError(Exception):
    """Base class: ANAF did not give us what we asked for."""

    code = "anaf_error"
    retryable = False

    def __init__(self, message: str = "", *, http_status: int | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message
        self.http_status = http_status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


# --- availability -------------------------------------------------------------------------

class AnafUnavailable(AnafError):
    """ANAF did not answer usefully: 5xx after retries, time-outs, connection failures."""

    code = "anaf_unavailable"
    retryable = True


class AnafMaintenance(AnafUnavailable):
    """ANAF answered with its 'Mentenanta' HTML page."""

    code = "anaf_maintenance"


class AnafWafRejected(AnafUnavailable):
    """ANAF's F5 firewall answered 'The requested URL was rejected…' (HTML, often HTTP 200).

    Often deterministic for a given payload, so it is not retried immediately; the support
    ID from the page is kept to quote to ANAF.
    """

    code = "anaf_waf_rejected"

    def __init__(self, message: str = "", *, support_id: str | None = None,
                 http_status: int | None = None) -> None:
        super().__init__(message, http_status=http_status)
        self.support_id = support_id


class AnafTechnicalError(AnafUnavailable):
    """ANAF reported 'A aparut o eroare tehnica. Cod: …' inside a normal answer."""

    code = "anaf_technical_error"


class AnafUnexpectedResponse(AnafError):
    """A body we cannot interpret (unknown HTML, malformed JSON/XML, unknown envelope)."""

    code = "anaf_unexpected_response"
    retryable = True


# --- quotas -------------------------------------------------------------------------------

class AnafRateLimited(AnafError):
    """HTTP 429 (more than 1000 calls/minute) still there after our retries."""

    code = "anaf_rate_limited"
    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None,
                 http_status: int | None = 429) -> None:
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after


class AnafDailyLimitReached(AnafError):
    """A per-day quota is used up ('S-au facut deja … in cursul zilei'); try after midnight.

    `retry_at` is the next midnight in Europe/Bucharest (aware datetime) and `retry_after`
    the seconds until then, measured from the client's clock when the answer arrived.
    """

    code = "anaf_daily_limit"
    retryable = True

    def __init__(self, message: str = "", *, retry_at: datetime, retry_after: float,
                 http_status: int | None = 200) -> None:
        super().__init__(message, http_status=http_status)
        self.retry_at = retry_at
        self.retry_after = retry_after


# --- authorisation ------------------------------------------------------------------------

class AnafAuthError(AnafError):
    """Base for problems with OAuth tokens or client credentials."""

    code = "anaf_auth_error"


class AnafTokenRejected(AnafAuthError):
    """The e-Factura API refused the access token (HTTP 401/403): expired, revoked or wrong.

    Refresh the token and try again; if refreshing fails, a person must re-authorise.
    """

    code = "anaf_token_rejected"
    retryable = True


class AnafReauthorizationRequired(AnafAuthError):
    """The token endpoint refused the grant (`invalid_grant`): refresh token expired,
    revoked or already used, or an authorisation code older than 60 s / already used.
    Only the certificate holder can fix this, by authorising again in the browser."""

    code = "anaf_reauthorization_required"


class AnafClientInvalid(AnafAuthError):
    """ANAF does not accept our client id/secret (`invalid_client`): a configuration error."""

    code = "anaf_client_invalid"


class AnafNoSpvRights(AnafAuthError):
    """The certificate holder has no SPV rights on the CIF ('Nu aveti drept in SPV…')
    or on any CIF at all ('Nu exista niciun CIF…')."""

    code = "anaf_no_spv_rights"

    def __init__(self, message: str = "", *, cif: str | None = None,
                 http_status: int | None = 200) -> None:
        super().__init__(message, http_status=http_status)
        self.cif = cif


# --- requests and messages ----------------------------------------------------------------

class AnafInvalidRequest(AnafError):
    """ANAF says the request itself is wrong (400 JSON, or a validation `eroare`)."""

    code = "anaf_invalid_request"


class AnafListTooLarge(AnafInvalidRequest):
    """The simple list has more than 500 messages; use the paginated listing."""

    code = "anaf_list_too_large"


class AnafMessageNotFound(AnafError):
    """No message/invoice with that id ('Pentru id=… nu exista inregistrata nici o factura')."""

    code = "anaf_message_not_found"


class AnafMessageForbidden(AnafError):
    """The token's holder may not read this message ('Nu aveti dreptul sa descarcati…')."""

    code = "anaf_message_forbidden"


class AnafMessageExpired(AnafError):
    """The message is older than ANAF's 60-day download window and is gone for good."""

    code = "anaf_message_expired"


class AnafCorruptZip(AnafError):
    """HTTP 200 for a download, but the bytes are not a readable ZIP archive."""

    code = "anaf_corrupt_zip"
    retryable = True


class AnafUploadRejected(AnafError):
    """The upload answer had ExecutionStatus=1 for a reason not covered above."""

    code = "anaf_upload_rejected"

    def __init__(self, message: str = "", *, errors: tuple[str, ...] = (),
                 http_status: int | None = 200, upload_index: str | None = None) -> None:
        super().__init__(message, http_status=http_status)
        self.errors = errors
        # ANAF can index a file it refuses; stareMesaj then says "XML cu erori nepreluat de sistem".
        self.upload_index = upload_index


class AnafRejected(AnafError):
    """A business error (`eroare` on HTTP 200) whose wording we do not recognise."""

    code = "anaf_rejected"

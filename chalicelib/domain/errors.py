"""The one error hierarchy. Each error has a stable code (for the API), a Romanian message
(for the UI) and the HTTP status the API maps it to (app.py does the mapping, in one place)."""

from __future__ import annotations


class ArhivarError(Exception):
    code = "internal_error"
    status = 500
    message_ro = "A apărut o eroare neașteptată. Încercați din nou."
    retry_after_s: int | None = None  # the API's Retry-After (seconds), for retryable errors

    def __init__(self, message_ro: str | None = None, *, details: dict | None = None,
                 retry_after_s: int | None = None) -> None:
        self.message_ro = message_ro or self.message_ro
        self.details = details or {}
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s
        super().__init__(self.message_ro)


class ValidationFailed(ArhivarError):
    code = "validation_failed"
    status = 400
    message_ro = "Datele trimise nu sunt valide."


class NotFound(ArhivarError):
    code = "not_found"
    status = 404
    message_ro = "Resursa nu există."


class ServiceUnavailable(ArhivarError):
    """A dependency (DynamoDB, S3, SQS, SES, KMS) did not answer; safe to retry."""

    code = "service_unavailable"
    status = 503
    message_ro = "Serviciul este momentan indisponibil. Încercați din nou în câteva momente."
    retry_after_s = 5


class ServiceBusy(ServiceUnavailable):
    """A dependency is throttling us (DynamoDB over its capacity, a rate limit): retry shortly.
    The API answers 503 with Retry-After; a worker fails the SQS record so it comes back."""

    code = "service_busy"
    message_ro = "Serviciul este foarte solicitat în acest moment. Încercați din nou în câteva secunde."


class NotAuthenticated(ArhivarError):
    code = "not_authenticated"
    status = 401
    message_ro = "Sesiunea a expirat sau nu sunteți autentificat. Intrați din nou în cont."


class NotAllowed(ArhivarError):
    """The user sees the resource but their role does not allow the action."""

    code = "not_allowed"
    status = 403
    message_ro = "Rolul dumneavoastră nu permite această acțiune."


class Conflict(ArhivarError):
    code = "conflict"
    status = 409
    message_ro = "Operația intră în conflict cu starea curentă."


class PayloadTooLarge(ArhivarError):
    code = "payload_too_large"
    status = 413
    message_ro = "Cererea este prea mare."

"""pynamodb models: one table per aggregate (DESIGN.md §3).

Table names, region and endpoint are not known at import time; `bind_models(settings)` sets
them once per process. The local bootstrap and the CDK app read the key schemas and indexes
from these same classes, so there is no second list of tables to keep in sync.
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import Settings
from chalicelib.storage import dynamodb_errors


class _Meta:
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3
    table_name: str | None = None
    region: str | None = None
    host: str | None = None
    settings_field: str  # each model's Meta names the Settings field holding its table's name


class RecoveryCodeUse(MapAttribute):
    """A recovery code that was used: when and for what (never the code itself)."""

    used_at = UTCDateTimeAttribute()
    purpose = UnicodeAttribute()  # "login" or "disable"


class AccountModel(Model):
    """A user of Arhivar, keyed by the Cognito `sub`."""

    class Meta(_Meta):
        settings_field = "accounts_table"

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    terms_version = UnicodeAttribute()
    terms_accepted_at = UTCDateTimeAttribute()
    locale = UnicodeAttribute(default="ro")
    notification_prefs: MapAttribute[str, Any] = MapAttribute(default=dict)
    created_at = UTCDateTimeAttribute()
    # The one outstanding e-mail code (confirmation or password reset), hashed.
    code_purpose = UnicodeAttribute(null=True)
    code_hash = UnicodeAttribute(null=True)
    code_expires_at = UTCDateTimeAttribute(null=True)
    code_sent_at = UTCDateTimeAttribute(null=True)
    code_attempts = NumberAttribute(default=0)
    # Open sessions, "<issued epoch s>:<Cognito origin_jti>": the token verifier refuses an
    # access token whose session is not here (signed out, password changed or reset).
    sessions = UnicodeSetAttribute(null=True)
    # Two-factor login (services/two_factor.py). Cognito holds the TOTP state; this mirrors
    # whether it is on (checked on every company route) and keeps what Cognito cannot: the
    # recovery codes (SHA-256, each removed when used) and the throttle of wrong codes.
    two_factor_enabled_at = UTCDateTimeAttribute(null=True)
    totp_secret_ciphertext = BinaryAttribute(legacy_encoding=False, null=True)  # KMS, context = user
    totp_pending_ciphertext = BinaryAttribute(legacy_encoding=False, null=True)  # enrolment under way
    recovery_codes = UnicodeSetAttribute(null=True)  # hashes of the unused codes
    recovery_codes_used = ListAttribute(of=RecoveryCodeUse, null=True)  # newest last
    login_challenge_hash = UnicodeAttribute(null=True)  # the outstanding sign-in challenge
    login_challenge_session = UnicodeAttribute(null=True)  # Cognito's session for it
    login_challenge_expires_at = UTCDateTimeAttribute(null=True)
    login_challenge_attempts = NumberAttribute(default=0)
    two_factor_failures = NumberAttribute(default=0)  # wrong codes since two_factor_failures_since
    two_factor_failures_since = UTCDateTimeAttribute(null=True)


class CompaniesDueIndex(GlobalSecondaryIndex["CompanyModel"]):
    """Companies by next sync time, spread over a few shards so no partition runs hot."""

    class Meta:
        index_name = "due"
        projection = IncludeProjection(["licence"])  # the dispatcher needs nothing else

    due_shard = NumberAttribute(hash_key=True)
    next_sync_at = UTCDateTimeAttribute(range_key=True)


class CompaniesStaleIndex(GlobalSecondaryIndex["CompanyModel"]):
    """Companies by authorization state and end of the covered window: the daily coverage
    check reads only the companies whose archive stopped advancing weeks ago (a range query
    per state), never the table (services/coverage_warnings.py)."""

    class Meta:
        index_name = "stale"
        projection = IncludeProjection(["name", "last_sync_result"])

    authorization_state = UnicodeAttribute(hash_key=True)
    covered_until = UTCDateTimeAttribute(range_key=True)


class LicenceChange(MapAttribute):
    """One licence change of a company: who, when, from what (services/licences.py)."""

    licence = UnicodeAttribute()
    previous = UnicodeAttribute(null=True)
    changed_by = UnicodeAttribute()
    changed_at = UTCDateTimeAttribute()


class NotificationRule(MapAttribute):
    """Send the new-invoice e-mail of a partner (CIF) or above an amount to these addresses."""

    rule_id = UnicodeAttribute()
    partner_cif = UnicodeAttribute(null=True)  # the partner's CIF, digits only
    min_amount = UnicodeAttribute(null=True)  # decimal as text, in the invoice's currency
    emails = UnicodeSetAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class CompanyModel(Model):
    """A company (CIF) archived by Arhivar: public data, licence, authorization and sync state."""

    class Meta(_Meta):
        settings_field = "companies_table"

    cif = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    address = UnicodeAttribute(null=True)
    registry_number = UnicodeAttribute(null=True)
    public_data: MapAttribute[str, Any] = MapAttribute(default=dict)
    public_data_refreshed_at = UTCDateTimeAttribute(null=True)
    licence = UnicodeAttribute(default="free")
    credential_id = UnicodeAttribute(null=True)
    authorization_state = UnicodeAttribute(default="unauthorized")
    authorization_expires_at = UTCDateTimeAttribute(null=True)
    # The sync engine's state; absent next_sync_at keeps a company out of the `due` index.
    due_shard = NumberAttribute(null=True)
    next_sync_at = UTCDateTimeAttribute(null=True)
    covered_from = UTCDateTimeAttribute(null=True)
    covered_until = UTCDateTimeAttribute(null=True)
    last_sync_at = UTCDateTimeAttribute(null=True)
    last_sync_result = UnicodeAttribute(null=True)
    lease_owner = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    consecutive_failures = NumberAttribute(default=0)  # ANAF outages in a row: the backoff
    manual_sync_requested_at = UTCDateTimeAttribute(null=True)
    # The running run's counts so far (started_at, listed, new, already, failed): written by the
    # lease holder every few messages, removed with the lease (storage/companies.py).
    sync_progress: MapAttribute[str, Any] = MapAttribute(null=True)
    # The newest creation time of a message any run has started downloading: a message created
    # later has never been downloaded, so its first download needs no per-message counter
    # (services/sync.py; written with the progress, before each batch, by the lease holder).
    downloads_attempted_until = UTCDateTimeAttribute(null=True)
    document_count = NumberAttribute(default=0)
    # Per-kind document counts (the Documents page's exact totals), kept with document_count.
    count_received = NumberAttribute(null=True)
    count_sent = NumberAttribute(null=True)
    count_error = NumberAttribute(null=True)
    count_buyer_message = NumberAttribute(null=True)
    count_unknown = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    licence_history = ListAttribute(of=LicenceChange, null=True)  # newest last, the last 20
    two_factor_required = BooleanAttribute(null=True)  # "2FA obligatoriu pentru membri"
    # Adaptive polling's facts (domain/polling.py), written at the end of a run and on a new
    # authorization: the last activity and the complete runs since then that found nothing.
    active_at = UTCDateTimeAttribute(null=True)
    quiet_runs = NumberAttribute(null=True)
    # Received invoices by decided review state (domain/reviews.py COUNTED), kept in the same
    # transaction as each change (storage/documents.py); "de verificat" = count_received - these.
    review_approved = NumberAttribute(null=True)
    review_rejected = NumberAttribute(null=True)
    review_booked = NumberAttribute(null=True)
    # New-invoice e-mails routed per partner or amount (storage/companies.py, services/routing.py).
    notification_rules = ListAttribute(of=NotificationRule, null=True)
    routed_unsubscribed = UnicodeSetAttribute(null=True)  # rule addresses that unsubscribed

    due = CompaniesDueIndex()
    stale = CompaniesStaleIndex()


class MembershipsByCifIndex(GlobalSecondaryIndex["MembershipModel"]):
    class Meta:
        index_name = "by_cif"
        projection = AllProjection()

    cif = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class MembershipModel(Model):
    """Who may see a company: role owner/admin/viewer, state pending/active."""

    class Meta(_Meta):
        settings_field = "memberships_table"

    user_id = UnicodeAttribute(hash_key=True)
    cif = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    invited_by = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)  # for invitations, before the account exists

    by_cif = MembershipsByCifIndex()


class CredentialsByExpiryIndex(GlobalSecondaryIndex["AnafCredentialModel"]):
    """Credentials whose browser step expires on a given day: the reminders' daily query."""

    class Meta:
        index_name = "by_expiry_day"
        projection = KeysOnlyProjection()

    expiry_day = UnicodeAttribute(hash_key=True)  # "YYYY-MM-DD" (UTC) of refresh_expires_at
    credential_id = UnicodeAttribute(range_key=True)


class AnafCredentialModel(Model):
    """One certificate holder's ANAF OAuth tokens, encrypted with KMS (context = credential_id)."""

    class Meta(_Meta):
        settings_field = "credentials_table"

    credential_id = UnicodeAttribute(hash_key=True)
    owner_user_id = UnicodeAttribute()
    access_token_ciphertext = BinaryAttribute(legacy_encoding=False)
    refresh_token_ciphertext = BinaryAttribute(legacy_encoding=False)
    access_expires_at = UTCDateTimeAttribute()
    refresh_expires_at = UTCDateTimeAttribute()
    expiry_day = UnicodeAttribute()
    certificate_serial = UnicodeAttribute(null=True)
    cifs = UnicodeSetAttribute(default=set)  # every CIF the holder has SPV rights on
    # "dashboard": the owner signed at ANAF in their own browser (their certificate); "link": a
    # holder signed for them. Only the first may authorize more of the owner's companies.
    origin = UnicodeAttribute(null=True)
    reminders_sent = UnicodeSetAttribute(default=set)  # "14", "7", "1", "expired"
    refresh_lease_until = UTCDateTimeAttribute(null=True)  # one refresher at a time
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()  # a rotated pair is stored only over the pair it replaces

    by_expiry_day = CredentialsByExpiryIndex()


class AuthorizationRequestModel(Model):
    """A single-use ANAF authorization in flight: an OAuth `state`, or an e-mailed link.

    Keyed by the SHA-256 of the secret, so the table never holds a usable state or link.
    """

    class Meta(_Meta):
        settings_field = "authorizations_table"

    request_key = UnicodeAttribute(hash_key=True)  # "state#<sha256>" or "link#<sha256>"
    user_id = UnicodeAttribute()  # who started it (for a link: the admin who sent it)
    cif = UnicodeAttribute()
    origin = UnicodeAttribute()  # "dashboard" or "link"
    link_key = UnicodeAttribute(null=True)  # the link a state was started from
    binding_sha256 = UnicodeAttribute(null=True)  # a state's browser cookie, hashed
    created_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()  # DynamoDB deletes it later; validity is checked in code


# The Documents page's indexes copy only what its filter expressions read (storage/
# document_queries.py `_condition` and the superseded filter); the page then batch-gets the
# items it shows from the table. A whole-item copy per index cost ~4× the item in storage and
# write units for every document kept 10 years.
LIST_FILTER_ATTRIBUTES = ("kind", "issue_sk", "number_sk", "partner_text", "amount", "search_text", "superseded_by",
                          "accounting_export_id")


def _list_projection(*index_keys: str) -> IncludeProjection:
    return IncludeProjection([name for name in LIST_FILTER_ATTRIBUTES if name not in index_keys])


class DocumentsByPartnerIndex(GlobalSecondaryIndex["DocumentModel"]):
    class Meta:
        index_name = "by_partner"
        projection = _list_projection("cif_partner")

    cif_partner = UnicodeAttribute(hash_key=True)  # "{cif}#{partner_cif}"
    sk = UnicodeAttribute(range_key=True)


class DocumentsByIssueDateIndex(GlobalSecondaryIndex["DocumentModel"]):
    class Meta:
        index_name = "by_issue_date"
        projection = _list_projection("issue_sk")

    cif = UnicodeAttribute(hash_key=True)
    issue_sk = UnicodeAttribute(range_key=True)  # "{issue_date}#{message_id}"


class DocumentsByUploadIndex(GlobalSecondaryIndex["DocumentModel"]):
    """A message by its ANAF upload index: how imported SPV ZIPs are de-duplicated."""

    class Meta:
        index_name = "by_upload"
        projection = KeysOnlyProjection()

    cif_upload = UnicodeAttribute(hash_key=True)  # "{cif}#{upload_index}#{kind}"
    sk = UnicodeAttribute(range_key=True)


class DocumentsByKindIndex(GlobalSecondaryIndex["DocumentModel"]):
    """A company's documents of one kind, newest first: the Documents page's type filter."""

    class Meta:
        index_name = "by_kind"
        projection = _list_projection("cif_kind")

    cif_kind = UnicodeAttribute(hash_key=True)  # "{cif}#{kind}"
    sk = UnicodeAttribute(range_key=True)


class DocumentsByNumberIndex(GlobalSecondaryIndex["DocumentModel"]):
    """A company's documents by normalized invoice number: prefix search (begins_with)."""

    class Meta:
        index_name = "by_number"
        projection = _list_projection("number_sk")

    cif = UnicodeAttribute(hash_key=True)
    number_sk = UnicodeAttribute(range_key=True)  # "{normalized number}#{sk}"


class DocumentsByMessageIndex(GlobalSecondaryIndex["DocumentModel"]):
    """A document by its ANAF message id (detail and downloads), without a scan."""

    class Meta:
        index_name = "by_message"
        projection = KeysOnlyProjection()

    message_id = UnicodeAttribute(hash_key=True)
    cif = UnicodeAttribute(range_key=True)


class DocumentsByReviewIndex(GlobalSecondaryIndex["DocumentModel"]):
    """A company's received documents in one review state, newest first (sparse: only received
    documents have the key). Projects the list's filter attributes like the other indexes."""

    class Meta:
        index_name = "by_review"
        projection = IncludeProjection([*(n for n in LIST_FILTER_ATTRIBUTES), "cif_partner"])

    cif_review = UnicodeAttribute(hash_key=True)  # "{cif}#{review_state}"
    sk = UnicodeAttribute(range_key=True)


class DocumentModel(Model):
    """One archived ANAF message of a company (invoice, credit note, error, buyer message)."""

    class Meta(_Meta):
        settings_field = "documents_table"

    cif = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "created#{YYYYmmddHHMM}#{message_id}"
    message_id = UnicodeAttribute()
    upload_index = UnicodeAttribute(null=True)
    kind = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    partner_name = UnicodeAttribute(null=True)
    partner_cif = UnicodeAttribute(null=True)
    cif_partner = UnicodeAttribute(null=True)
    number = UnicodeAttribute(null=True)
    issue_date = UnicodeAttribute(null=True)
    issue_sk = UnicodeAttribute(null=True)
    due_date = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    total = UnicodeAttribute(null=True)  # decimal as text: never a float
    vat_total = UnicodeAttribute(null=True)
    original_key = UnicodeAttribute(null=True)
    original_sha256 = UnicodeAttribute(null=True)
    xml_key = UnicodeAttribute(null=True)
    signature_key = UnicodeAttribute(null=True)
    pdf_key = UnicodeAttribute(null=True)
    signature_status = UnicodeAttribute(default="unknown")
    signature_reason = UnicodeAttribute(null=True)
    pdf_status = UnicodeAttribute(default="pending")
    anaf_details = UnicodeAttribute(null=True)  # ANAF's `detalii` for the message
    original_size = NumberAttribute(null=True)
    archived_at = UTCDateTimeAttribute(null=True)
    parse_status = UnicodeAttribute(null=True)  # ok | failed
    parse_error = UnicodeAttribute(null=True)
    document_type = UnicodeAttribute(null=True)  # invoice | credit_note
    type_code = UnicodeAttribute(null=True)  # UNTDID 1001: 380, 381 credit note, 384 corrected, 389 self-billing
    total_with_vat = UnicodeAttribute(null=True)
    line_count = NumberAttribute(null=True)
    # pynamodb types `of` as the Python type of the items, but it takes their Attribute class.
    line_names: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # for search
    attachment_count = NumberAttribute(null=True)
    messages: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # see line_names
    pdf_error = UnicodeAttribute(null=True)  # why the last render failed (reason: detail)
    pdf_rendered_at = UTCDateTimeAttribute(null=True)

    cif_upload = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)  # sync | import
    # Set when a verified original of the same upload replaced this (unverified) one: the sort
    # key of the live document. Superseded documents stay (Object Lock) but are not listed.
    superseded_by = UnicodeAttribute(null=True)
    superseded_at = UTCDateTimeAttribute(null=True)

    by_partner = DocumentsByPartnerIndex()
    by_issue_date = DocumentsByIssueDateIndex()
    by_upload = DocumentsByUploadIndex()

    # The Documents page (issue 7): filter keys and normalized search fields, set by the archiver.
    cif_kind = UnicodeAttribute(null=True)  # "{cif}#{kind}"
    number_sk = UnicodeAttribute(null=True)  # "{normalized number}#{sk}"
    amount = NumberAttribute(null=True)  # `total` as a number, for the amount filter
    partner_text = UnicodeAttribute(null=True)  # partner name + CIF, lower case, no diacritics
    search_text = UnicodeAttribute(null=True)  # partner, number, line names: the free-text search

    by_kind = DocumentsByKindIndex()
    by_number = DocumentsByNumberIndex()
    by_message = DocumentsByMessageIndex()

    # The last accounting export (SAGA / lines CSV, issue 16) that included this document, and
    # when it was built: "doar ce nu a fost exportat încă" lists those without one.
    accounting_export_id = UnicodeAttribute(null=True)
    accounting_exported_at = UTCDateTimeAttribute(null=True)
    # The review of received invoices (domain/reviews.py): the current state, written only by
    # storage/documents.py; the history and comments are ReviewEventModel items.
    review_state = UnicodeAttribute(null=True)  # to_review | approved | rejected | booked
    cif_review = UnicodeAttribute(null=True)  # "{cif}#{review_state}": the by_review index
    review_reason = UnicodeAttribute(null=True)  # the reason of the last rejection
    reviewed_at = UTCDateTimeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)

    by_review = DocumentsByReviewIndex()


class SyncRunModel(Model):
    """The audit trail of one sync run: what was listed, fetched and failed."""

    class Meta(_Meta):
        settings_field = "sync_runs_table"

    cif = UnicodeAttribute(hash_key=True)
    started_at = UnicodeAttribute(range_key=True)  # "<ISO-8601 UTC>#<run>", sorts by time
    finished_at = UTCDateTimeAttribute(null=True)
    window_start = UTCDateTimeAttribute(null=True)
    window_end = UTCDateTimeAttribute(null=True)
    anaf_calls = NumberAttribute(default=0)
    listed = NumberAttribute(default=0)
    new = NumberAttribute(default=0)
    already = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    lost = NumberAttribute(default=0)  # past ANAF's 60 days before they could be fetched
    bytes = NumberAttribute(default=0)
    errors: MapAttribute[str, Any] = MapAttribute(default=dict)
    result = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # schedule | manual
    # Runs age out (storage/sync_runs.py RUN_RETENTION); what the integrity check needs of them
    # is kept in coverage spans (partition "{cif}#coverage") and in runs that lost messages.
    expires_at = TTLAttribute(null=True)  # absent: kept for good


class ExportModel(Model):
    """A "download all" export; deleted by DynamoDB TTL with its S3 object's lifecycle."""

    class Meta(_Meta):
        settings_field = "exports_table"

    export_id = UnicodeAttribute(hash_key=True)
    owner_user_id = UnicodeAttribute()
    cif = UnicodeAttribute()
    filters: MapAttribute[str, Any] = MapAttribute(default=dict)
    status = UnicodeAttribute(default="queued")
    progress = NumberAttribute(default=0)
    s3_key = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    format = UnicodeAttribute(default="zip")  # zip | csv | xlsx
    done = NumberAttribute(default=0)  # documents written so far
    total = NumberAttribute(null=True)  # documents the filter matched when the build started
    size = NumberAttribute(null=True)  # bytes of the finished file
    error = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)


class ImportFileResult(MapAttribute):
    """One ANAF ZIP of an SPV import: its name inside the upload (shown, never used as a path)."""

    name = UnicodeAttribute()
    status = UnicodeAttribute()  # archived | duplicate | rejected
    reason = UnicodeAttribute(null=True)  # the invoice layer's error code, when rejected
    message_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)


class ImportModel(Model):
    """An SPV import job ("Importă arhive SPV"): the upload's key is derived from (cif,
    import_id); the worker records its position and results as it goes. Deleted by TTL."""

    class Meta(_Meta):
        settings_field = "imports_table"

    cif = UnicodeAttribute(hash_key=True)
    import_id = UnicodeAttribute(range_key=True)  # starts with its creation time: sorts by age
    owner_user_id = UnicodeAttribute()
    file_name = UnicodeAttribute()  # as the browser named it, sanitised: only shown
    declared_size = NumberAttribute()
    state = UnicodeAttribute(default="awaiting_upload")  # awaiting_upload|queued|running|done|failed
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    upload_version = UnicodeAttribute(null=True)  # the S3 version the worker reads (fixed at start)
    upload_size = NumberAttribute(null=True)
    position = NumberAttribute(default=0)  # ANAF ZIPs handled so far, in the upload's order
    total = NumberAttribute(null=True)
    archived = NumberAttribute(default=0)
    duplicate = NumberAttribute(default=0)
    rejected = NumberAttribute(default=0)
    files = ListAttribute(of=ImportFileResult, default=list)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)


class LimitCounterModel(Model):
    """Small keyed items that share one table: ANAF call budget counters (global per minute,
    per CIF per day, per message per day), the "archived#<cif>#<message id>" idempotency keys
    of the archive (kept), and the notification bookkeeping below."""

    class Meta(_Meta):
        settings_field = "limits_table"

    counter_key = UnicodeAttribute(hash_key=True)
    # Stored as "count"; named otherwise in Python so as not to hide Model.count().
    tally = NumberAttribute(default=0, attr_name="count")
    expires_at = TTLAttribute(null=True)  # absent: kept for good
    # Notification bookkeeping shares this table (storage/mail_records.py): "mail#…" send
    # records, "digest#…" pending digests, "suppressed#…" addresses, "key#…" wrapped MAC keys.
    members = UnicodeSetAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    noted_at = UTCDateTimeAttribute(null=True)
    # "archived#…" keys: claimed (with the SHA-256 of the bytes being archived) before any
    # object is written, "archived" once the document is recorded. Absent on keys written
    # before claims existed: those are archived.
    claim_state = UnicodeAttribute(null=True)
    content_sha256 = UnicodeAttribute(null=True)
    # "upload#<cif>#<upload index>#<kind>" keys (storage/documents.py): the live document of an
    # upload; claim_state says whether its original's signature verified.
    document_sk = UnicodeAttribute(null=True)
    blob = BinaryAttribute(null=True, legacy_encoding=False)


class AuditEventModel(Model):
    """One security-relevant event of a company (the owners' "Jurnal de securitate").

    Append-only: written once with a condition that the key does not exist, never updated or
    deleted by any code path (storage/audit_log.py is the only writer; in AWS the API role may
    only PutItem and Query this table). No TTL: the journal is kept with the archive.
    """

    class Meta(_Meta):
        settings_field = "audit_table"

    cif = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)  # "at#<ISO-8601 UTC, microseconds>#<random hex>"
    event = UnicodeAttribute()  # domain/audit.py EventType
    actor_user_id = UnicodeAttribute(null=True)  # None for events without a signed-in actor
    actor_email = UnicodeAttribute(null=True)  # the actor's address when the event happened
    details: MapAttribute[str, Any] = MapAttribute(default=dict)  # small, never secrets (domain/audit.py cleans it)
    ip = UnicodeAttribute(null=True)


class IntegrityProblem(MapAttribute):
    """One finding of an integrity run (services/integrity.py explains each code in Romanian)."""

    code = UnicodeAttribute()
    sk = UnicodeAttribute(null=True)  # the document's sort key; absent for company-wide findings
    message_id = UnicodeAttribute(null=True)
    number = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)


class IntegrityRunModel(Model):
    """One integrity check of a company's archive (storage/integrity.py is its repository).

    Resumable: `cursor` is the sort key of the last document checked, saved every few hundred
    documents with the tallies so far; a worker that runs out of time re-queues the run."""

    class Meta(_Meta):
        settings_field = "integrity_table"

    cif = UnicodeAttribute(hash_key=True)
    run_id = UnicodeAttribute(range_key=True)  # "<ISO-8601 UTC>#<hex>", sorts by time
    state = UnicodeAttribute()  # queued | running | done | failed
    reason = UnicodeAttribute()  # schedule | manual
    requested_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)  # last saved progress: a run silent for hours is dead
    lease_until = UTCDateTimeAttribute(null=True)  # one worker at a time (a duplicate message waits)
    cursor = UnicodeAttribute(null=True)
    part = NumberAttribute(default=0)  # report parts (S3) written so far
    checked = NumberAttribute(default=0)
    counted: MapAttribute[str, Any] = MapAttribute(default=dict)  # documents checked, by kind
    problem_count = NumberAttribute(default=0)
    problems = ListAttribute(of=IntegrityProblem, default=list)  # the first PROBLEMS_KEPT
    counters: MapAttribute[str, Any] = MapAttribute(default=dict)  # the company's, at the end
    gaps: ListAttribute[Any] = ListAttribute(default=list)  # {"kind", "from", "to", "count"} maps
    period_from = UTCDateTimeAttribute(null=True)
    period_to = UTCDateTimeAttribute(null=True)
    trust_bundle_sha256 = UnicodeAttribute(null=True)
    report_json_key = UnicodeAttribute(null=True)
    report_pdf_key = UnicodeAttribute(null=True)
    pdf_status = UnicodeAttribute(null=True)  # pending | ready | failed
    invocations = NumberAttribute(default=0)


class BuyerMessageModel(Model):
    """A message a company sent a supplier through ANAF (RASP) about a received invoice, and
    where ANAF is with it (storage/buyer_messages.py is its repository)."""

    class Meta(_Meta):
        settings_field = "buyer_messages_table"

    cif = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "<ISO-8601 UTC sent>#<id>", sorts by time
    message_id = UnicodeAttribute()  # ours (hex), in the API's paths
    document_id = UnicodeAttribute()  # the received invoice's ANAF message id (Documents' id)
    invoice_upload_index = UnicodeAttribute()  # the invoice's index_incarcare, named in the RASP
    invoice_number = UnicodeAttribute(null=True)
    partner_name = UnicodeAttribute(null=True)
    partner_cif = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    sent_by = UnicodeAttribute()  # user id
    created_at = UTCDateTimeAttribute()
    state = UnicodeAttribute()  # domain/buyer_messages.State
    upload_index = UnicodeAttribute(null=True)  # ANAF's index of the RASP upload
    anaf_error = UnicodeAttribute(null=True)  # ANAF's words, as ANAF wrote them
    download_id = UnicodeAttribute(null=True)  # id_descarcare once ANAF answered ok/nok
    checks = NumberAttribute(default=0)  # stareMesaj calls made for it
    checked_at = UTCDateTimeAttribute(null=True)
    answered_at = UTCDateTimeAttribute(null=True)

class ReviewEventModel(Model):
    """One event of a received invoice's review: a state change (who, when, from, to, reason)
    or a comment. Append-only (storage/reviews.py is the only writer)."""

    class Meta(_Meta):
        settings_field = "reviews_table"

    cif = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "{message_id}#{ISO-8601 UTC, µs}#{random hex}"
    message_id = UnicodeAttribute()
    event = UnicodeAttribute()  # change | comment
    actor_user_id = UnicodeAttribute()
    actor_email = UnicodeAttribute(null=True)  # the actor's address when it happened
    at = UTCDateTimeAttribute()
    from_state = UnicodeAttribute(null=True)
    to_state = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)  # a comment's text

class S3DeliveryModel(Model):
    """Delivery to a company's own S3 bucket (storage/s3_delivery.py is its repository).

    One item "config" per company (where to, through which role, the external id Arhivar
    generated, the last delivery) and one "failure#<message id>" item per document whose
    delivery is failing (why, in Romanian; attempts; when it is tried again)."""

    class Meta(_Meta):
        settings_field = "s3_delivery_table"

    cif = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)  # "config" | "failure#<message id>"
    # config
    external_id = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(null=True)
    bucket = UnicodeAttribute(null=True)
    prefix = UnicodeAttribute(null=True)
    role_arn = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    verified_at = UTCDateTimeAttribute(null=True)
    last_delivery_at = UTCDateTimeAttribute(null=True)
    last_delivery_key = UnicodeAttribute(null=True)
    delivered_count = NumberAttribute(null=True)  # files written (skipped copies not counted)
    backfill_state = UnicodeAttribute(null=True)  # running | done
    # failure
    sk = UnicodeAttribute(null=True)  # the document's sort key
    message_id = UnicodeAttribute(null=True)
    reason_code = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # Romanian
    attempts = NumberAttribute(null=True)
    state = UnicodeAttribute(null=True)  # retrying | failed (waits for "Reîncearcă")
    first_failed_at = UTCDateTimeAttribute(null=True)
    last_failed_at = UTCDateTimeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)


class ApiKeysByCifIndex(GlobalSecondaryIndex["ApiKeyModel"]):
    class Meta:
        index_name = "by_cif"
        projection = AllProjection()

    cif = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ApiKeyModel(Model):
    """An integrator's API key of one company (storage/api_keys.py is its repository).

    Keyed by the public key id (the secret's prefix); the secret itself is never stored, only
    its SHA-256 (domain/api_keys.py says why that is enough)."""

    class Meta(_Meta):
        settings_field = "api_keys_table"

    key_id = UnicodeAttribute(hash_key=True)
    cif = UnicodeAttribute()
    secret_sha256 = UnicodeAttribute()
    name = UnicodeAttribute()
    scopes = UnicodeSetAttribute()
    created_by = UnicodeAttribute()  # the owner/admin whose membership the key acts with
    created_at = UTCDateTimeAttribute()
    expires_on = UnicodeAttribute(null=True)  # ISO date, valid through that day (UTC)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)  # written at most once a minute
    last_used_ip = UnicodeAttribute(null=True)

    by_cif = ApiKeysByCifIndex()



class WebhookEndpointModel(Model):
    """A company's webhook endpoint (storage/webhooks.py is its repository). Its signing
    secrets are KMS-encrypted (context: the endpoint id); after a rotation the previous secret
    keeps signing beside the new one until `previous_secret_until`."""

    class Meta(_Meta):
        settings_field = "webhooks_table"

    cif = UnicodeAttribute(hash_key=True)
    endpoint_id = UnicodeAttribute(range_key=True)  # "we_<hex>"
    url = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    events = UnicodeSetAttribute()  # domain/webhooks.py EVENT_TYPES
    kinds = UnicodeSetAttribute(null=True)  # document.archived kinds; None: all
    secret_ciphertext = BinaryAttribute(legacy_encoding=False)
    secret_hint = UnicodeAttribute()  # the secret's last characters, to tell secrets apart
    previous_secret_ciphertext = BinaryAttribute(legacy_encoding=False, null=True)
    previous_secret_until = UTCDateTimeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    disabled_at = UTCDateTimeAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)  # "failing" | "owner"
    failing_since = UTCDateTimeAttribute(null=True)  # first failure since the last success
    last_success_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()


class WebhookDeliveriesByTimeIndex(GlobalSecondaryIndex["WebhookDeliveryModel"]):
    """An endpoint's delivery log, newest first."""

    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    endpoint_id = UnicodeAttribute(hash_key=True)
    listed_at = UnicodeAttribute(range_key=True)


class WebhookDeliveryModel(Model):
    """One event for one endpoint, with its attempts so far. Keyed by the event id, so an event
    reported twice is one delivery (storage/webhook_deliveries.py)."""

    class Meta(_Meta):
        settings_field = "webhook_deliveries_table"

    endpoint_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)  # the `webhook-id`
    listed_at = UnicodeAttribute()  # "<ISO-8601 UTC>#<event id>"
    cif = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = UnicodeAttribute()  # the exact JSON body signed and sent, every attempt the same
    status = UnicodeAttribute()  # pending | delivered | failed
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    first_attempt_at = UTCDateTimeAttribute(null=True)
    last_attempt_at = UTCDateTimeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    response_status = NumberAttribute(null=True)
    latency_ms = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)  # why the last attempt failed (time-out, refused address...)
    response_excerpt = UnicodeAttribute(null=True)  # the first bytes of the receiver's answer
    expires_at = TTLAttribute()
    by_time = WebhookDeliveriesByTimeIndex()

ALL_MODELS: tuple[type[Model], ...] = (
    AccountModel,
    CompanyModel,
    MembershipModel,
    AnafCredentialModel,
    DocumentModel,
    SyncRunModel,
    ExportModel,
    ImportModel,
    LimitCounterModel,
    AuthorizationRequestModel,
    AuditEventModel,
    IntegrityRunModel,
    BuyerMessageModel,
    ReviewEventModel,
    S3DeliveryModel,
    ApiKeyModel,
    WebhookEndpointModel,
    WebhookDeliveryModel,
)


_shared: list[Connection] = []  # the connection bind_models made last
SHARED_POOL = 25  # HTTP connections of the shared client (a sync run's download threads and more)


def bind_models(settings: Settings) -> None:
    """Point every model at its table in this deployment (idempotent). Every model talks
    through one pynamodb Connection: pynamodb gives each model its own botocore session and
    client, about 10 MiB of parsed service data each (12 models), created at first use."""
    dynamodb_errors.install()  # throttles become ServiceBusy for every pynamodb call
    shared = Connection(region=settings.region, host=settings.aws_endpoint_url, max_pool_connections=SHARED_POOL)
    for model in ALL_MODELS:
        meta = cast("type[_Meta]", model.Meta)  # pynamodb types Meta as its protocol; ours add settings_field
        meta.table_name = getattr(settings, meta.settings_field)
        meta.region = settings.region
        meta.host = settings.aws_endpoint_url
        model._connection = None  # rebuilt with the new table, region and endpoint
        table = model._get_connection()
        shared.add_meta_table(table.connection.get_meta_table(meta.table_name))
        table.connection = shared  # its client is made at the first call, as before
    _shared[:] = [shared]


def shared_connection() -> Connection:
    """The one pynamodb Connection of every model (for transactions: storage/documents.py)."""
    return _shared[0]


def ttl_attribute_name(model: type[Model]) -> str | None:
    """The TTL attribute of a model, if it has one (for bootstrap and CDK)."""
    for attribute in model.get_attributes().values():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name
    return None

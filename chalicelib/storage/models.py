"""pynamodb models: one table per aggregate (DESIGN.md §3).

Table names, region and endpoint are not known at import time; `bind_models(settings)` sets
them once per process. The local bootstrap and the CDK app read the key schemas and indexes
from these same classes, so there is no second list of tables to keep in sync.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    BinaryAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import Settings


class _Meta:
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3
    table_name: str | None = None
    region: str | None = None
    host: str | None = None


class AccountModel(Model):
    """A user of Arhivar, keyed by the Cognito `sub`."""

    class Meta(_Meta):
        settings_field = "accounts_table"

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    terms_version = UnicodeAttribute()
    terms_accepted_at = UTCDateTimeAttribute()
    locale = UnicodeAttribute(default="ro")
    notification_prefs = MapAttribute(default=dict)
    created_at = UTCDateTimeAttribute()
    # The one outstanding e-mail code (confirmation or password reset), hashed.
    code_purpose = UnicodeAttribute(null=True)
    code_hash = UnicodeAttribute(null=True)
    code_expires_at = UTCDateTimeAttribute(null=True)
    code_sent_at = UTCDateTimeAttribute(null=True)
    code_attempts = NumberAttribute(default=0)


class CompaniesDueIndex(GlobalSecondaryIndex["CompanyModel"]):
    """Companies by next sync time, spread over a few shards so no partition runs hot."""

    class Meta:
        index_name = "due"
        projection = IncludeProjection(["licence"])  # the dispatcher needs nothing else

    due_shard = NumberAttribute(hash_key=True)
    next_sync_at = UTCDateTimeAttribute(range_key=True)


class CompanyModel(Model):
    """A company (CIF) archived by Arhivar: public data, licence, authorization and sync state."""

    class Meta(_Meta):
        settings_field = "companies_table"

    cif = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    address = UnicodeAttribute(null=True)
    registry_number = UnicodeAttribute(null=True)
    public_data = MapAttribute(default=dict)
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
    document_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()

    due = CompaniesDueIndex()


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
    created_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()  # DynamoDB deletes it later; validity is checked in code


class DocumentsByPartnerIndex(GlobalSecondaryIndex["DocumentModel"]):
    class Meta:
        index_name = "by_partner"
        projection = AllProjection()

    cif_partner = UnicodeAttribute(hash_key=True)  # "{cif}#{partner_cif}"
    sk = UnicodeAttribute(range_key=True)


class DocumentsByIssueDateIndex(GlobalSecondaryIndex["DocumentModel"]):
    class Meta:
        index_name = "by_issue_date"
        projection = AllProjection()

    cif = UnicodeAttribute(hash_key=True)
    issue_sk = UnicodeAttribute(range_key=True)  # "{issue_date}#{message_id}"


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
    total_with_vat = UnicodeAttribute(null=True)
    line_count = NumberAttribute(null=True)
    line_names = ListAttribute(of=UnicodeAttribute, null=True)  # for search
    attachment_count = NumberAttribute(null=True)
    messages = ListAttribute(of=UnicodeAttribute, null=True)  # error texts / buyer note
    pdf_error = UnicodeAttribute(null=True)  # why the last render failed (reason: detail)
    pdf_rendered_at = UTCDateTimeAttribute(null=True)

    by_partner = DocumentsByPartnerIndex()
    by_issue_date = DocumentsByIssueDateIndex()


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
    errors = MapAttribute(default=dict)
    result = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # schedule | manual


class ExportModel(Model):
    """A "download all" export; deleted by DynamoDB TTL with its S3 object's lifecycle."""

    class Meta(_Meta):
        settings_field = "exports_table"

    export_id = UnicodeAttribute(hash_key=True)
    owner_user_id = UnicodeAttribute()
    cif = UnicodeAttribute()
    filters = MapAttribute(default=dict)
    status = UnicodeAttribute(default="queued")
    progress = NumberAttribute(default=0)
    s3_key = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class LimitCounterModel(Model):
    """A call budget counter (global per minute, per CIF per day, per message per day)."""

    class Meta(_Meta):
        settings_field = "limits_table"

    counter_key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    AccountModel,
    CompanyModel,
    MembershipModel,
    AnafCredentialModel,
    DocumentModel,
    SyncRunModel,
    ExportModel,
    LimitCounterModel,
    AuthorizationRequestModel,
)


def bind_models(settings: Settings) -> None:
    """Point every model at its table in this deployment (idempotent)."""
    for model in ALL_MODELS:
        meta = model.Meta
        meta.table_name = getattr(settings, meta.settings_field)
        meta.region = settings.region
        meta.host = settings.aws_endpoint_url
        model._connection = None  # rebuilt lazily with the new table, region and endpoint


def ttl_attribute_name(model: type[Model]) -> str | None:
    """The TTL attribute of a model, if it has one (for bootstrap and CDK)."""
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name
    return None

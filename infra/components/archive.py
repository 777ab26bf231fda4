"""The archive bucket: originals (Object Lock), documents, exports; and its KMS key."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from chalicelib.storage.keys import IMPORT_UPLOADS_EXPIRE_DAYS, IMPORT_UPLOADS_PREFIX

COLD_AFTER = Duration.days(90)
EXPORTS_EXPIRE_AFTER = Duration.days(7)
NONCURRENT_EXPIRE_AFTER = Duration.days(30)


class Archive(Construct):
    """Private, KMS-encrypted, versioned, TLS-only, Object Lock enabled (the code writes each
    original with the stage's lock: COMPLIANCE until 10 years after the end of the invoice's
    year in prod, GOVERNANCE for a day in dev: ARHIVAR_ARCHIVE_LOCK_MODE / _DAYS)."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str, web_origin: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(self, "Key", alias=f"alias/arhivar-{stage}-archive",
                           description="Arhivar: the invoice archive bucket",
                           enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)
        self.bucket = s3.Bucket(
            self, "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            object_lock_enabled=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="originals-to-glacier-ir", prefix="originals/",
                    transitions=[s3.Transition(storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                                               transition_after=COLD_AFTER)]),
                s3.LifecycleRule(
                    id="documents-to-infrequent-access", prefix="documents/",
                    transitions=[s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                                               transition_after=COLD_AFTER)]),
                # SPV import uploads: read once by the import worker, then of no use.
                s3.LifecycleRule(id="imports-expire", prefix=IMPORT_UPLOADS_PREFIX,
                                 expiration=Duration.days(IMPORT_UPLOADS_EXPIRE_DAYS),
                                 noncurrent_version_expiration=Duration.days(1)),
                s3.LifecycleRule(id="exports-expire", prefix="exports/",
                                 expiration=EXPORTS_EXPIRE_AFTER,
                                 noncurrent_version_expiration=Duration.days(1)),
                # Locked versions outlive this rule: Object Lock wins over lifecycle.
                s3.LifecycleRule(id="noncurrent-versions",
                                 noncurrent_version_expiration=NONCURRENT_EXPIRE_AFTER,
                                 abort_incomplete_multipart_upload_after=Duration.days(7)),
            ],
            # The web app POSTs SPV import uploads straight to the bucket (a presigned POST).
            cors=[s3.CorsRule(allowed_origins=[web_origin.rstrip("/")], allowed_methods=[s3.HttpMethods.POST],
                              allowed_headers=["*"], max_age=3000)],
        )

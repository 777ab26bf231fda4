"""The non-API Lambda functions, derived from chalicelib/topology.py.

Topology says which functions exist (queue consumers, schedule targets) and the consumers'
timeouts; this module adds what only the deployment needs to know: memory, how the function
is packaged, and what it may touch (its IAM, least privilege). A consumer or schedule target
without an entry below stops the synth with a message naming it, so a new worker cannot be
deployed with guessed permissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.topology import MAIL_FEEDBACK_HANDLER, QUEUES, SCHEDULES

IMAGE_DOCKERFILES = {"render_pdf": "infra/docker/render_pdf.Dockerfile"}
# Functions that ride in another function's image (they need its WeasyPrint): the public
# viewer (functions/public_viewer, infra/components/viewer.py) is the render image with another CMD.
IMAGE_PASSENGERS = {"render_pdf": ("public_viewer",)}


@dataclass(frozen=True)
class Access:
    """What a function may touch. Tables are named by their settings field."""

    tables_rw: tuple[str, ...] = ()
    tables_ro: tuple[str, ...] = ()
    # Archive object key patterns (below): what it may read (GetObject, also for presigned links)
    # and write (PutObject, with Object Lock retention); nothing outside them.
    archive_read: tuple[str, ...] = ()
    archive_write: tuple[str, ...] = ()
    # Object Lock retention it may read (s3:GetObjectRetention: GetObject's lock headers).
    archive_retention: tuple[str, ...] = ()
    # Append-only tables (the security journal): PutItem and Query, never update or delete.
    tables_append: tuple[str, ...] = ()
    queues_send: tuple[str, ...] = ()  # topology queue keys
    tokens_key: bool = False  # encrypt/decrypt ANAF tokens
    anaf_secret: bool = False  # read the ANAF client secret
    mail: bool = False  # send through SES
    cognito_admin: bool = False  # the admin user calls of chalicelib/storage/identity.py
    # sts:AssumeRole on the customers' delivery roles, only with an external id (issue 15)
    assume_customer_roles: bool = False


@dataclass(frozen=True)
class Sizing:
    memory_mb: int
    access: Access
    timeout_s: int | None = None  # schedule targets; queue consumers take the topology's


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # functions/<name>/
    handler: str  # Lambda's "module.function"
    memory_mb: int
    timeout_s: int
    access: Access
    queue_keys: tuple[str, ...] = field(default=())  # the queues it consumes
    schedule_keys: tuple[str, ...] = field(default=())
    mail_feedback: bool = False  # subscribed to the SES feedback topic

    @property
    def is_image(self) -> bool:
        return self.name in IMAGE_DOCKERFILES

    @property
    def dockerfile(self) -> str:
        return IMAGE_DOCKERFILES[self.name]


# The archive's key layout (chalicelib/services/archiver.py, functions/render_pdf, exports.py).
ORIGINALS = "originals/*"  # the ZIPs as ANAF sent them (Object Lock)
INVOICE_XML = "documents/*/invoice.xml"
SIGNATURE_XML = "documents/*/signature.xml"
INVOICE_PDF = "documents/*/invoice.pdf"
DOCUMENT_FILES = "documents/*"
EXPORTS = "exports/*"
IMPORTS = "imports/*"  # SPV import uploads: the browser POSTs them with the API's signature
CONFIG = "config/*"  # the MF signing certificates (trusted_signers_key)
INTEGRITY_REPORTS = "reports/integrity/*"  # integrity runs' parts and reports (storage/keys.py)
ARCHIVED = (ORIGINALS, INVOICE_XML, SIGNATURE_XML)  # what archiving a message writes

_SYNC_TABLES = ("companies_table", "credentials_table", "documents_table", "sync_runs_table",
                "limits_table", "buyer_messages_table")  # the sync follows sent buyer messages
_PEOPLE = ("accounts_table", "companies_table", "memberships_table")  # who to e-mail, and how
# Reporting a webhook event (services/webhook_events.py): read the company's endpoints, write
# one delivery per endpoint, queue it.
_HOOKS_RO, _HOOKS_RW, _HOOKS_QUEUE = ("webhooks_table",), ("webhook_deliveries_table",), ("webhook",)

# Read from each handler's code path (chalicelib/dependencies.py accessors and the models its
# services use). The Limits table also holds the KMS-wrapped MAC keys (storage/mac_keys.py),
# hence tokens_key wherever links are signed.
SIZING: dict[str, Sizing] = {
    "dispatch": Sizing(256, Access(tables_rw=("companies_table",), queues_send=("sync",)),
                       timeout_s=60),
    "sync_company": Sizing(1024, Access(
        tables_rw=(*_SYNC_TABLES, *_HOOKS_RW),
        tables_ro=("memberships_table", "accounts_table", "s3_delivery_table", *_HOOKS_RO),
        archive_read=(CONFIG,), archive_write=ARCHIVED,
        queues_send=("render", "notify", "s3delivery", *_HOOKS_QUEUE),
        tokens_key=True, anaf_secret=True)),
    # Also renders the integrity report's PDF (a render message of kind "integrity_report").
    # 1 769 MB is one full vCPU: WeasyPrint's layout is single-threaded, so more memory buys nothing.
    "render_pdf": Sizing(1769, Access(tables_rw=("documents_table", "integrity_table"),
                                      tables_ro=("s3_delivery_table",),
                                      archive_read=(INVOICE_XML, INTEGRITY_REPORTS),
                                      archive_write=(INVOICE_PDF, INTEGRITY_REPORTS),
                                      queues_send=("s3delivery",))),
    "check_integrity": Sizing(1024, Access(
        tables_rw=("integrity_table",),
        tables_ro=("companies_table", "documents_table", "sync_runs_table"),
        archive_read=(*ARCHIVED, CONFIG, INTEGRITY_REPORTS), archive_write=(INTEGRITY_REPORTS,),
        archive_retention=(ORIGINALS,), queues_send=("integrity", "render"))),
    "notify": Sizing(512, Access(
        tables_rw=("limits_table",), tables_ro=(*_PEOPLE, "documents_table"), tokens_key=True,
        mail=True)),
    # tokens key: the KMS-wrapped key of the unsubscribe links
    "build_export": Sizing(1024, Access(
        tables_rw=("exports_table", *_HOOKS_RW), tables_ro=(*_PEOPLE, "documents_table", *_HOOKS_RO),
        archive_read=(ORIGINALS, DOCUMENT_FILES), archive_write=(EXPORTS,), queues_send=_HOOKS_QUEUE,
        tokens_key=True, mail=True)),
    # SPV imports: reads the job's upload, archives like the sync (one upload of up to 200 MB in memory)
    "import_archive": Sizing(1536, Access(
        tables_rw=("imports_table", "documents_table", "companies_table", "limits_table", *_HOOKS_RW),
        tables_ro=("s3_delivery_table", *_HOOKS_RO),
        archive_read=(IMPORTS, CONFIG), archive_write=ARCHIVED,
        queues_send=("render", "import", "s3delivery", *_HOOKS_QUEUE))),
    "reminders": Sizing(256, Access(
        tables_rw=("credentials_table", *_HOOKS_RW), tables_ro=(*_PEOPLE, *_HOOKS_RO), queues_send=_HOOKS_QUEUE,
        mail=True), timeout_s=300),
    # Webhook deliveries: the endpoint's secrets (KMS), its delivery log, owners e-mailed when it
    # is disabled; re-queues its own messages for the next attempt. Outbound HTTPS to customers.
    "deliver_webhooks": Sizing(512, Access(
        tables_rw=("webhooks_table", "webhook_deliveries_table", "limits_table"), tables_ro=_PEOPLE,
        queues_send=("webhook",), tokens_key=True, mail=True)),
    "ses_feedback": Sizing(256, Access(tables_rw=("limits_table",)), timeout_s=30),
    "daily_notifications": Sizing(512, Access(
        tables_rw=("limits_table", "companies_table", *_HOOKS_RW),
        tables_ro=(*_PEOPLE, "documents_table", *_HOOKS_RO), queues_send=_HOOKS_QUEUE,
        tokens_key=True, mail=True), timeout_s=600),
    # Copies archived documents into the customers' own buckets through their roles; re-queues
    # (delayed) what failed on their side.
    "deliver_s3": Sizing(512, Access(
        tables_rw=("s3_delivery_table",), tables_ro=("documents_table",),
        archive_read=(ORIGINALS, DOCUMENT_FILES), queues_send=("s3delivery",), assume_customer_roles=True)),
}

# The public viewer (POST /api/vizualizare, no account): its rate-limit counters and the MF
# certificates' override; nothing else (it stores nothing). A few instances at most, so anonymous
# traffic cannot take the account's concurrency from the API and the workers.
VIEWER_SIZING = Sizing(2048, Access(tables_rw=("limits_table",), archive_read=(CONFIG,)),
                       timeout_s=29)  # API Gateway's integration limit
VIEWER_RESERVED_CONCURRENCY = 5

# The Chalice API (app.py): every table, the archive (presigned links to documents, originals
# and exports; the presigned POST of SPV import uploads, and their size before a job starts),
# the work queues it feeds, the tokens key, the ANAF secret, e-mail and Cognito's admin calls.
API_ACCESS = Access(
    tables_rw=("accounts_table", "companies_table", "memberships_table", "credentials_table",
               "documents_table", "sync_runs_table", "exports_table", "limits_table",
               "authorizations_table", "imports_table", "integrity_table", "buyer_messages_table",
               "reviews_table", "s3_delivery_table",
               "api_keys_table", "webhooks_table",
               "webhook_deliveries_table"),
    archive_read=(ORIGINALS, DOCUMENT_FILES, EXPORTS, CONFIG, IMPORTS, INTEGRITY_REPORTS), archive_write=(IMPORTS,),
    tables_append=("audit_table",), queues_send=("sync", "render", "export", "import", "integrity", "s3delivery",
                                         "webhook"),
    tokens_key=True,
    anaf_secret=True, mail=True, cognito_admin=True,
    assume_customer_roles=True)  # "Verifică" of the delivery to a customer's bucket
API_MEMORY_MB = 1024
API_TIMEOUT_S = 29  # API Gateway's integration limit


def pascal(name: str) -> str:
    """"sync_company" -> "SyncCompany" (construct ids)."""
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def function_name(target: str) -> str:
    """"functions.sync_company.handler:lambda_handler" -> "sync_company"."""
    module = target.split(":", 1)[0]
    parts = module.split(".")
    if len(parts) != 3 or parts[0] != "functions" or parts[2] != "handler":
        raise ValueError(f"{target!r} is not a functions/<name>/handler.py entry point")
    return parts[1]


def lambda_handler(target: str) -> str:
    module, function = target.split(":", 1)
    return f"{module}.{function}"


def function_specs() -> tuple[FunctionSpec, ...]:
    """Every worker function of the topology, in a stable order."""
    found: dict[str, dict] = {}
    for spec in QUEUES:
        if spec.consumer is None:
            continue
        entry = found.setdefault(function_name(spec.consumer), {"target": spec.consumer,
                                                               "queues": [], "schedules": [],
                                                               "timeout": 0})
        entry["queues"].append(spec.key)
        entry["timeout"] = max(entry["timeout"], spec.function_timeout_s)
    for schedule in SCHEDULES:
        entry = found.setdefault(function_name(schedule.target), {"target": schedule.target,
                                                                 "queues": [], "schedules": [],
                                                                 "timeout": 0})
        entry["schedules"].append(schedule.key)
    found.setdefault(function_name(MAIL_FEEDBACK_HANDLER), {"target": MAIL_FEEDBACK_HANDLER, "queues": [],
                                                             "schedules": [], "timeout": 0,
                                                             "mail_feedback": True})
    specs = []
    for name, entry in found.items():
        if name not in SIZING:
            raise KeyError(f"functions/{name} is in chalicelib/topology.py but not in "
                           f"infra/functions.py SIZING: declare its memory and access there")
        sizing = SIZING[name]
        timeout = entry["timeout"] or sizing.timeout_s
        if timeout is None:
            raise KeyError(f"functions/{name}: a schedule target needs timeout_s in SIZING")
        specs.append(FunctionSpec(
            name=name, handler=lambda_handler(entry["target"]), memory_mb=sizing.memory_mb,
            timeout_s=timeout, access=sizing.access, queue_keys=tuple(entry["queues"]),
            schedule_keys=tuple(entry["schedules"]), mail_feedback=entry.get("mail_feedback", False)))
    return tuple(specs)

"""One lazy accessor per dependency, shared by the API and the functions.

Nothing is built at import time: the first call (a Lambda cold start) reads the settings,
binds the table models and creates the client; later calls reuse it.

Nothing here imports `chalicelib.api`: the workers import this module, and must not load the
API's token code (PyJWT). The API keeps its own accessors (chalicelib/api/caller.py), cached
with `resettable` so that `reset()` forgets them too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypedDict

from chalicelib.anaf.efactura import EFacturaClient
from chalicelib.anaf.http import AnafHttp, RetryPolicy, Timeouts
from chalicelib.anaf.lookup import CompanyLookup
from chalicelib.anaf.oauth import AnafOAuthClient
from chalicelib.invoices.signature import TrustedSigners
from chalicelib.services.accounts import Accounts
from chalicelib.services.anaf_connect import AnafConnect
from chalicelib.services.archiver import Archiver
from chalicelib.services.budget import CallBudget
from chalicelib.services.buyer_messages import BuyerMessages
from chalicelib.services.credentials import CredentialVault
from chalicelib.services.invitations import Invitations
from chalicelib.services.notifications import Notifications
from chalicelib.services.s3_delivery import Deliverer
from chalicelib.services.sync import DOWNLOAD_THREADS, CompanySync
from chalicelib.services.two_factor import TwoFactor
from chalicelib.services.webhook_delivery import WebhookDeliverer
from chalicelib.services.webhook_events import WebhookEvents
from chalicelib.services.webhooks import Webhooks
from chalicelib.settings import Settings, get_settings
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.crypto import TokenCipher, read_secret
from chalicelib.storage.customer_buckets import CustomerBuckets
from chalicelib.storage.document_queries import DocumentIndex
from chalicelib.storage.identity import IdentityProvider
from chalicelib.storage.mac_keys import MacKeys
from chalicelib.storage.mail import Mailer
from chalicelib.storage.queues import WorkQueues
from chalicelib.storage.tables import bind as bind_tables
from chalicelib.webhooks.transport import WebhookTransport

# An API request must answer within API Gateway's 29 s: short time-outs, one retry, and all the
# ANAF calls of one request (attempts, their time-outs and retry waits together) end within 20 s
# of its start, whatever ANAF's Retry-After or a call's own retry policy say (beyond that the API
# answers 503 with Retry-After). The 9 s left cover the rest of the request (DynamoDB, S3, KMS
# before and after the ANAF calls, the Lambda's own start) with margin.
API_ANAF_DEADLINE_S = 20.0
# And each call of the API's client sleeps at most 10 s in all, also outside a request (the
# workers refresh tokens with it).
API_ANAF_MAX_WAIT_S = 10.0


class _AnafHttpSettings(TypedDict):
    timeouts: Timeouts
    retry: RetryPolicy
    max_wait_s: float


_API_ANAF_HTTP: _AnafHttpSettings = {"timeouts": Timeouts(connect=3.0, read=8.0),
                                     "retry": RetryPolicy(max_attempts=2, base_delay=1.0, max_delay=2.0),
                                     "max_wait_s": API_ANAF_MAX_WAIT_S}


_CLEARED_ON_RESET: list[Callable[[], None]] = []


def resettable[T](accessor: Callable[[], T]) -> Callable[[], T]:
    """A cached accessor that `reset()` forgets: for the API's own accessors, defined outside
    this module (chalicelib/api/caller.py), and for accessors added here."""
    cached = functools.cache(accessor)
    _CLEARED_ON_RESET.append(cached.cache_clear)
    return cached


def now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def settings() -> Settings:
    loaded = get_settings()
    bind_tables(loaded)
    return loaded


@functools.cache
def archive() -> ArchiveBucket:
    return ArchiveBucket(settings())


@functools.cache
def work_queues() -> WorkQueues:
    return WorkQueues(settings())


@functools.cache
def mailer() -> Mailer:
    return Mailer(settings())


@functools.cache
def mac_keys() -> MacKeys:
    return MacKeys(settings())


@functools.cache
def notifications() -> Notifications:
    return Notifications(mailer(), settings().public_url, mac_keys().get, now)


@functools.cache
def token_cipher() -> TokenCipher:
    return TokenCipher(settings())


@functools.cache
def identity() -> IdentityProvider:
    return IdentityProvider(settings())


@functools.cache
def accounts() -> Accounts:
    return Accounts(identity(), mailer(), settings().public_url, now,
                    second_factor=lambda user_id, challenge: two_factor().answer_for_signed_in(user_id, challenge))


@resettable
def invitations() -> Invitations:
    return Invitations(identity(), accounts(), notifications(), now)


@functools.cache
def two_factor() -> TwoFactor:
    return TwoFactor(identity(), token_cipher(), now)


@functools.cache
def api_anaf_http() -> AnafHttp:
    return AnafHttp(**_API_ANAF_HTTP)


@functools.cache
def api_company_lookup() -> CompanyLookup:
    return CompanyLookup.from_settings(settings(), api_anaf_http())


@functools.cache
def anaf_oauth() -> AnafOAuthClient:
    secret = read_secret(settings(), settings().anaf_client_secret_name)
    return AnafOAuthClient.from_settings(settings(), secret, api_anaf_http())


@functools.cache
def credential_vault() -> CredentialVault:
    return CredentialVault(token_cipher(), anaf_oauth, now)


@functools.cache
def anaf_connect() -> AnafConnect:
    return AnafConnect(
        oauth=anaf_oauth,
        efactura=lambda token: EFacturaClient.from_settings(settings(), api_anaf_http(), token),
        vault=credential_vault(), notifications=notifications(), public_url=settings().public_url,
        clock=now, email_of=lambda user_id: accounts().profile(user_id).email)


@functools.cache
def worker_anaf_http() -> AnafHttp:
    # ANAF counts the retries too: each one spends a call of the shared budget first.
    return AnafHttp(pool_size=DOWNLOAD_THREADS * 2, before_retry=call_budget().spend_call)


@functools.cache
def trusted_signers() -> TrustedSigners:
    """The shipped MF certificates, unless the operator put an override in the archive bucket."""
    return TrustedSigners.with_override(archive().get_if_present(settings().trusted_signers_key))


@functools.cache
def archiver() -> Archiver:
    return Archiver(settings(), archive(), trusted_signers(), webhook_events())


@functools.cache
def call_budget() -> CallBudget:
    return CallBudget(now)


@functools.cache
def worker_company_lookup() -> CompanyLookup:
    return CompanyLookup.from_settings(settings(), worker_anaf_http())


@functools.cache
def buyer_messages() -> BuyerMessages:
    return BuyerMessages(
        vault=credential_vault(), budget=call_budget(), clock=now, documents=DocumentIndex(settings()),
        efactura=lambda token: EFacturaClient.from_settings(settings(), api_anaf_http(), token))


def company_sync(time_left_s: Callable[[], float]) -> CompanySync:
    return CompanySync(
        vault=credential_vault(), archiver=archiver(), budget=call_budget(), queues=work_queues(),
        efactura=lambda token: EFacturaClient.from_settings(settings(), worker_anaf_http(), token),
        clock=now, time_left_s=time_left_s,
        lookup=worker_company_lookup(), events=webhook_events())


@functools.cache
def webhook_events() -> WebhookEvents:
    return WebhookEvents(work_queues(), settings().public_url, now)


@functools.cache
def webhooks() -> Webhooks:
    return Webhooks(token_cipher(), webhook_events(), now, settings().webhooks_allow_local)


@functools.cache
def webhook_deliverer() -> WebhookDeliverer:
    return WebhookDeliverer(token_cipher(), work_queues(), notifications(),
                            WebhookTransport(allow_loopback=settings().webhooks_allow_local), now)


@resettable
def customer_buckets() -> CustomerBuckets:
    """The companies' own buckets, through their roles (issue 15's S3 delivery)."""
    return CustomerBuckets(settings())


@resettable
def s3_deliverer() -> Deliverer:
    return Deliverer(archive(), customer_buckets(), work_queues(), now)


_ACCESSORS = (settings, archive, work_queues, mailer, mac_keys, notifications, token_cipher, identity,
              accounts, two_factor, api_anaf_http, api_company_lookup, anaf_oauth, credential_vault,
              anaf_connect, worker_anaf_http, worker_company_lookup, trusted_signers, archiver, call_budget,
              buyer_messages,
              webhook_events, webhooks, webhook_deliverer)


def reset() -> None:
    """Forget every cached dependency (tests that change the environment)."""
    for accessor in _ACCESSORS:
        accessor.cache_clear()
    for clear in _CLEARED_ON_RESET:
        clear()
    get_settings.cache_clear()

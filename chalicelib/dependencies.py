"""One lazy accessor per dependency, shared by the API and the functions.

Nothing is built at import time: the first call (a Lambda cold start) reads the settings,
binds the table models and creates the client; later calls reuse it.
"""

from __future__ import annotations

import functools

from chalicelib.settings import Settings, get_settings
from chalicelib.storage.blobs import ArchiveBucket
from chalicelib.storage.crypto import TokenCipher
from chalicelib.storage.mail import Mailer
from chalicelib.storage.models import bind_models
from chalicelib.storage.queues import WorkQueues


@functools.cache
def settings() -> Settings:
    loaded = get_settings()
    bind_models(loaded)
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
def token_cipher() -> TokenCipher:
    return TokenCipher(settings())


def reset() -> None:
    """Forget every cached dependency (tests that change the environment)."""
    for accessor in (settings, archive, work_queues, mailer, token_cipher):
        accessor.cache_clear()
    get_settings.cache_clear()

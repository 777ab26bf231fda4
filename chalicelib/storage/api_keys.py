"""The API keys' repository: every read and write of an ApiKeyModel item. Services read the
returned items' attributes (`ApiKey`) and never write through them."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.storage.dynamodb_errors import saved_if, updated_if
from chalicelib.storage.models import ApiKeyModel

ApiKey = ApiKeyModel  # the record type services read (attributes only)


class KeyIdTaken(Exception):
    """A new key's random id already exists (astronomically rare): draw another."""


def get(key_id: str) -> ApiKey | None:
    try:
        return ApiKeyModel.get(key_id)
    except DoesNotExist:
        return None


def of_company(cif: str) -> list[ApiKey]:
    """The company's keys, newest first (revoked ones too)."""
    return list(ApiKeyModel.by_cif.query(cif, scan_index_forward=False))


def create(key_id: str, cif: str, *, secret_sha256: str, name: str, scopes: list[str], created_by: str,
           now: datetime, expires_on: str | None) -> ApiKey:
    key = ApiKeyModel(key_id=key_id, cif=cif, secret_sha256=secret_sha256, name=name, scopes=set(scopes),
                      created_by=created_by, created_at=now, expires_on=expires_on)
    if not saved_if(key, ApiKeyModel.key_id.does_not_exist()):
        raise KeyIdTaken()
    return key


def revoke(key_id: str, cif: str, by: str, now: datetime) -> bool:
    """Revoke a key of `cif` once; False when it is not the company's or already revoked."""
    return updated_if(ApiKeyModel(key_id=key_id),
                      [ApiKeyModel.revoked_at.set(now), ApiKeyModel.revoked_by.set(by)],
                      (ApiKeyModel.cif == cif) & ApiKeyModel.revoked_at.does_not_exist())


def note_use(key_id: str, ip: str | None, now: datetime, every: timedelta) -> None:
    """Record the key's last use unless one was recorded less than `every` ago: a conditional
    write, so parallel requests of the same minute write it once between them."""
    actions: list[Action] = [ApiKeyModel.last_used_at.set(now)]
    actions.append(ApiKeyModel.last_used_ip.set(ip) if ip else ApiKeyModel.last_used_ip.remove())
    updated_if(ApiKeyModel(key_id=key_id), actions,
               ApiKeyModel.key_id.exists() & (ApiKeyModel.last_used_at.does_not_exist()
                                              | (ApiKeyModel.last_used_at <= now - every)))

"""Pending daily digests (items of the Limits table, with a TTL): per company and day, the sort
keys of the documents to mention ("digest#<day>#<cif>", a string set: adding the same keys twice
changes nothing), and per day the companies that have one ("digest#<day>")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.storage.models import LimitCounterModel


def _company_day(day: str, cif: str) -> str:
    return f"digest#{day}#{cif}"


def _day(day: str) -> str:
    return f"digest#{day}"


def add(cif: str, day: str, sks: Iterable[str], expires: datetime) -> None:
    keys = set(sks)
    if keys:
        LimitCounterModel(counter_key=_company_day(day, cif)).update(actions=[
            LimitCounterModel.members.add(keys), LimitCounterModel.expires_at.set(expires)])
    LimitCounterModel(counter_key=_day(day)).update(actions=[
        LimitCounterModel.members.add({cif}), LimitCounterModel.expires_at.set(expires)])


def companies(day: str) -> set[str]:
    return _members(_day(day))


def documents(day: str, cif: str) -> set[str]:
    return _members(_company_day(day, cif))


def done(day: str, cif: str) -> None:
    """The company's digest of the day is sent (or has nothing to send): forget it."""
    LimitCounterModel(counter_key=_company_day(day, cif)).delete()
    LimitCounterModel(counter_key=_day(day)).update(actions=[LimitCounterModel.members.delete({cif})])


def _members(key: str) -> set[str]:
    try:
        return set(LimitCounterModel.get(key, consistent_read=True).members or ())
    except DoesNotExist:
        return set()

"""The company repository: every write of a CompanyModel item happens here.

It owns the company record: creation, ANAF's public data, the licence and its history, the
ANAF authorization the company syncs with, the sync engine's lease and schedule (`next_sync_at`
with its `due` index shard, and adaptive polling's `active_at`/`quiet_runs`, written only at the
end of a run and on a new authorization), the document counters, and the two-factor requirement. Services
read the returned items' attributes (`Company`) and never write through them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.polling import Activity
from chalicelib.storage.dynamodb_errors import saved_if, updated_if
from chalicelib.storage.models import CompanyModel, LicenceChange, NotificationRule

Company = CompanyModel  # the record type services read (attributes only)
LicenceRecord = LicenceChange  # one entry of a company's licence history

DUE_SHARDS = 8
LICENCE_HISTORY_KEPT = 20


def due_shard(cif: str) -> int:
    """A stable shard for a CIF, spreading the `due` index over several partitions."""
    return zlib.crc32(cif.encode("ascii")) % DUE_SHARDS


# -- reading -------------------------------------------------------------------------------------

def get(cif: str, *, consistent: bool = False) -> Company | None:
    try:
        return CompanyModel.get(cif, consistent_read=consistent)
    except DoesNotExist:
        return None


def get_many(cifs: Iterable[str]) -> list[Company]:
    """The companies that exist among `cifs` (in no particular order)."""
    wanted = list(set(cifs))
    return list(CompanyModel.batch_get(wanted)) if wanted else []


def requires_two_factor(cif: str) -> bool:
    try:
        company = CompanyModel.get(cif, attributes_to_get=["cif", "two_factor_required"])
    except DoesNotExist:
        return False
    return bool(company.two_factor_required)


def requiring_two_factor(cifs: list[str]) -> list[str]:
    """The CIFs among `cifs` whose company requires two-factor login."""
    if not cifs:
        return []
    return [c.cif for c in CompanyModel.batch_get(cifs, attributes_to_get=["cif", "two_factor_required"])
            if c.two_factor_required]


def due(shard: int, now: datetime) -> Iterator[Company]:
    """The `due` index entries of a shard whose next sync is at or before `now` (cif,
    next_sync_at and licence only)."""
    return CompanyModel.due.query(shard, CompanyModel.next_sync_at <= now)


def stale(authorization_state: str, covered_from: datetime, covered_to: datetime) -> Iterator[Company]:
    """The `stale` index entries of one authorization state whose covered window ended
    between the two times (cif, covered_until, name and last sync result)."""
    return CompanyModel.stale.query(authorization_state, CompanyModel.covered_until.between(covered_from, covered_to))


# -- creation and public data --------------------------------------------------------------------

def create(cif: str, *, name: str, address: str, registry_number: str, public_data: dict[str, Any],
           now: datetime) -> bool:
    """A new company on the free licence, not syncing (no `next_sync_at`: nothing to sync before
    an ANAF authorization exists); False when the CIF is registered already (left as it is)."""
    company = CompanyModel(cif=cif, name=name, address=address, registry_number=registry_number,
                           public_data=public_data, public_data_refreshed_at=now, licence="free",
                           created_at=now, due_shard=None, next_sync_at=None)
    return saved_if(company, CompanyModel.cif.does_not_exist())


def store_public_data(cif: str, *, name: str, address: str, registry_number: str,
                      public_data: dict[str, Any], now: datetime) -> Company:
    """Store ANAF's public data; the company as it is now."""
    company = CompanyModel(cif=cif)
    company.update(actions=[
        CompanyModel.name.set(name),
        CompanyModel.address.set(address),
        CompanyModel.registry_number.set(registry_number),
        CompanyModel.public_data.set(public_data),
        CompanyModel.public_data_refreshed_at.set(now),
    ])
    return company


# -- the sync engine: lease and schedule ---------------------------------------------------------

def take_lease(cif: str, run_id: str, now: datetime, until: datetime) -> Company | None:
    """Lease the company to one sync run until `until`; the company as it is then, or None
    when another run holds an unexpired lease (or the company does not exist)."""
    if not _updated_if(cif, [CompanyModel.lease_owner.set(run_id), CompanyModel.lease_until.set(until)],
                       CompanyModel.cif.exists() & (CompanyModel.lease_until.does_not_exist()
                                                    | (CompanyModel.lease_until < now))):
        return None
    return CompanyModel.get(cif, consistent_read=True)


def release_lease(cif: str, run_id: str, *, now: datetime, result: str, covered_until: datetime | None,
                  anaf_unavailable: bool, next_at: datetime | None, activity: Activity | None = None) -> bool:
    """End a run: its result, the covered window it reached (which also ends the run of ANAF
    outages), or one more outage; the next sync when one is planned, and the activity facts
    adaptive polling decided it from (in the same write). False when the lease was lost to
    another run meanwhile (nothing written)."""
    actions: list[Action] = [CompanyModel.lease_owner.remove(), CompanyModel.lease_until.remove(),
                             CompanyModel.sync_progress.remove(),
                             CompanyModel.last_sync_at.set(now), CompanyModel.last_sync_result.set(result)]
    if activity is not None and activity.active_at is not None:
        actions += [CompanyModel.active_at.set(activity.active_at), CompanyModel.quiet_runs.set(activity.quiet_runs)]
    if covered_until is not None:
        actions.append(CompanyModel.covered_until.set(covered_until))
        actions.append(CompanyModel.consecutive_failures.set(0))
    elif anaf_unavailable:
        actions.append(CompanyModel.consecutive_failures.add(1))
    if next_at is not None:
        actions += _schedule(cif, next_at)
    return _updated_if(cif, actions, CompanyModel.lease_owner == run_id)


def record_progress(cif: str, run_id: str, progress: dict[str, Any],
                    attempted_until: datetime | None = None) -> bool:
    """The running run's counts so far, for the dashboard's "în curs", and, when given, the
    newest creation time of the messages it is about to download (`downloads_attempted_until`;
    the caller only ever moves it forward); only while `run_id` holds the lease (False
    otherwise: nothing written)."""
    actions: list[Action] = [CompanyModel.sync_progress.set(progress)]
    if attempted_until is not None:
        actions.append(CompanyModel.downloads_attempted_until.set(attempted_until))
    return _updated_if(cif, actions, CompanyModel.lease_owner == run_id)


def schedule_next(cif: str, at: datetime, *, planned: datetime) -> bool:
    """Move the next sync from `planned` to `at`; False when someone moved it first."""
    return _updated_if(cif, [CompanyModel.next_sync_at.set(at)], CompanyModel.next_sync_at == planned)


def stop_syncing(cif: str, authorization_state: str | None = None) -> None:
    """Out of the `due` index (the archive stays); with a new authorization state when given."""
    actions: list[Action] = [CompanyModel.next_sync_at.remove(), CompanyModel.due_shard.remove()]
    if authorization_state is not None:
        actions.insert(0, CompanyModel.authorization_state.set(authorization_state))
    CompanyModel(cif=cif).update(actions=actions, condition=CompanyModel.cif.exists())


def request_manual_sync(cif: str, now: datetime, *, not_since: datetime) -> bool:
    """Note a "sync now"; False when one was noted after `not_since` (too soon)."""
    return _updated_if(cif, [CompanyModel.manual_sync_requested_at.set(now)],
                       CompanyModel.manual_sync_requested_at.does_not_exist()
                       | (CompanyModel.manual_sync_requested_at < not_since))


def _schedule(cif: str, at: datetime) -> list[Action]:
    return [CompanyModel.next_sync_at.set(at), CompanyModel.due_shard.set(due_shard(cif))]


# -- authorization -------------------------------------------------------------------------------

def attach_credential(cif: str, credential_id: str, *, authorization_state: str, until: datetime,
                      sync_at: datetime) -> None:
    """The company syncs with this credential from now on, the first sync at `sync_at`; a new
    authorization makes it active for adaptive polling (domain/polling.py) from then."""
    CompanyModel(cif=cif).update(actions=[
        CompanyModel.credential_id.set(credential_id),
        CompanyModel.authorization_state.set(authorization_state),
        CompanyModel.authorization_expires_at.set(until),
        CompanyModel.active_at.set(sync_at),
        CompanyModel.quiet_runs.set(0),
        *_schedule(cif, sync_at),
    ], condition=CompanyModel.cif.exists())


def set_authorization_state(cif: str, state: str) -> None:
    CompanyModel(cif=cif).update(actions=[CompanyModel.authorization_state.set(state)])


# -- licence -------------------------------------------------------------------------------------

def change_licence(seen: Company, licence: str, *, changed_by: str, now: datetime,
                   sync_at: datetime | None) -> bool:
    """Switch to `licence`, adding the change to the history (the last LICENCE_HISTORY_KEPT),
    and move the next sync to `sync_at` when given. Only over the company as `seen`: False
    when its licence or planned sync changed meanwhile (nothing written)."""
    history = [*(seen.licence_history or []),
               LicenceChange(licence=licence, previous=seen.licence, changed_by=changed_by, changed_at=now)]
    actions: list[Action] = [CompanyModel.licence.set(licence),
                             CompanyModel.licence_history.set(history[-LICENCE_HISTORY_KEPT:])]
    if sync_at is not None:
        actions += _schedule(seen.cif, sync_at)
    condition = CompanyModel.licence == seen.licence
    condition &= (CompanyModel.next_sync_at == seen.next_sync_at if seen.next_sync_at
                  else CompanyModel.next_sync_at.does_not_exist())
    return _updated_if(seen.cif, actions, condition)


# -- settings and counters -----------------------------------------------------------------------

def set_two_factor_required(cif: str, required: bool) -> None:
    CompanyModel(cif=cif).update(actions=[CompanyModel.two_factor_required.set(required)],
                                 condition=CompanyModel.cif.exists())


def count_documents(transaction: TransactWrite, cif: str, changes: Mapping[str, int]) -> None:
    """Add to a transaction the change of the company's document counters: `changes` maps a
    document kind (received, sent, error, buyer_message, unknown) to +n or -n."""
    actions: list[Action] = [CompanyModel.document_count.add(sum(changes.values()))]
    actions += [getattr(CompanyModel, f"count_{kind}").add(delta) for kind, delta in changes.items()]
    transaction.update(CompanyModel(cif=cif), actions=actions, condition=CompanyModel.cif.exists())


def count_reviews(transaction: TransactWrite, cif: str, from_state: str, to_state: str) -> None:
    """Add to a transaction the move of one received invoice between review counters (only the
    decided states are counted: "to_review" is what remains of count_received)."""
    actions: list[Action] = []
    if from_state != "to_review":
        actions.append(getattr(CompanyModel, f"review_{from_state}").add(-1))
    if to_state != "to_review":
        actions.append(getattr(CompanyModel, f"review_{to_state}").add(1))
    transaction.update(CompanyModel(cif=cif), actions=actions, condition=CompanyModel.cif.exists())


def review_counters(cif: str) -> dict[str, int]:
    """The received invoices by review state: decided ones counted, the rest awaits review."""
    company = CompanyModel.get(cif, consistent_read=True)
    counts = {state: max(0, int(getattr(company, f"review_{state}") or 0))
              for state in ("approved", "rejected", "booked")}
    counts["to_review"] = max(0, int(company.count_received or 0) - sum(counts.values()))
    return counts


def document_counters(cif: str, kinds: Iterable[str]) -> dict[str, int]:
    """The company's document counters as the Documents page shows them: total and per kind."""
    company = CompanyModel.get(cif, consistent_read=True)
    counters = {"total": int(company.document_count or 0)}
    for kind in kinds:
        counters[kind] = int(getattr(company, f"count_{kind}") or 0)
    return counters


def with_documents(after: str | None = None) -> Iterator[str]:
    """Every company with archived documents (the integrity check's monthly fan-out: one pass
    over the companies table a month, projected to two attributes); `after`: the scan goes on
    after that company (a fan-out continued in a new invocation)."""
    start = {"cif": {"S": after}} if after else None
    for company in CompanyModel.scan(CompanyModel.document_count > 0, last_evaluated_key=start,
                                     attributes_to_get=["cif", "document_count"]):
        yield company.cif


# -- new-invoice e-mails routed per partner or amount (services/notification_rules.py) ------------

NotificationRuleRecord = NotificationRule  # one rule (attributes only)


def add_notification_rule(seen: Company, rule: NotificationRule) -> bool:
    """Append a rule over the rules as `seen`; False when they changed meanwhile."""
    rules = [*(seen.notification_rules or []), rule]
    return _set_rules(seen, rules)


def remove_notification_rule(seen: Company, rule_id: str) -> bool | None:
    """Remove a rule; None when there is no such rule, False when the rules changed meanwhile."""
    rules = list(seen.notification_rules or [])
    kept = [r for r in rules if r.rule_id != rule_id]
    if len(kept) == len(rules):
        return None
    return _set_rules(seen, kept)


def _set_rules(seen: Company, rules: list[NotificationRule]) -> bool:
    before = [r.rule_id for r in seen.notification_rules or []]
    # The rules as seen: same ids in the same order (a rule is never edited in place).
    condition = (CompanyModel.notification_rules.does_not_exist() if not before
                 else CompanyModel.notification_rules == list(seen.notification_rules or []))
    action = CompanyModel.notification_rules.set(rules) if rules else CompanyModel.notification_rules.remove()
    return _updated_if(seen.cif, [action], CompanyModel.cif.exists() & condition)


def unsubscribe_routed(cif: str, email: str) -> None:
    """A routed address unsubscribed from the company's rules (kept: the rules skip it)."""
    CompanyModel(cif=cif).update(actions=[CompanyModel.routed_unsubscribed.add({email})],
                                 condition=CompanyModel.cif.exists())


def _updated_if(cif: str, actions: list[Action], condition: Condition) -> bool:
    """Apply `actions` to the company when `condition` holds; False (nothing written) when not."""
    return updated_if(CompanyModel(cif=cif), actions, condition)

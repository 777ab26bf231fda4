"""The account repository: every read and write of an AccountModel item (a user: terms,
e-mail codes, open sessions, notification preferences, two-factor login state). Services read
the returned items' attributes (`Account`) and never write through them.

Writes that must hold under parallel requests (a code's attempts, a recovery code, a sign-in
challenge) are conditional here and answer False when their condition no longer holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.storage.dynamodb_errors import updated_if
from chalicelib.storage.models import AccountModel, RecoveryCodeUse

Account = AccountModel  # the record type services read (attributes only)


# -- reading -------------------------------------------------------------------------------------

def get(user_id: str) -> Account | None:
    try:
        return AccountModel.get(user_id)
    except DoesNotExist:
        return None


def exists(user_id: str) -> bool:
    try:
        AccountModel.get(user_id, consistent_read=True, attributes_to_get=["user_id"])
    except DoesNotExist:
        return False
    return True


def sessions_of(user_id: str) -> set[str] | None:
    """The open sessions of an account (consistent), or None when there is no account."""
    try:
        account = AccountModel.get(user_id, consistent_read=True, attributes_to_get=["sessions"])
    except DoesNotExist:
        return None
    return set(account.sessions or ())


def two_factor_enabled(user_id: str) -> bool | None:
    """Whether the account has two-factor login on; None when there is no account."""
    try:
        account = AccountModel.get(user_id, attributes_to_get=["user_id", "two_factor_enabled_at"])
    except DoesNotExist:
        return None
    return account.two_factor_enabled_at is not None


def get_many(user_ids: Iterable[str]) -> list[Account]:
    wanted = list(set(user_ids))
    return list(AccountModel.batch_get(wanted)) if wanted else []


def emails(user_ids: Iterable[str]) -> dict[str, str]:
    """user id → e-mail address, for the accounts that exist."""
    return {a.user_id: a.email for a in get_many(user_ids)}


# -- life cycle ----------------------------------------------------------------------------------

def create(user_id: str, email: str, *, terms_version: str, now: datetime) -> Account:
    account = AccountModel(user_id=user_id, email=email, terms_version=terms_version,
                           terms_accepted_at=now, created_at=now)
    account.save()
    return account


def delete(user_id: str) -> None:
    AccountModel(user_id=user_id).delete()


# -- e-mail codes --------------------------------------------------------------------------------

def store_code(user_id: str, *, purpose: str, code_hash: str, expires_at: datetime, sent_at: datetime) -> None:
    """The account's one outstanding code, replacing any other; its attempts start at zero
    (per code: the hourly window across codes is kept elsewhere, storage/limits.py)."""
    AccountModel(user_id=user_id).update(actions=[
        AccountModel.code_purpose.set(purpose), AccountModel.code_hash.set(code_hash),
        AccountModel.code_expires_at.set(expires_at), AccountModel.code_sent_at.set(sent_at),
        AccountModel.code_attempts.set(0)])


def count_code_attempt(user_id: str, *, purpose: str, code_hash: str, limit: int) -> bool:
    """One attempt at the outstanding code, atomically (`ADD 1` while attempts < limit); False
    when that code is no longer outstanding or its attempts are used up."""
    return _conditional(user_id, [AccountModel.code_attempts.add(1)],
                        (AccountModel.code_purpose == purpose) & (AccountModel.code_hash == code_hash)
                        & (AccountModel.code_attempts.does_not_exist() | (AccountModel.code_attempts < limit)))


def use_code(user_id: str, code_hash: str) -> bool:
    """Remove the code, once: False when a parallel request used it a moment ago."""
    return _conditional(user_id, [AccountModel.code_hash.remove(), AccountModel.code_purpose.remove(),
                                  AccountModel.code_expires_at.remove()],
                        AccountModel.code_hash == code_hash)


# -- sessions ------------------------------------------------------------------------------------

def open_session(user_id: str, entry: str, *, forget: set[str]) -> None:
    """Add a session ("<issued epoch s>:<session id>"), then forget the `forget` ones."""
    account = AccountModel(user_id=user_id)
    account.update(actions=[AccountModel.sessions.add({entry})])
    if forget:
        account.update(actions=[AccountModel.sessions.delete(forget)])


def end_sessions(user_id: str) -> None:
    AccountModel(user_id=user_id).update(actions=[AccountModel.sessions.remove()])


# -- notification preferences --------------------------------------------------------------------

def set_notification_prefs(user_id: str, changes: dict[str, bool]) -> None:
    """Set some toggles of an existing account without touching the others (a path update per
    toggle); an account stored without the map gets it first."""
    prefs = AccountModel.notification_prefs
    actions: list[Action] = [prefs[key].set(value) for key, value in changes.items()]
    account = AccountModel(user_id=user_id)
    try:
        account.update(actions=actions, condition=AccountModel.user_id.exists())
    except UpdateError as error:
        if error.cause_response_code != "ValidationException":
            raise
        account.update(actions=[AccountModel.notification_prefs.set({})],
                       condition=AccountModel.notification_prefs.does_not_exist())
        account.update(actions=actions, condition=AccountModel.user_id.exists())


# -- two-factor login ----------------------------------------------------------------------------

def start_totp_enrolment(user_id: str, secret_ciphertext: bytes) -> None:
    AccountModel(user_id=user_id).update(actions=[AccountModel.totp_pending_ciphertext.set(secret_ciphertext)])


def enable_two_factor(user_id: str, *, now: datetime, secret_ciphertext: bytes, recovery_code_hashes: set[str]) -> None:
    AccountModel(user_id=user_id).update(actions=[
        AccountModel.two_factor_enabled_at.set(now),
        AccountModel.totp_secret_ciphertext.set(secret_ciphertext),
        AccountModel.totp_pending_ciphertext.remove(),
        AccountModel.recovery_codes.set(recovery_code_hashes),
        AccountModel.recovery_codes_used.set([]),
        AccountModel.two_factor_failures.set(0),
    ])


def disable_two_factor(user_id: str) -> None:
    AccountModel(user_id=user_id).update(actions=[
        AccountModel.two_factor_enabled_at.remove(), AccountModel.totp_secret_ciphertext.remove(),
        AccountModel.totp_pending_ciphertext.remove(), AccountModel.recovery_codes.remove(),
        AccountModel.two_factor_failures.set(0),
    ])


def replace_recovery_codes(user_id: str, hashes: set[str]) -> None:
    AccountModel(user_id=user_id).update(actions=[AccountModel.recovery_codes.set(hashes)])


def use_recovery_code(user_id: str, digest: str, *, now: datetime, purpose: str) -> bool:
    """Remove the code's hash if it is still there (atomically: a code works once) and record
    when and for what it was used; False when it was not there."""
    return _conditional(user_id, [
        AccountModel.recovery_codes.delete({digest}),
        AccountModel.recovery_codes_used.set((AccountModel.recovery_codes_used | []).append(
            [RecoveryCodeUse(used_at=now, purpose=purpose)]))],
        AccountModel.recovery_codes.contains(digest))


def give_back_recovery_code(user_id: str, digest: str) -> None:
    AccountModel(user_id=user_id).update(actions=[AccountModel.recovery_codes.add({digest})])


def open_login_challenge(user_id: str, *, challenge_hash: str, session: str, expires_at: datetime) -> None:
    AccountModel(user_id=user_id).update(actions=[
        AccountModel.login_challenge_hash.set(challenge_hash),
        AccountModel.login_challenge_session.set(session),
        AccountModel.login_challenge_expires_at.set(expires_at),
        AccountModel.login_challenge_attempts.set(0),
    ])


def count_challenge_attempt(user_id: str, challenge_hash: str, limit: int) -> bool:
    """One code against the outstanding sign-in challenge, atomically; False when the challenge
    is gone or has had `limit` attempts."""
    return _conditional(user_id, [AccountModel.login_challenge_attempts.add(1)],
                        (AccountModel.login_challenge_hash == challenge_hash)
                        & (AccountModel.login_challenge_attempts < limit))


def close_login_challenge(user_id: str) -> None:
    """The challenge answered: gone, and the wrong codes before it forgiven."""
    AccountModel(user_id=user_id).update(actions=[
        AccountModel.login_challenge_hash.remove(), AccountModel.login_challenge_session.remove(),
        AccountModel.login_challenge_expires_at.remove(), AccountModel.two_factor_failures.set(0),
    ])


def note_two_factor_failures(user_id: str, failures: int, since: datetime, *, end_challenge: bool) -> None:
    """The window of wrong codes; `end_challenge` closes the outstanding sign-in (a lock)."""
    actions: list[Action] = [AccountModel.two_factor_failures.set(failures),
                             AccountModel.two_factor_failures_since.set(since)]
    if end_challenge:
        actions.append(AccountModel.login_challenge_hash.remove())
    AccountModel(user_id=user_id).update(actions=actions)


def _conditional(user_id: str, actions: list[Action], condition: Any) -> bool:
    return updated_if(AccountModel(user_id=user_id), actions, condition)

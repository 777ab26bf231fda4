"""The membership repository: every read and write of a MembershipModel item (who sees which
company, with which role; invitations wait under "invite#<address>" keys). Services read the
returned items' attributes (`Membership`) and never write through them."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.storage.dynamodb_errors import deleted_if, updated_if
from chalicelib.storage.models import MembershipModel

Membership = MembershipModel  # the record type services read (attributes only)


def get(user_id: str, cif: str) -> Membership | None:
    try:
        return MembershipModel.get(user_id, cif)
    except DoesNotExist:
        return None


def state_of(user_id: str, cif: str) -> str | None:
    """Only the state of a membership (a small read, run before every company route)."""
    try:
        return MembershipModel.get(user_id, cif, attributes_to_get=["user_id", "cif", "state"]).state
    except DoesNotExist:
        return None


def of_user(user_id: str) -> list[Membership]:
    """The user's memberships (or, for an "invite#…" key, the address's invitations)."""
    return list(MembershipModel.query(user_id))


def of_company(cif: str) -> list[Membership]:
    return list(MembershipModel.by_cif.query(cif))


def put(user_id: str, cif: str, *, role: str, state: str, now: datetime, invited_by: str | None = None,
        email: str | None = None) -> Membership:
    """Create or replace the membership of `user_id` in `cif`."""
    membership = MembershipModel(user_id=user_id, cif=cif, role=role, state=state, created_at=now,
                                 invited_by=invited_by, email=email)
    membership.save()
    return membership


def set_role(user_id: str, cif: str, role: str) -> None:
    MembershipModel(user_id=user_id, cif=cif).update(actions=[MembershipModel.role.set(role)])


def activate(user_id: str, cif: str, *, active: str, pending: str) -> None:
    """A pending membership becomes active (raises UpdateError when it is not pending)."""
    MembershipModel(user_id=user_id, cif=cif).update(actions=[MembershipModel.state.set(active)],
                                                     condition=MembershipModel.state == pending)


def activate_if_pending(user_id: str, cif: str, *, active: str, pending: str) -> bool:
    """Like `activate`; False when the membership was no longer pending (a concurrent request
    activated it first)."""
    return updated_if(MembershipModel(user_id=user_id, cif=cif), [MembershipModel.state.set(active)],
                      MembershipModel.state == pending)


def delete(user_id: str, cif: str) -> None:
    MembershipModel(user_id=user_id, cif=cif).delete()


def delete_if_present(user_id: str, cif: str) -> bool:
    """Delete once: False when it was gone already (an invitation used a moment ago)."""
    return deleted_if(MembershipModel(user_id=user_id, cif=cif), MembershipModel.user_id.exists())

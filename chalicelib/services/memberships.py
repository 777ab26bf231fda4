"""Memberships: who sees a company, with which role. Nobody reads invoices by typing a CIF:
only an ACTIVE membership opens a company; anything else looks like "no such company"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.audit import EventType
from chalicelib.domain.errors import Conflict, NotAllowed, NotFound
from chalicelib.domain.memberships import (
    INVITATION_PREFIX,
    MembershipState,
    Role,
    can_manage,
    invitation_key,
)
from chalicelib.services import audit
from chalicelib.storage.models import AccountModel, CompanyModel, MembershipModel


class CompanyNotFound(NotFound):
    code = "company_not_found"
    message_ro = "Compania nu există în contul dumneavoastră."


class MemberNotFound(NotFound):
    code = "member_not_found"
    message_ro = "Persoana nu este membră a acestei companii."


class LastOwner(Conflict):
    code = "last_owner"
    message_ro = ("Compania trebuie să aibă cel puțin un proprietar. Numiți alt proprietar "
                  "înainte de a pleca sau de a schimba acest rol.")


@dataclass(frozen=True)
class Member:
    member_id: str  # user id, or "invite#<email>" for an invitation not yet accepted
    email: str
    role: Role
    state: MembershipState
    invited: bool


def find(user_id: str, cif: str) -> MembershipModel | None:
    try:
        return MembershipModel.get(user_id, cif)
    except DoesNotExist:
        return None


def require_active(user_id: str, cif: str) -> MembershipModel:
    """The user's active membership, or 404: a pending or absent one reveals nothing."""
    membership = find(user_id, cif)
    if membership is None or membership.state != MembershipState.ACTIVE.value:
        raise CompanyNotFound()
    return membership


def of_user(user_id: str) -> list[MembershipModel]:
    return list(MembershipModel.query(user_id))


def of_company(cif: str) -> list[MembershipModel]:
    return list(MembershipModel.by_cif.query(cif))


def add(user_id: str, cif: str, role: Role, state: MembershipState, now: datetime,
        invited_by: str | None = None, email: str | None = None) -> MembershipModel:
    membership = MembershipModel(user_id=user_id, cif=cif, role=role.value, state=state.value,
                                 created_at=now, invited_by=invited_by, email=email)
    membership.save()
    return membership


def members(cif: str) -> list[Member]:
    """Everyone with a membership or an invitation, owners first."""
    items = of_company(cif)
    accounts = {a.user_id: a.email for a in AccountModel.batch_get(
        [m.user_id for m in items if not m.user_id.startswith(INVITATION_PREFIX)])}
    result = [
        Member(
            member_id=m.user_id,
            email=m.email or accounts.get(m.user_id, ""),
            role=Role(m.role),
            state=MembershipState(m.state),
            invited=m.user_id.startswith(INVITATION_PREFIX),
        )
        for m in items
    ]
    return sorted(result, key=lambda m: (-m.role.rank, m.email))


def invite(actor: MembershipModel, email: str, role: Role, existing_user_id: str | None,
           now: datetime) -> Member:
    """Give someone access: at once when they have an account, at sign-up otherwise."""
    if not can_manage(Role(actor.role), role):
        raise NotAllowed()
    cif = actor.cif
    if existing_user_id:
        current = find(existing_user_id, cif)
        if current is not None and current.state == MembershipState.ACTIVE.value:
            raise Conflict("Persoana are deja acces la această companie.", details={"email": email})
        add(existing_user_id, cif, role, MembershipState.ACTIVE, now, invited_by=actor.user_id)
        audit.record(cif, EventType.MEMBER_ADDED, actor.user_id, member=existing_user_id, role=role.value)
        return Member(existing_user_id, email, role, MembershipState.ACTIVE, invited=False)
    add(invitation_key(email), cif, role, MembershipState.PENDING, now, invited_by=actor.user_id,
        email=email)
    audit.record(cif, EventType.MEMBER_ADDED, actor.user_id, member=email, role=role.value, invited=True)
    return Member(invitation_key(email), email, role, MembershipState.PENDING, invited=True)


def claim_invitations(user_id: str, email: str, now: datetime) -> int:
    """At confirmation: invitations sent to this address become active memberships."""
    claimed = 0
    for invitation in MembershipModel.query(invitation_key(email)):
        current = find(user_id, invitation.cif)
        if current is None or current.state != MembershipState.ACTIVE.value:
            add(user_id, invitation.cif, Role(invitation.role), MembershipState.ACTIVE, now,
                invited_by=invitation.invited_by)
            audit.record(invitation.cif, EventType.MEMBER_JOINED, user_id, role=invitation.role)
        invitation.delete()
        claimed += 1
    return claimed


def change_role(actor: MembershipModel, member_id: str, role: Role) -> None:
    target = _target(actor, member_id)
    if not (can_manage(Role(actor.role), Role(target.role)) and can_manage(Role(actor.role), role)):
        raise NotAllowed()
    if Role(target.role) is Role.OWNER and role is not Role.OWNER:
        _ensure_another_owner(actor.cif, member_id)
    previous = target.role
    target.update(actions=[MembershipModel.role.set(role.value)])
    audit.record(actor.cif, EventType.MEMBER_ROLE_CHANGED, actor.user_id, member=member_id, previous=previous, role=role.value)


def remove(actor: MembershipModel, member_id: str) -> None:
    """Remove a member, or leave when the actor removes themselves."""
    target = _target(actor, member_id)
    leaving = member_id == actor.user_id
    if not leaving and not can_manage(Role(actor.role), Role(target.role)):
        raise NotAllowed()
    if Role(target.role) is Role.OWNER and target.state == MembershipState.ACTIVE.value:
        _ensure_another_owner(actor.cif, member_id)
    target.delete()
    audit.record(actor.cif, EventType.MEMBER_REMOVED, actor.user_id, member=member_id, role=target.role, left=leaving)


def leave_all(user_id: str) -> None:
    """Before an account is deleted: refuse if it would leave a shared company without owner.
    A company nobody is left in stops syncing; its archive stays (the law keeps it 10 years)."""
    mine = of_user(user_id)
    for membership in mine:
        if membership.role == Role.OWNER.value and membership.state == MembershipState.ACTIVE.value:
            others = [m for m in of_company(membership.cif)
                      if m.user_id != user_id and m.state == MembershipState.ACTIVE.value]
            if others and not any(m.role == Role.OWNER.value for m in others):
                raise LastOwner(details={"cif": membership.cif})
    for membership in mine:
        membership.delete()
        audit.record(membership.cif, EventType.MEMBER_REMOVED, user_id, member=user_id, role=membership.role, reason="account_deleted")
        if not any(m.state == MembershipState.ACTIVE.value for m in of_company(membership.cif)):
            CompanyModel(cif=membership.cif).update(
                actions=[CompanyModel.next_sync_at.remove(), CompanyModel.due_shard.remove()],
                condition=CompanyModel.cif.exists())


def _target(actor: MembershipModel, member_id: str) -> MembershipModel:
    target = find(member_id, actor.cif)
    if target is None:
        raise MemberNotFound()
    return target


def _ensure_another_owner(cif: str, leaving_user_id: str) -> None:
    owners = [m for m in of_company(cif) if m.role == Role.OWNER.value
              and m.state == MembershipState.ACTIVE.value and m.user_id != leaving_user_id]
    if not owners:
        raise LastOwner()

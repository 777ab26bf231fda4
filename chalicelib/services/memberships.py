"""Memberships: who sees a company, with which role. Nobody reads invoices by typing a CIF:
only an ACTIVE membership opens a company; anything else looks like "no such company"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
from chalicelib.storage import accounts, companies
from chalicelib.storage import memberships as membership_records
from chalicelib.storage.memberships import Membership


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


def find(user_id: str, cif: str) -> Membership | None:
    return membership_records.get(user_id, cif)


def require_active(user_id: str, cif: str) -> Membership:
    """The user's active membership, or 404: a pending or absent one reveals nothing."""
    membership = find(user_id, cif)
    if membership is None or membership.state != MembershipState.ACTIVE.value:
        raise CompanyNotFound()
    return membership


def of_user(user_id: str) -> list[Membership]:
    return membership_records.of_user(user_id)


def of_company(cif: str) -> list[Membership]:
    return membership_records.of_company(cif)


def add(user_id: str, cif: str, role: Role, state: MembershipState, now: datetime,
        invited_by: str | None = None, email: str | None = None) -> Membership:
    return membership_records.put(user_id, cif, role=role.value, state=state.value, now=now,
                                  invited_by=invited_by, email=email)


def members(cif: str) -> list[Member]:
    """Everyone with a membership or an invitation, owners first."""
    items = of_company(cif)
    emails = accounts.emails(m.user_id for m in items if not m.user_id.startswith(INVITATION_PREFIX))
    result = [
        Member(
            member_id=m.user_id,
            email=m.email or emails.get(m.user_id, ""),
            role=Role(m.role),
            state=MembershipState(m.state),
            invited=m.user_id.startswith(INVITATION_PREFIX),
        )
        for m in items
    ]
    return sorted(result, key=lambda m: (-m.role.rank, m.email))


def invite(actor: Membership, email: str, role: Role, existing_user_id: str | None,
           now: datetime) -> Member:
    """Invite an address: an invitation waits under the address until its owner, signed in
    with it, accepts (or declines) it. Nobody gets a company without consenting, and the answer
    is the same whether the address has an account or not."""
    if not can_manage(Role(actor.role), role):
        raise NotAllowed()
    cif = actor.cif
    if existing_user_id:
        current = find(existing_user_id, cif)
        if current is not None and current.state == MembershipState.ACTIVE.value:
            # The inviter sees the members anyway: this reveals nothing new.
            raise Conflict("Persoana are deja acces la această companie.", details={"email": email})
    add(invitation_key(email), cif, role, MembershipState.PENDING, now, invited_by=actor.user_id,
        email=email)
    audit.record(cif, EventType.MEMBER_ADDED, actor.user_id, member=email, role=role.value, invited=True)
    return Member(invitation_key(email), email, role, MembershipState.PENDING, invited=True)


def change_role(actor: Membership, member_id: str, role: Role) -> None:
    target = _target(actor, member_id)
    if not (can_manage(Role(actor.role), Role(target.role)) and can_manage(Role(actor.role), role)):
        raise NotAllowed()
    if Role(target.role) is Role.OWNER and role is not Role.OWNER:
        _ensure_another_owner(actor.cif, member_id)
    previous = target.role
    membership_records.set_role(target.user_id, target.cif, role.value)
    audit.record(actor.cif, EventType.MEMBER_ROLE_CHANGED, actor.user_id, member=member_id, previous=previous,
                 role=role.value)


def remove(actor: Membership, member_id: str) -> None:
    """Remove a member, or leave when the actor removes themselves."""
    target = _target(actor, member_id)
    leaving = member_id == actor.user_id
    if not leaving and not can_manage(Role(actor.role), Role(target.role)):
        raise NotAllowed()
    if Role(target.role) is Role.OWNER and target.state == MembershipState.ACTIVE.value:
        _ensure_another_owner(actor.cif, member_id)
    membership_records.delete(target.user_id, target.cif)
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
        membership_records.delete(membership.user_id, membership.cif)
        audit.record(membership.cif, EventType.MEMBER_REMOVED, user_id, member=user_id, role=membership.role,
                     reason="account_deleted")
        if not any(m.state == MembershipState.ACTIVE.value for m in of_company(membership.cif)):
            companies.stop_syncing(membership.cif)


def _target(actor: Membership, member_id: str) -> Membership:
    target = find(member_id, actor.cif)
    if target is None:
        raise MemberNotFound()
    return target


def _ensure_another_owner(cif: str, leaving_user_id: str) -> None:
    owners = [m for m in of_company(cif) if m.role == Role.OWNER.value
              and m.state == MembershipState.ACTIVE.value and m.user_id != leaving_user_id]
    if not owners:
        raise LastOwner()


# -- invitations: accepted or declined by the invitee ------------------------------------------

class InvitationNotFound(CompanyNotFound):
    """The same code as every other company route answers to an outsider (test_isolation)."""

    message_ro = "Invitația nu există sau a fost deja folosită."


@dataclass(frozen=True)
class Invitation:
    cif: str
    company_name: str
    role: Role
    invited_by_email: str | None
    invited_at: datetime


def invitations_for(email: str) -> list[Invitation]:
    """The invitations waiting for this (confirmed) address, newest first."""
    items = membership_records.of_user(invitation_key(email))
    if not items:
        return []
    names = {c.cif: c.name for c in companies.get_many(i.cif for i in items)}
    inviters = accounts.emails(i.invited_by for i in items if i.invited_by)
    result = [Invitation(i.cif, names.get(i.cif, i.cif), Role(i.role),
                         inviters.get(i.invited_by or ""), i.created_at) for i in items]
    return sorted(result, key=lambda i: i.invited_at, reverse=True)


def accept_invitation(user_id: str, email: str, cif: str, now: datetime) -> Membership:
    """The invitee accepts: an active membership with the invited role (a higher role they
    already hold is kept). The invitation is used once: deleted with a condition."""
    invitation = _invitation(email, cif)
    _use(invitation)
    current = find(user_id, cif)
    if current is not None and current.state == MembershipState.ACTIVE.value \
            and Role(current.role).rank >= Role(invitation.role).rank:
        return current
    membership = add(user_id, cif, Role(invitation.role), MembershipState.ACTIVE, now,
                     invited_by=invitation.invited_by)
    audit.record(cif, EventType.MEMBER_JOINED, user_id, role=invitation.role)
    return membership


def decline_invitation(email: str, cif: str) -> None:
    _use(_invitation(email, cif))


def _invitation(email: str, cif: str) -> Membership:
    invitation = find(invitation_key(email), cif)
    if invitation is None:
        raise InvitationNotFound()
    return invitation


def _use(invitation: Membership) -> None:
    if not membership_records.delete_if_present(invitation.user_id, invitation.cif):
        raise InvitationNotFound()  # accepted or declined a moment ago

"""Who may do what with a company. Roles rank owner > admin > viewer."""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    OWNER = "owner"
    ADMIN = "admin"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return {Role.OWNER: 3, Role.ADMIN: 2, Role.VIEWER: 1}[self]

    @property
    def name_ro(self) -> str:
        return {Role.OWNER: "proprietar", Role.ADMIN: "administrator", Role.VIEWER: "vizualizare"}[self]


class MembershipState(Enum):
    PENDING = "pending"  # sees nothing until ANAF proves SPV rights or an admin invites
    ACTIVE = "active"


# Invitations for people without an account wait under this key until they sign up.
INVITATION_PREFIX = "invite#"


def invitation_key(email: str) -> str:
    return INVITATION_PREFIX + email


def can_manage(actor: Role, target: Role | None = None) -> bool:
    """Invite, remove or re-role members: owners anyone, admins only admins and viewers."""
    if actor is Role.OWNER:
        return True
    return actor is Role.ADMIN and (target is None or target is not Role.OWNER)


def can_administer(actor: Role) -> bool:
    """Company-level actions: refresh data, authorize with ANAF, change the licence, sync."""
    return actor in (Role.OWNER, Role.ADMIN)

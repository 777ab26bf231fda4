"""Who may do what with a company. Roles rank owner > admin > contabil > viewer.

The accountant ("contabil") reads everything a viewer reads and reviews received invoices
(services/reviews.py); like a viewer it cannot manage members, the licence, ANAF authorization
or any other company-level setting."""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    OWNER = "owner"
    ADMIN = "admin"
    VIEWER = "viewer"
    ACCOUNTANT = "contabil"

    @property
    def rank(self) -> int:
        return {Role.OWNER: 4, Role.ADMIN: 3, Role.ACCOUNTANT: 2, Role.VIEWER: 1}[self]

    @property
    def name_ro(self) -> str:
        return {Role.OWNER: "proprietar", Role.ADMIN: "administrator", Role.VIEWER: "vizualizare",
                Role.ACCOUNTANT: "contabil"}[self]


class MembershipState(Enum):
    PENDING = "pending"  # sees nothing until ANAF proves SPV rights or an admin invites
    ACTIVE = "active"


# Invitations for people without an account wait under this key until they sign up.
INVITATION_PREFIX = "invite#"


def invitation_key(email: str) -> str:
    return INVITATION_PREFIX + email


def can_manage(actor: Role, target: Role | None = None) -> bool:
    """Invite, remove or re-role members: owners anyone, admins anyone but owners."""
    if actor is Role.OWNER:
        return True
    return actor is Role.ADMIN and (target is None or target is not Role.OWNER)


def can_administer(actor: Role) -> bool:
    """Company-level actions: refresh data, authorize with ANAF, change the licence, sync."""
    return actor in (Role.OWNER, Role.ADMIN)


def can_review(actor: Role) -> bool:
    """Change a received invoice's review state: owners, admins and accountants."""
    return actor in (Role.OWNER, Role.ADMIN, Role.ACCOUNTANT)

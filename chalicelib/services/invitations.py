"""Invitations to a company, both sides: the inviter's (record the invitation and e-mail the
invitee) and the invitee's (the invitations waiting for their account's address, accepted or
declined in the app). The records themselves are services/memberships.py's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.memberships import Role
from chalicelib.services import companies, memberships
from chalicelib.services.accounts import Accounts
from chalicelib.services.notifications import Message, Notifications
from chalicelib.storage.identity import IdentityProvider
from chalicelib.storage.memberships import Membership


class Invitations:
    def __init__(self, identity: IdentityProvider, accounts: Accounts, notifications: Notifications,
                 clock: Callable[[], datetime]) -> None:
        self._identity = identity
        self._accounts = accounts
        self._notifications = notifications
        self._now = clock

    def invite(self, actor: Membership, email: str, role: Role) -> memberships.Member:
        """Invite an address to the actor's company and tell its owner by e-mail. `actor` is the
        inviter's active membership, as `memberships.require_active` returns it."""
        existing = self._identity.find(email)
        member = memberships.invite(actor, email, role, existing.user_id if existing else None, self._now())
        send_invitation(self._notifications,
                        company=companies.get(actor.user_id, actor.cif, self._now()).name,
                        inviter=self._email_of(actor.user_id),
                        email=email, has_account=existing is not None, role=member.role)
        return member

    def waiting_for(self, user_id: str) -> list[memberships.Invitation]:
        return memberships.invitations_for(self._email_of(user_id))

    def accept(self, user_id: str, cif: str) -> companies.CompanySummary:
        """Accept an invitation; the company as the new member now sees it."""
        memberships.accept_invitation(user_id, self._email_of(user_id), cif, self._now())
        return companies.get(user_id, cif, self._now())

    def decline(self, user_id: str, cif: str) -> None:
        memberships.decline_invitation(self._email_of(user_id), cif)

    def _email_of(self, user_id: str) -> str:
        """The account's confirmed address: invitations wait under addresses."""
        return self._accounts.profile(user_id).email


def send_invitation(notifications: Notifications, *, company: str, inviter: str, email: str,
                    has_account: bool, role: Role) -> None:
    """Not in a preference category: it always goes (unless the address bounced)."""
    public_url = notifications.public_url
    if has_account:
        step = (f"Intrați în cont și acceptați invitația în pagina Companii: {public_url}/companii\n"
                f"Până nu o acceptați nu aveți acces; dacă nu o doriți, o puteți refuza.")
    else:
        step = (f"Creați-vă un cont Arhivar cu această adresă ({email}) și, după confirmare, "
                f"acceptați invitația în pagina Companii: {public_url}/inregistrare")
    notifications.send_transactional(email, Message(
        subject=f"Acces la arhiva e-Factura a companiei {company}",
        text=(f"Bună ziua,\n\n{inviter} v-a invitat ({role.name_ro}) la arhiva de facturi "
              f"e-Factura a companiei {company} în Arhivar.\n\n{step}\n"),
    ))

"""The e-mail that tells someone they were invited to a company (they accept it in the app)."""

from __future__ import annotations

from chalicelib.domain.memberships import Role
from chalicelib.services.notifications import Message, Notifications


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

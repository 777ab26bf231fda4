"""The e-mail that tells someone they were given access to a company."""

from __future__ import annotations

from chalicelib.domain.memberships import Role
from chalicelib.services.notifications import Message, Notifications


def send_invitation(notifications: Notifications, *, company: str, inviter: str, email: str,
                    has_account: bool, role: Role) -> None:
    """Not in a preference category: it always goes (unless the address bounced)."""
    public_url = notifications.public_url
    if has_account:
        step = f"Intrați în cont pentru a o vedea: {public_url}/companii"
    else:
        step = (f"Creați-vă un cont Arhivar cu această adresă ({email}) și veți avea acces "
                f"imediat după confirmare: {public_url}/inregistrare")
    notifications.send_transactional(email, Message(
        subject=f"Acces la arhiva e-Factura a companiei {company}",
        text=(f"Bună ziua,\n\n{inviter} v-a dat acces ({role.name_ro}) la arhiva de facturi "
              f"e-Factura a companiei {company} în Arhivar.\n\n{step}\n"),
    ))

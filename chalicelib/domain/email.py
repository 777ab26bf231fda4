"""E-mail addresses as Arhivar keeps them: checked, trimmed and lower-cased (Cognito usernames).

Every address a person types (sign-up, login, codes, password reset, invitations, ANAF
authorization links) goes through `parse_email` at the edge, before anything is stored or
sent: no display names, angle brackets, quotes, CR/LF or other control characters can reach
a DynamoDB row or an SES header. The syntax check is email-validator's (RFC 5321/5322 with
the rules real mail systems apply), without DNS lookups; internationalized domains are kept in
their ASCII (punycode) form, which SES accepts; non-ASCII local parts are refused (SES and
Cognito do not support SMTPUTF8).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from chalicelib.domain.errors import ValidationFailed


class InvalidEmail(ValidationFailed):
    code = "invalid_email"
    message_ro = "Introduceți o adresă de e-mail validă."  # the same words as the schema's x-message-ro


def parse_email(text: object, field: str = "email") -> str:
    """The address, normalized (ASCII, lower case); InvalidEmail if it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidEmail("Introduceți adresa de e-mail.", details={"field": field})
    try:
        checked = validate_email(text.strip(), check_deliverability=False, allow_smtputf8=False,
                                 allow_display_name=False, allow_quoted_local=False,
                                 allow_domain_literal=False)
    except EmailNotValidError:
        raise InvalidEmail(details={"field": field}) from None
    if checked.ascii_email is None:  # only with SMTPUTF8, which is not allowed above
        raise InvalidEmail(details={"field": field})
    return checked.ascii_email.lower()


def normalize_email(text: str) -> str:
    """An address already stored or received from AWS (not typed): only trimmed and lower-cased."""
    return text.strip().lower()

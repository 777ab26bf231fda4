"""E-mail addresses as Arhivar keeps them: trimmed and lower-cased (Cognito usernames)."""


def normalize_email(text: str) -> str:
    return text.strip().lower()

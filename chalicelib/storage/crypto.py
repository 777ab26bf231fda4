"""Envelope for secrets at rest: KMS encryption bound to an encryption context."""

from __future__ import annotations

from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors


class TokenCipher:
    """Encrypts ANAF tokens with the tokens key; the context (credential id) must match to decrypt."""

    def __init__(self, settings: Settings) -> None:
        self._kms = aws_client(settings, "kms")
        self._key = settings.tokens_kms_key

    def encrypt(self, plaintext: str, context: dict[str, str]) -> bytes:
        with translated_errors("kms"):
            answer = self._kms.encrypt(
                KeyId=self._key, Plaintext=plaintext.encode("utf-8"), EncryptionContext=context
            )
        return answer["CiphertextBlob"]

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> str:
        with translated_errors("kms"):
            answer = self._kms.decrypt(
                KeyId=self._key, CiphertextBlob=ciphertext, EncryptionContext=context
            )
        return answer["Plaintext"].decode("utf-8")


def read_secret(settings: Settings, name: str) -> str:
    """A Secrets Manager secret's string value (the ANAF client secret)."""
    with translated_errors("secretsmanager"):
        return aws_client(settings, "secretsmanager").get_secret_value(SecretId=name)["SecretString"]

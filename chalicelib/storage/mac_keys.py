"""Secret MAC keys that KMS generates and that never exist in plaintext at rest.

A key is a KMS data key made under the tokens key (encryption context: its purpose); only its
KMS-encrypted form is stored, as a "key#<purpose>" item of the Limits table. The first process
that needs it creates it (a conditional write: one key wins a race); every process decrypts it
once and keeps it in memory. No extra setting or resource: KMS and the table already exist.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.settings import Settings
from chalicelib.storage.aws import aws_client, translated_errors
from chalicelib.storage.dynamodb_errors import updated_if
from chalicelib.storage.models import LimitCounterModel


class MacKeys:
    def __init__(self, settings: Settings) -> None:
        self._kms = aws_client(settings, "kms")
        self._key_id = settings.tokens_kms_key
        self._cache: dict[str, bytes] = {}

    def get(self, purpose: str) -> bytes:
        if purpose not in self._cache:
            self._cache[purpose] = self._decrypt(purpose, self._stored(purpose) or self._create(purpose))
        return self._cache[purpose]

    @staticmethod
    def _stored(purpose: str) -> bytes | None:
        try:
            return LimitCounterModel.get(f"key#{purpose}", consistent_read=True).blob
        except DoesNotExist:
            return None

    def _create(self, purpose: str) -> bytes:
        with translated_errors("kms"):
            wrapped = self._kms.generate_data_key(KeyId=self._key_id, KeySpec="AES_256",
                                                  EncryptionContext={"purpose": purpose})["CiphertextBlob"]
        # an update: this item has no expiry (the table's TTL attribute stays unset)
        if updated_if(LimitCounterModel(counter_key=f"key#{purpose}"), [LimitCounterModel.blob.set(wrapped)],
                      LimitCounterModel.counter_key.does_not_exist()):
            return wrapped
        return self._stored(purpose)  # type: ignore[return-value]  # another process won

    def _decrypt(self, purpose: str, wrapped: bytes) -> bytes:
        with translated_errors("kms"):
            answer = self._kms.decrypt(CiphertextBlob=wrapped, EncryptionContext={"purpose": purpose})
        return answer["Plaintext"]

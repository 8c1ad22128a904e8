"""`SecretBox`es: webhook signing secrets sealed with AES-256-GCM, so that the database holds
nothing that signs without the key.

- `KmsSecretBox` (deployed): envelope encryption. Each seal asks KMS for a fresh data key
  (`GenerateDataKey`, AES-256) and keeps the key's KMS-encrypted copy beside the ciphertext;
  opening asks KMS to decrypt that copy (remembered per container, so a warm dispatcher
  asks once per secret). The encryption context binds every data key to this use.
- `KeyFileSecretBox` (the local platform): one 256-bit key in a file (made on first use,
  readable by its owner only) under `.local/`.

A sealed secret starts with its format's byte, so a box refuses what another sealed.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_KEY_FILE = b"\x01"
_KMS = b"\x02"
_NONCE_BYTES = 12
_KEY_BYTES = 32
ENCRYPTION_CONTEXT = {"purpose": "mailman-webhook-secret"}


def _seal(key: bytes, secret: str, header: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, secret.encode(), header)


def _open(key: bytes, body: bytes, header: bytes) -> str:
    nonce, ciphertext = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, header).decode()
    except InvalidTag:
        raise ValueError("the sealed secret does not open with this key") from None


class KeyFileSecretBox:
    def __init__(self, path: Path) -> None:
        self._path = path

    @functools.cached_property
    def _key(self) -> bytes:
        if not self._path.exists():
            self._path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(secrets.token_bytes(_KEY_BYTES))
        key = self._path.read_bytes()
        if len(key) != _KEY_BYTES:
            raise ValueError(f"{self._path} does not hold a {_KEY_BYTES}-byte key")
        return key

    def seal(self, secret: str) -> bytes:
        return _seal(self._key, secret, _KEY_FILE)

    def open(self, sealed: bytes) -> str:
        if not sealed.startswith(_KEY_FILE):
            raise ValueError("not sealed by a key file")
        return _open(self._key, sealed[1:], _KEY_FILE)


class KmsSecretBox:
    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id
        self._opened: dict[bytes, bytes] = {}

    def seal(self, secret: str) -> bytes:
        data_key = self._kms.generate_data_key(
            KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=ENCRYPTION_CONTEXT
        )
        wrapped: bytes = data_key["CiphertextBlob"]
        header = _KMS + len(wrapped).to_bytes(2, "big") + wrapped
        return _seal(data_key["Plaintext"], secret, header)

    def open(self, sealed: bytes) -> str:
        if not sealed.startswith(_KMS) or len(sealed) < 3:
            raise ValueError("not sealed with a KMS data key")
        length = int.from_bytes(sealed[1:3], "big")
        header, body = sealed[: 3 + length], sealed[3 + length :]
        return _open(self._data_key(header[3:]), body, header)

    def _data_key(self, wrapped: bytes) -> bytes:
        key = self._opened.get(wrapped)
        if key is None:
            key = self._kms.decrypt(CiphertextBlob=wrapped, EncryptionContext=ENCRYPTION_CONTEXT)[
                "Plaintext"
            ]
            self._opened[wrapped] = key
        return key

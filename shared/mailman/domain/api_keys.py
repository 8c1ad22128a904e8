"""API key format: `mm_live_` + 32 random base62 characters + a 6-character CRC32 checksum.

The checksum lets a mistyped or made-up key be refused without touching the database; only
the SHA-256 of a key is ever stored. A key carries about 190 bits of randomness, so a fast
hash is the right one (a slow password hash would buy nothing and cost every request).
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain.access import Scope

PREFIX = "mm_live_"
_ALPHABET = string.digits + string.ascii_letters
_RANDOM_LENGTH = 32
_CHECKSUM_LENGTH = 6
_DISPLAY_LENGTH = 8
KEY_LENGTH = len(PREFIX) + _RANDOM_LENGTH + _CHECKSUM_LENGTH
MAX_NAME_LENGTH = 200
"""A key's name, once trimmed."""


@dataclass(frozen=True)
class NewApiKey:
    """A freshly minted key: `secret` is shown once and never stored."""

    secret: str
    prefix: str
    hash: str


@dataclass(frozen=True)
class ApiKeyRecord:
    """A new key as it is stored (`ApiKeyRepository.add`): its hash, never its secret."""

    organization_id: UUID
    name: str
    prefix: str
    key_hash: str
    rate_limit_per_minute: int | None
    expires_at: datetime | None
    scopes: frozenset[Scope] | None = None
    inbox_ids: frozenset[UUID] | None = None


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, len(_ALPHABET))
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), _CHECKSUM_LENGTH)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def display_prefix(secret: str) -> str:
    return secret[: len(PREFIX) + _DISPLAY_LENGTH]


def mint() -> NewApiKey:
    body = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
    secret = body + _checksum(body)
    return NewApiKey(secret=secret, prefix=display_prefix(secret), hash=hash_key(secret))


def is_well_formed(candidate: str) -> bool:
    """True when `candidate` has the key's shape and a correct checksum."""
    if len(candidate) != KEY_LENGTH or not candidate.startswith(PREFIX):
        return False
    if not candidate.isascii() or not all(c in _ALPHABET for c in candidate[len(PREFIX) :]):
        return False
    body, checksum = candidate[:-_CHECKSUM_LENGTH], candidate[-_CHECKSUM_LENGTH:]
    return secrets.compare_digest(_checksum(body), checksum)

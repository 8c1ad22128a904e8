"""The registry of the public keys that sign an organisation's tokens (`auth_keys`).

A key is registered with a `kid`, unique among the organisation's live keys, and the one
algorithm it may sign with: ES256 (an EC key on P-256) or RS256 (an RSA key of 2048 bits or
more). A token names its key by `kid` and is verified with that key's algorithm alone,
whatever its header says. A revoked key stays listed; its `kid` may be registered again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeGuard
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.errors import ValidationError
from mailman.domain.ratelimit import BucketState

MAX_KID_LENGTH = 128
MAX_PUBLIC_KEY_LENGTH = 16_384
"""A PEM's characters (an RSA key of 8192 bits takes about 1,500)."""
_KID = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
"""Printable ASCII, with no space at either end."""


class Algorithm(StrEnum):
    ES256 = "ES256"
    """ECDSA with SHA-256 over an EC key on P-256."""
    RS256 = "RS256"
    """RSASSA-PKCS1-v1_5 with SHA-256 over an RSA key of at least 2048 bits."""


def issuer_of(organization_id: UUID) -> str:
    """The issuer of an organisation's tokens: its id, as a lower-case hyphenated UUID.

    The id rather than an issuer URI of the customer's choosing: it needs no registration of
    its own, cannot collide between organisations, and names the organisation (and so the
    keys a token may be verified with) before anything is looked up.
    """
    return str(organization_id)


def is_kid(kid: object) -> TypeGuard[str]:
    """Whether `kid` is a name a key may have (and so a token may give)."""
    return isinstance(kid, str) and 1 <= len(kid) <= MAX_KID_LENGTH and bool(_KID.fullmatch(kid))


def check_kid(kid: str) -> str:
    """Answer `kid` if a key may be registered under it, or raise ValidationError."""
    if not is_kid(kid):
        raise ValidationError(
            f"kid must be 1 to {MAX_KID_LENGTH} printable ASCII characters, with no space at "
            "either end",
            field="kid",
        )
    return kid


def check_algorithm(algorithm: str) -> Algorithm:
    try:
        return Algorithm(algorithm)
    except ValueError:
        choices = ", ".join(a.value for a in Algorithm)
        raise ValidationError(f"algorithm must be one of {choices}", field="algorithm") from None


class AuthKey(BaseModel):
    """A registered public key, as stored: `public_key_pem` is its SubjectPublicKeyInfo PEM.
    Its validator is built when first used (only requests with a token or to `/auth-keys`
    read one)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: UUID
    organization_id: UUID
    kid: str
    algorithm: Algorithm
    public_key_pem: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def issuer(self) -> str:
        """What tokens signed with the key carry in `iss`."""
        return issuer_of(self.organization_id)


@dataclass(frozen=True)
class NewAuthKey:
    """A key as it is registered (`AuthKeyRepository.add`), its PEM already normalised."""

    organization_id: UUID
    kid: str
    algorithm: Algorithm
    public_key_pem: str


@dataclass(frozen=True)
class AuthKeyUse:
    """A verified token's request (`AuthKeyRepository.use`): whether its key is still live
    (not revoked, its organisation not deleted), the ids of the live inboxes of the
    organisation that the token's addresses name, and the subject's bucket and the
    organisation's after the request took its token (None when the key is not live: nothing
    was taken)."""

    live: bool
    inbox_ids: frozenset[UUID] = frozenset()
    buckets: tuple[BucketState, BucketState] | None = None

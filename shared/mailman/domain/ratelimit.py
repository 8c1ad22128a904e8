"""Rate limits: the token bucket arithmetic and the limits every caller is held to.

The buckets themselves live in the database so that they hold across Lambda instances: one
per API key, one per organisation over all its keys, one per source address for failed
authentications.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

DEFAULT_PER_MINUTE = 100
"""Requests a minute of an API key minted without a limit of its own (a deployment setting)."""
DEFAULT_ORGANIZATION_PER_MINUTE = 600
"""Requests a minute of an organisation over all its keys, unless the operator set another
(a deployment setting). A key's own limit may not exceed its organisation's."""
MAX_PER_MINUTE = 100_000
"""The most any key or organisation may be given."""
DEFAULT_MAX_API_KEYS = 100
"""Live (unrevoked, unexpired) API keys an organisation may hold, unless the operator set
another (a deployment setting)."""
MAX_API_KEYS_LIMIT = 10_000
"""The most live keys an operator may allow an organisation."""
FAILED_AUTHENTICATIONS_PER_MINUTE = 20
"""Requests with a missing, malformed, unknown, revoked or expired key that one source address
may make in a minute; beyond them it is refused (429) until its bucket has a token again."""
MAX_BLOCKED_ADDRESSES = 10_000
"""Blocked addresses one process remembers at most; an address it forgot costs one query."""


@dataclass(frozen=True)
class TokenRequest:
    """One request's token, from its key's bucket and its organisation's (taken with the
    key: `ApiKeyRepository.use`); each bucket holds a minute's tokens."""

    key_id: UUID
    organization_id: UUID
    key_per_minute: int
    organization_per_minute: int
    at: datetime


@dataclass(frozen=True)
class RequestLimits:
    """The request rates of a key and of an organisation that have none of their own (the
    deployment's settings)."""

    key_per_minute: int = DEFAULT_PER_MINUTE
    organization_per_minute: int = DEFAULT_ORGANIZATION_PER_MINUTE


@dataclass(frozen=True)
class BucketState:
    """A bucket after one request took (or failed to take) a token.

    The bucket holds at most `capacity` tokens and refills at `per_second` tokens a second.
    """

    allowed: bool
    tokens: float
    capacity: float
    per_second: float

    @classmethod
    def for_limit(cls, per_minute: int, *, allowed: bool, tokens: float) -> BucketState:
        return cls(allowed=allowed, tokens=tokens, capacity=per_minute, per_second=per_minute / 60)

    @property
    def limit(self) -> int:
        return int(self.capacity)

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.tokens))

    @property
    def reset_seconds(self) -> int:
        """Seconds until the bucket is full again."""
        return max(0, math.ceil((self.capacity - self.tokens) / self.per_second))

    @property
    def retry_after_seconds(self) -> int:
        """Seconds until the next token; at least 1 when a request was refused."""
        return max(1, math.ceil((1 - self.tokens) / self.per_second))


@dataclass(frozen=True)
class OrganizationLimits:
    """What an organisation may do: requests a minute over all its keys, live keys."""

    rate_limit_per_minute: int = DEFAULT_ORGANIZATION_PER_MINUTE
    max_api_keys: int = DEFAULT_MAX_API_KEYS


DEFAULT_ORGANIZATION_LIMITS = OrganizationLimits()


def binding_bucket(key: BucketState, organization: BucketState) -> BucketState:
    """The bucket a request's answer describes, of the two it needs a token from.

    A refused request describes a bucket that had no token (the one that frees up last when
    both had none); an admitted one the bucket closer to refusing, the key's on a tie.
    """
    if not key.allowed:
        empty = [b for b in (key, organization) if b.tokens < 1] or [key]
        return max(empty, key=lambda b: b.retry_after_seconds)
    return organization if organization.remaining < key.remaining else key


IPV6_NETWORK_PREFIX = 64
"""An IPv6 client commonly holds a whole /64: its failures are counted together."""


def source_network(address: str) -> str:
    """What failed authentications are counted by: an IPv4 address itself, an IPv6 address's
    /64 network (any other text as it is)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_NETWORK_PREFIX}", strict=False))


class BlockedAddresses:
    """Source addresses this process knows are refused, each until when.

    Kept per Lambda container so that a flood from a blocked address costs no query; bounded,
    forgetting the longest-known entries first when full.
    """

    def __init__(self, capacity: int = MAX_BLOCKED_ADDRESSES) -> None:
        self._capacity = capacity
        self._until: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._until)

    def blocked_until(self, address: str, now: datetime) -> datetime | None:
        """When the address may try again, if it is blocked at `now`."""
        until = self._until.get(address)
        if until is None:
            return None
        if until <= now:
            del self._until[address]
            return None
        return until

    def block(self, address: str, until: datetime) -> None:
        self._until.pop(address, None)
        while len(self._until) >= self._capacity:
            del self._until[next(iter(self._until))]
        self._until[address] = until

    def block_for(self, address: str, bucket: BucketState, now: datetime) -> datetime:
        """Block the address until its bucket has a token again; answer until when."""
        until = now + timedelta(seconds=bucket.retry_after_seconds)
        self.block(address, until)
        return until

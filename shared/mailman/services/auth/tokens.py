"""Customer-signed tokens: authenticate a bearer JWT (`authenticate_token`).

In order, each step refusing with the same 401 (`REFUSAL`, the reason logged):
its size and shape, its header (`kid`) and `iss` read unverified (`read_unverified`), the
key the organisation registered under that `kid` (from this process's `SigningKeyCache`;
a miss or an entry older than `KEY_CACHE_TTL` reads it anew), its signature and registered
claims (`TokenVerifier`), the rest of its claims (`check_claims`), then one statement
(`AuthKeyRepository.use`) that checks the key is still live, resolves the inboxes the token
names by address and takes the request's token from the bucket of (organisation, `sub`).
A warm function thus verifies a token with one round trip, as an API key costs, and a
revocation takes effect at the next request whatever the cache holds. A key registered
anew under a revoked key's `kid` is picked up once the old entry expires (at most
`KEY_CACHE_TTL`), or at once where a token of the old key was refused.

Each failure counts against the source address as a bad API key does (`FailureGuard`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from mailman.domain.access import Caller
from mailman.domain.auth_keys import AuthKey
from mailman.domain.credentials import KEY_CACHE_TTL
from mailman.domain.errors import Unauthorized
from mailman.domain.ratelimit import BlockedAddresses, RequestLimits, binding_bucket
from mailman.domain.tokens import (
    TokenAddress,
    TokenPolicy,
    TokenRejected,
    check_claims,
    read_unverified,
)
from mailman.ports import Clock, TokenVerifier, UnitOfWorkFactory
from mailman.services.auth.guard import FailureGuard
from mailman.services.auth.principal import Principal

REFUSAL = "invalid or expired token"
"""All a refused token's caller learns, whatever the reason."""
KEY_CACHE_CAPACITY = 1024

log = logging.getLogger(__name__)


class SigningKeyCache:
    """The registered keys this process read lately, by (organisation, kid), each for at
    most `ttl`; bounded, forgetting the longest-held entries first when full."""

    def __init__(self, ttl: timedelta = KEY_CACHE_TTL, capacity: int = KEY_CACHE_CAPACITY) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._entries: dict[tuple[UUID, str], tuple[AuthKey, datetime]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, address: TokenAddress, now: datetime) -> AuthKey | None:
        entry = self._entries.get((address.organization_id, address.kid))
        if entry is None:
            return None
        key, read_at = entry
        if not read_at <= now < read_at + self._ttl:
            self.forget(address)
            return None
        return key

    def put(self, key: AuthKey, now: datetime) -> None:
        name = (key.organization_id, key.kid)
        self._entries.pop(name, None)
        while len(self._entries) >= self._capacity:
            del self._entries[next(iter(self._entries))]
        self._entries[name] = (key, now)

    def forget(self, address: TokenAddress) -> None:
        self._entries.pop((address.organization_id, address.kid), None)


@dataclass(frozen=True)
class TokenVerification:
    """What verifying tokens takes, built once per process: the verifier (its cryptography),
    the deployment's rules and the keys read lately."""

    verifier: TokenVerifier
    policy: TokenPolicy
    keys: SigningKeyCache = field(default_factory=SigningKeyCache)


def authenticate_token(
    uow: UnitOfWorkFactory,
    clock: Clock,
    verification: TokenVerification,
    token: str,
    *,
    source: str | None = None,
    blocked: BlockedAddresses | None = None,
    limits: RequestLimits,
) -> Principal:
    """The principal of a bearer token, or Unauthorized (`REFUSAL`) whatever is wrong
    with it. `limits.key_per_minute` is the rate of each (organisation, subject);
    `source` and `blocked` as `FailureGuard` counts failures."""
    guard = FailureGuard.of(source, blocked, clock.now())
    guard.check_blocked()
    try:
        return _admit(uow, verification, token, limits, guard.now)
    except TokenRejected as rejected:
        log.info("bearer token refused", extra={"reason": rejected.reason[:200]})
    except (ValueError, TypeError, OverflowError) as unforeseen:
        # A token no rule foresaw is still only a caller's input: refused like any other.
        log.warning("bearer token refused: %s", type(unforeseen).__name__, exc_info=True)
    guard.count_alone(uow)
    raise Unauthorized(REFUSAL, field="Authorization")


def _admit(
    uow: UnitOfWorkFactory,
    verification: TokenVerification,
    token: str,
    limits: RequestLimits,
    now: datetime,
) -> Principal:
    address = read_unverified(token)
    key, claims = _verified(uow, verification, token, address, now)
    grant = check_claims(claims, now, verification.policy)
    with uow(None, autocommit=True) as work:
        used = work.auth_keys.use(key.id, grant.subject, grant.addresses, limits, now)
    if not used.live or used.buckets is None:
        verification.keys.forget(address)
        raise TokenRejected("the key is revoked, or its organisation deleted")
    caller = Caller(
        key.organization_id,
        "token",
        key.id,
        subject=grant.subject,
        scopes=grant.scopes,
        inbox_ids=grant.inboxes(used.inbox_ids),
    )
    return Principal(caller, binding_bucket(*used.buckets))


def _verified(
    uow: UnitOfWorkFactory,
    verification: TokenVerification,
    token: str,
    address: TokenAddress,
    now: datetime,
) -> tuple[AuthKey, Mapping[str, object]]:
    """The key that signed the token, and the token's claims. A token that fails against a
    key held in memory is tried once more against the key read anew, if another key has
    taken its `kid` since (revoked, and registered again): the new key is trusted at once,
    and a forged token costs a read, which its source address's failure bucket bounds."""
    keys = verification.keys
    held = keys.get(address, now)
    key = held or _read_key(uow, keys, address, now)
    try:
        return key, _verify(verification, token, key)
    except TokenRejected:
        if held is None:
            raise
        keys.forget(address)
        fresh = _read_key(uow, keys, address, now)
        if fresh.id == held.id:
            raise
        return fresh, _verify(verification, token, fresh)


def _verify(verification: TokenVerification, token: str, key: AuthKey) -> Mapping[str, object]:
    expectations = verification.policy.expectations(key.organization_id)
    return verification.verifier.verify(token, key, expectations)


def _read_key(
    uow: UnitOfWorkFactory, keys: SigningKeyCache, address: TokenAddress, now: datetime
) -> AuthKey:
    """The live key the token names, read (and then held in `keys`)."""
    with uow(None, autocommit=True) as work:
        found = work.auth_keys.find_live(address.organization_id, address.kid)
    if found is None:
        raise TokenRejected("the issuer has no live key of this kid")
    keys.put(found, now)
    return found

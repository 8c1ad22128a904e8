"""What every bearer credential goes through, an API key or a token: the header's scheme,
and the failed authentications of the request's source address.

Every failure (a missing, malformed, unknown, revoked or expired credential) takes a token
from the bucket of the source address (of its /64 network, for IPv6: `source_network`);
once that is empty the address is refused with RateLimited, and `blocked` (this process's
memory) refuses it without a query until it has a token again. A good credential costs
nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from mailman.domain.errors import RateLimited, Unauthorized
from mailman.domain.ratelimit import (
    FAILED_AUTHENTICATIONS_PER_MINUTE,
    BlockedAddresses,
    source_network,
)
from mailman.ports import RateLimitRepository, UnitOfWorkFactory


def bearer_value(authorization: str | None) -> str:
    """The credential of an `Authorization: Bearer <credential>` header, or Unauthorized."""
    if not authorization:
        raise Unauthorized("missing Authorization header", field="Authorization")
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized(
            "Authorization must be 'Bearer <API key or token>'", field="Authorization"
        )
    return credential


@dataclass(frozen=True)
class FailureGuard:
    """The failed authentications of one request's source address (none counted without
    one), at the request's time."""

    source: str | None
    blocked: BlockedAddresses | None
    now: datetime

    @classmethod
    def of(
        cls, source: str | None, blocked: BlockedAddresses | None, now: datetime
    ) -> FailureGuard:
        return cls(source_network(source) if source is not None else None, blocked, now)

    def check_blocked(self) -> None:
        """RateLimited, without a query, when this process knows the address is blocked."""
        if self.source is None or self.blocked is None:
            return
        until = self.blocked.blocked_until(self.source, self.now)
        if until is not None:
            raise too_many_failures(math.ceil((until - self.now).total_seconds()))

    def count(self, rate_limits: RateLimitRepository) -> None:
        """Take a failed authentication's token from the source's bucket: RateLimited (having
        written nothing) when there was none. Once the bucket is empty the address is
        remembered in `blocked` until it has a token again, so its next request costs no
        query."""
        if self.source is None:
            return
        bucket = rate_limits.take_failure(
            self.source, per_minute=FAILED_AUTHENTICATIONS_PER_MINUTE, at=self.now
        )
        if self.blocked is not None and bucket.tokens < 1:
            self.blocked.block_for(self.source, bucket, self.now)
        if not bucket.allowed:
            raise too_many_failures(bucket.retry_after_seconds)

    def count_alone(self, uow: UnitOfWorkFactory) -> None:
        """`count`, in a unit of work of its own."""
        if self.source is None:
            return
        with uow(None, autocommit=True) as work:
            self.count(work.rate_limits)


def too_many_failures(retry_after_seconds: int) -> RateLimited:
    return RateLimited(
        "too many requests without a valid API key or token from this address; "
        f"retry in {retry_after_seconds} s",
        retry_after_seconds=max(1, retry_after_seconds),
    )

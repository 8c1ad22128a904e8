"""Per-key rate limiting with a token bucket kept in the database."""

from __future__ import annotations

from mailman.domain.ratelimit import BucketState
from mailman.ports import Clock, UnitOfWorkFactory
from mailman.services.api_keys import Principal


def take_token(
    uow: UnitOfWorkFactory, clock: Clock, principal: Principal, *, default_per_minute: int
) -> BucketState:
    """Take one request's token from the principal's bucket; `allowed` says if there was one."""
    per_minute = principal.rate_limit_per_minute or default_per_minute
    with uow(principal.organization_id) as work:
        return work.rate_limits.take(
            principal.key_id, capacity=per_minute, per_second=per_minute / 60, at=clock.now()
        )

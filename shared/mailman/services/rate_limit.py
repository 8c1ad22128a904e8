"""Rate limiting with token buckets kept in the database: each request takes a token from
its key's bucket and from its organisation's."""

from __future__ import annotations

from mailman.domain.ratelimit import BucketState, TokenRequest, binding_bucket
from mailman.ports import Clock, UnitOfWorkFactory
from mailman.services.api_keys import Principal


def take_token(
    uow: UnitOfWorkFactory,
    clock: Clock,
    principal: Principal,
    *,
    default_per_minute: int,
    default_organization_per_minute: int,
) -> BucketState:
    """Take one request's token from the key's bucket and the organisation's (or from neither
    when either is empty); answer the bucket the answer describes, `allowed` saying whether
    the request may go on. The defaults apply to a key or organisation without its own limit.
    """
    key_limit = principal.rate_limit_per_minute or default_per_minute
    organization_limit = principal.organization_rate_limit_per_minute or (
        default_organization_per_minute
    )
    with uow(principal.organization_id, pipelined=True) as work:
        key, organization = work.rate_limits.take(
            TokenRequest(
                principal.key_id,
                principal.organization_id,
                key_per_minute=key_limit,
                organization_per_minute=organization_limit,
                at=clock.now(),
            )
        )
    return binding_bucket(key, organization)

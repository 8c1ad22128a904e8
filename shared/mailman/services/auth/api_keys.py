"""API keys: mint (shown once), list, revoke, and authenticate a request's bearer key
(taking its rate limit's token as it goes)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain import api_keys as key_format
from mailman.domain.access import checked_binding, checked_scopes
from mailman.domain.errors import Conflict, NotFound, Unauthorized, ValidationError
from mailman.domain.models import ApiKey
from mailman.domain.pagination import Page, PageRequest
from mailman.domain.ratelimit import (
    DEFAULT_ORGANIZATION_LIMITS,
    MAX_PER_MINUTE,
    BlockedAddresses,
    OrganizationLimits,
    RequestLimits,
    binding_bucket,
)
from mailman.ports import Clock, UnitOfWorkFactory
from mailman.services.auth.guard import FailureGuard, bearer_value
from mailman.services.auth.principal import Principal

UNKNOWN_KEY = "unknown, revoked or expired API key"
DEFAULT_REQUEST_LIMITS = RequestLimits()


@dataclass(frozen=True)
class CreatedApiKey:
    key: ApiKey
    secret: str


def create_api_key(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    *,
    name: str,
    rate_limit_per_minute: int | None = None,
    expires_at: datetime | None = None,
    defaults: OrganizationLimits = DEFAULT_ORGANIZATION_LIMITS,
    scopes: Collection[str] | None = None,
    inbox_ids: Collection[UUID] | None = None,
) -> CreatedApiKey:
    """Mint a key for the organisation, within its limits (`defaults` where it has none of
    its own): a key's rate may not exceed its organisation's, nor its live keys their cap.
    `scopes` (of the catalogue) narrow what it may do and `inbox_ids` (live inboxes of the
    organisation) bind it to those inboxes; None: every scope, every inbox."""
    granted = checked_scopes(scopes)
    binding = checked_binding(inbox_ids)
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= key_format.MAX_NAME_LENGTH:
        raise ValidationError(
            f"name must be 1 to {key_format.MAX_NAME_LENGTH} characters", field="name"
        )
    if rate_limit_per_minute is not None and not 1 <= rate_limit_per_minute <= MAX_PER_MINUTE:
        raise ValidationError(
            f"rate_limit_per_minute must be between 1 and {MAX_PER_MINUTE}",
            field="rate_limit_per_minute",
        )
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError("expires_at must be in the future", field="expires_at")
    minted = key_format.mint()
    with uow(organization_id) as work:
        # Locked, so that two keys minted at once cannot both take the last place.
        organization = work.organizations.get(organization_id, lock=True)
        if organization is None:
            raise NotFound("no such organisation", field="organization_id")
        limits = organization.limits(defaults)
        if (
            rate_limit_per_minute is not None
            and rate_limit_per_minute > limits.rate_limit_per_minute
        ):
            raise ValidationError(
                f"rate_limit_per_minute may be at most {limits.rate_limit_per_minute}, the "
                "organisation's limit over all its keys",
                field="rate_limit_per_minute",
            )
        missing = sorted(str(i) for i in binding or () if work.inboxes.get(i) is None)
        if missing:
            raise ValidationError(f"no such inbox: {', '.join(missing)}", field="inbox_ids")
        if work.api_keys.count_live(organization_id, now) >= limits.max_api_keys:
            raise Conflict(
                "the organisation has reached its cap of live API keys "
                f"({limits.max_api_keys}); revoke one it no longer uses first"
            )
        key = work.api_keys.add(
            key_format.ApiKeyRecord(
                organization_id,
                name=cleaned,
                prefix=minted.prefix,
                key_hash=minted.hash,
                rate_limit_per_minute=rate_limit_per_minute,
                expires_at=expires_at,
                scopes=granted,
                inbox_ids=binding,
            )
        )
    return CreatedApiKey(key=key, secret=minted.secret)


def list_api_keys(uow: UnitOfWorkFactory, organization_id: UUID, page: PageRequest) -> Page[ApiKey]:
    with uow(organization_id) as work:
        return Page.from_rows(work.api_keys.list(page), page)


def get_api_key(uow: UnitOfWorkFactory, organization_id: UUID, key_id: UUID) -> ApiKey:
    with uow(organization_id) as work:
        found = work.api_keys.get(key_id)
    if found is None:
        raise NotFound("no such API key", field="key_id")
    return found


def revoke_api_key(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, key_id: UUID
) -> ApiKey:
    with uow(organization_id) as work:
        revoked = work.api_keys.revoke(key_id, clock.now())
    if revoked is None:
        raise NotFound("no such API key", field="key_id")
    return revoked


def authenticate(
    uow: UnitOfWorkFactory,
    clock: Clock,
    authorization: str | None,
    *,
    source: str | None = None,
    blocked: BlockedAddresses | None = None,
    limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
) -> Principal:
    """Resolve an `Authorization: Bearer <key>` header to its principal, or raise Unauthorized.

    The key's lookup also takes the request's token from the key's bucket and its
    organisation's (`limits` where they have no rate of their own), in one statement: the
    principal's bucket says whether the request may go on. A key that fails its checksum is
    refused before any key lookup, and a key of a deleted organisation is not found. With a
    `source` address every failure counts against it (`FailureGuard`), and `blocked` refuses
    an address known to be blocked without a query.
    """
    guard = FailureGuard.of(source, blocked, clock.now())
    guard.check_blocked()
    try:
        key = _well_formed(bearer_value(authorization))
    except Unauthorized:
        guard.count_alone(uow)
        raise
    principal: Principal | None = None
    with uow(None, autocommit=True) as work:
        used = work.api_keys.use(key_format.hash_key(key), limits, guard.now)
        if used is not None and used.buckets is not None:
            principal = Principal(used.holder.key.caller(), binding_bucket(*used.buckets))
        else:
            guard.count(work.rate_limits)
    if principal is None:
        # Raised once the transaction has committed the failure it counted.
        raise Unauthorized(UNKNOWN_KEY, field="Authorization")
    return principal


def _well_formed(key: str) -> str:
    """The key, if it has a correct checksum."""
    if not key_format.is_well_formed(key):
        raise Unauthorized("malformed API key", field="Authorization")
    return key

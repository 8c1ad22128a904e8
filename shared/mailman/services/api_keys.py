"""API keys: mint (shown once), list, revoke, and authenticate a request's bearer key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain import api_keys as key_format
from mailman.domain.errors import NotFound, Unauthorized, ValidationError
from mailman.domain.models import ApiKey
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""

    organization_id: UUID
    key_id: UUID
    rate_limit_per_minute: int | None


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
) -> CreatedApiKey:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 200:
        raise ValidationError("name must be 1 to 200 characters", field="name")
    if rate_limit_per_minute is not None and not 1 <= rate_limit_per_minute <= 100_000:
        raise ValidationError(
            "rate_limit_per_minute must be between 1 and 100000", field="rate_limit_per_minute"
        )
    if expires_at is not None and expires_at <= clock.now():
        raise ValidationError("expires_at must be in the future", field="expires_at")
    minted = key_format.mint()
    with uow(organization_id) as work:
        if work.organizations.get(organization_id) is None:
            raise NotFound("no such organisation", field="organization_id")
        key = work.api_keys.add(
            organization_id,
            name=cleaned,
            prefix=minted.prefix,
            key_hash=minted.hash,
            rate_limit_per_minute=rate_limit_per_minute,
            expires_at=expires_at,
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


def authenticate(uow: UnitOfWorkFactory, clock: Clock, authorization: str | None) -> Principal:
    """Resolve an `Authorization: Bearer <key>` header to its principal, or raise Unauthorized.

    A key that fails its checksum is refused before any database query.
    """
    if not authorization:
        raise Unauthorized("missing Authorization header", field="Authorization")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization must be 'Bearer <api key>'", field="Authorization")
    if not key_format.is_well_formed(token):
        raise Unauthorized("malformed API key", field="Authorization")
    now = clock.now()
    with uow(None) as work:
        key = work.api_keys.find_by_hash(key_format.hash_key(token))
        if key is None or not key.is_active(now):
            raise Unauthorized("unknown, revoked or expired API key", field="Authorization")
        work.api_keys.touch(key.id, now)
    return Principal(
        organization_id=key.organization_id,
        key_id=key.id,
        rate_limit_per_minute=key.rate_limit_per_minute,
    )

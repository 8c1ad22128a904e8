"""Organisations: the tenants. Created, limited and deleted by operators, not through the API."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.models import Domain, Organization
from mailman.domain.pagination import MAX_LIMIT, PageRequest
from mailman.domain.ratelimit import MAX_API_KEYS_LIMIT, MAX_PER_MINUTE
from mailman.ports import Clock, DomainIdentities, ReceiptRecipients, UnitOfWorkFactory
from mailman.services.domains import delete_domain, list_domains


@dataclass(frozen=True)
class DeletedOrganization:
    organization: Organization
    revoked_keys: int
    deleted_domains: int


def create_organization(uow: UnitOfWorkFactory, name: str) -> Organization:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 200:
        raise ValidationError("organisation name must be 1 to 200 characters", field="name")
    with uow(None) as work:
        return work.organizations.add(cleaned)


def get_organization(uow: UnitOfWorkFactory, organization_id: UUID) -> Organization:
    with uow(organization_id) as work:
        found = work.organizations.get(organization_id)
    if found is None:
        raise NotFound("no such organisation", field="organization_id")
    return found


def list_organizations(uow: UnitOfWorkFactory) -> list[Organization]:
    with uow(None) as work:
        return work.organizations.list()


def set_limits(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    *,
    rate_limit_per_minute: int | None = None,
    max_api_keys: int | None = None,
) -> Organization:
    """Set the organisation's requests a minute over all its keys and its cap on live keys
    (those given). Keys minted before keep their own limits, but every request also needs a
    token from the organisation's bucket, and no key is minted while the cap is reached."""
    changes: dict[str, int] = {}
    if rate_limit_per_minute is not None:
        if not 1 <= rate_limit_per_minute <= MAX_PER_MINUTE:
            raise ValidationError(
                f"the rate limit must be between 1 and {MAX_PER_MINUTE} requests a minute",
                field="rate_limit_per_minute",
            )
        changes["rate_limit_per_minute"] = rate_limit_per_minute
    if max_api_keys is not None:
        if not 1 <= max_api_keys <= MAX_API_KEYS_LIMIT:
            raise ValidationError(
                f"the cap on live API keys must be between 1 and {MAX_API_KEYS_LIMIT}",
                field="max_api_keys",
            )
        changes["max_api_keys"] = max_api_keys
    if not changes:
        raise ValidationError("give a rate limit, a cap on live API keys, or both")
    with uow(organization_id) as work:
        updated = work.organizations.set_limits(organization_id, changes)
    if updated is None:
        raise NotFound("no such organisation", field="organization_id")
    return updated


def delete_organization(
    uow: UnitOfWorkFactory,
    clock: Clock,
    identities: DomainIdentities,
    receipt: ReceiptRecipients | None,
    organization_id: UUID,
) -> DeletedOrganization:
    """Revoke every key of the organisation, delete its domains, then soft-delete it.

    The keys go first, so no request adds a domain while its domains are deleted. Each domain
    goes as `DELETE /domains/{id}` deletes one (its inboxes, its SES identity and receipt
    entry unless another account claims the name), so no mail is taken in for a deleted
    organisation and its names are free for others. Until the organisation itself is
    deleted, a run that fails half-way is simply repeated (every step is idempotent). Its row
    is locked then, as minting a key locks it, so a key minted meanwhile either commits
    before (and is revoked with it) or finds no organisation; a domain a request already in
    flight added meanwhile is deleted after it."""
    get_organization(uow, organization_id)
    with uow(organization_id) as work:
        revoked = work.api_keys.revoke_all(organization_id, clock.now())
    deleted = _delete_domains(uow, clock, identities, receipt, organization_id)
    with uow(organization_id) as work:
        organization = work.organizations.get(organization_id, lock=True)
        if organization is None or not work.organizations.soft_delete(organization_id, clock.now()):
            raise NotFound("no such organisation", field="organization_id")
        revoked += work.api_keys.revoke_all(organization_id, clock.now())
    deleted += _delete_domains(uow, clock, identities, receipt, organization_id)
    return DeletedOrganization(
        organization=organization, revoked_keys=revoked, deleted_domains=deleted
    )


def _delete_domains(
    uow: UnitOfWorkFactory,
    clock: Clock,
    identities: DomainIdentities,
    receipt: ReceiptRecipients | None,
    organization_id: UUID,
) -> int:
    owned = _all_domains(uow, organization_id)
    for domain in owned:
        delete_domain(uow, clock, identities, receipt, organization_id, domain.id)
    return len(owned)


def _all_domains(uow: UnitOfWorkFactory, organization_id: UUID) -> list[Domain]:
    found: list[Domain] = []
    page = list_domains(uow, organization_id, PageRequest(limit=MAX_LIMIT))
    found.extend(page.items)
    while page.next_page_token:
        request = PageRequest.parse(MAX_LIMIT, page.next_page_token)
        page = list_domains(uow, organization_id, request)
        found.extend(page.items)
    return found

"""Organisations: the tenants. Created by operators, not through the API."""

from __future__ import annotations

from uuid import UUID

from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.models import Organization
from mailman.ports import UnitOfWorkFactory


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

"""`InMemoryOrganizationRepository`: organisations, soft-deleted."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository
from mailman.domain.models import Organization


class InMemoryOrganizationRepository(ScopedRepository):
    def add(self, name: str) -> Organization:
        organization = Organization(id=uuid.uuid4(), name=name, created_at=self._scope.stamp())
        self._tables.organizations[organization.id] = organization
        return organization

    def get(self, organization_id: UUID, *, lock: bool = False) -> Organization | None:
        """`lock` changes nothing: one caller at a time uses the store."""
        found = self._tables.organizations.get(organization_id)
        if found is None or not self._tables.live(found.id) or not self._scope.sees(found.id):
            return None
        return found

    def list(self) -> list[Organization]:
        return sorted(
            (o for o in self._tables.organizations.values() if self.get(o.id) is not None),
            key=lambda o: (o.created_at, o.id),
        )

    def set_limits(self, organization_id: UUID, changes: dict[str, int]) -> Organization | None:
        found = self.get(organization_id)
        if found is None:
            return None
        changed = found.model_copy(update=changes)
        self._tables.organizations[organization_id] = changed
        return changed

    def soft_delete(self, organization_id: UUID, at: datetime) -> bool:
        if self.get(organization_id) is None:
            return False
        self._tables.deleted[organization_id] = at
        return True

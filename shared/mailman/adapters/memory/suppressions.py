"""`InMemorySuppressionList`: addresses an organisation no longer sends to, and why."""

from __future__ import annotations

from collections.abc import Sequence

from mailman.adapters.memory.tables import ScopedRepository
from mailman.domain.suppressions import NewSuppression


class InMemorySuppressionList(ScopedRepository):
    def find(self, addresses: Sequence[str]) -> dict[str, str]:
        wanted = {a.lower() for a in addresses}
        return {
            address: entry.reason.value
            for (organization_id, address), entry in self._tables.suppressions.items()
            if address in wanted and self._scope.sees(organization_id)
        }

    def add(self, entries: Sequence[NewSuppression]) -> list[bool]:
        added = []
        for entry in entries:
            self._scope.check(entry.organization_id)
            key = (entry.organization_id, entry.address)
            added.append(key not in self._tables.suppressions)
            self._tables.suppressions.setdefault(key, entry)
        return added

"""`InMemorySuppressionList`: addresses an organisation no longer sends to, and why."""

from __future__ import annotations

from collections.abc import Sequence

from mailman.adapters.memory.tables import ScopedRepository


class InMemorySuppressionList(ScopedRepository):
    def find(self, addresses: Sequence[str]) -> dict[str, str]:
        wanted = {a.lower() for a in addresses}
        return {
            address: why
            for (organization_id, address), why in self._tables.suppressions.items()
            if address in wanted and self._scope.sees(organization_id)
        }

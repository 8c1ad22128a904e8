"""`InMemorySuppressionList`: addresses an organisation no longer sends to, and why. A removed
entry leaves the table (no read sees a removed entry), so the address may be added again."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.pagination import PageRequest
from mailman.domain.suppressions import NewSuppression, Suppression, SuppressionFilter


def _admits(which: SuppressionFilter, entry: Suppression) -> bool:
    return (
        (which.reason is None or entry.reason == which.reason)
        and (not which.prefix or entry.address.startswith(which.prefix))
        and (which.since is None or entry.created_at >= which.since)
    )


class InMemorySuppressionList(ScopedRepository):
    def _live(self) -> list[Suppression]:
        """The unit of work's organisation's entries, as the PostgreSQL list's statements
        name it: the list is a tenant's, whatever a unit of work without one would see."""
        assert self._scope.organization_id is not None, "the suppression list is a tenant's"
        return [
            entry
            for (organization_id, _), entry in self._tables.suppressions.items()
            if organization_id == self._scope.organization_id
        ]

    def find(self, addresses: Sequence[str]) -> dict[str, str]:
        wanted = set(addresses)
        return {e.address: e.reason.value for e in self._live() if e.address in wanted}

    def lookup(self, addresses: Sequence[str]) -> Callable[[], dict[str, str]]:
        found = self.find(addresses)
        return lambda: found

    def submit(self, entries: Sequence[NewSuppression]) -> Callable[[], list[bool]]:
        added = self.add(entries)
        return lambda: added

    def add(self, entries: Sequence[NewSuppression]) -> list[bool]:
        added = []
        for entry in entries:
            self._scope.check(entry.organization_id)
            key = (entry.organization_id, entry.address)
            added.append(key not in self._tables.suppressions)
            if added[-1]:
                self._tables.suppressions[key] = Suppression(
                    id=uuid.uuid4(),
                    organization_id=entry.organization_id,
                    address=entry.address,
                    reason=entry.reason,
                    source_message_id=entry.source_message_id,
                    details=dict(entry.details),
                    created_at=entry.at or self._scope.stamp(),
                )
        return added

    def get(self, address: str) -> Suppression | None:
        return next((e for e in self._live() if e.address == address), None)

    def remove(self, addresses: Sequence[str], at: datetime) -> list[bool]:
        removed = []
        for address in addresses:
            entry = self.get(address)
            if entry is not None:
                del self._tables.suppressions[(entry.organization_id, address)]
            removed.append(entry is not None)
        return removed

    def list(self, which: SuppressionFilter, page: PageRequest) -> list[Suppression]:
        return keyset_page((e for e in self._live() if _admits(which, e)), page)

"""`InMemoryDeliveryCountRepository` and `InMemorySendingBrake`: the hourly counts, and a
domain's pause, over the in-memory tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository
from mailman.domain.models import DeliveryStatus, Direction, Domain
from mailman.domain.reputation import BrakeFigures, DeliveryCounts, HourlyCounts


class InMemoryDeliveryCountRepository(ScopedRepository):
    def add(self, entries: Sequence[HourlyCounts]) -> None:
        for entry in entries:
            self._scope.check(entry.organization_id)
            key = (entry.inbox_id, entry.hour)
            found = self._tables.delivery_counts.get(key)
            counts = entry.counts if found is None else found.counts + entry.counts
            self._tables.delivery_counts[key] = replace(entry, counts=counts)

    def for_domain(
        self, domain_id: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        return self._sums((e for e in self._visible() if e.domain_id == domain_id), since, until)

    def for_inbox(
        self, inbox_id: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        return self._sums((e for e in self._visible() if e.inbox_id == inbox_id), since, until)

    def _visible(self) -> list[HourlyCounts]:
        return [
            e for e in self._tables.delivery_counts.values() if self._scope.sees(e.organization_id)
        ]

    @staticmethod
    def _sums(
        entries: Iterable[HourlyCounts], since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        chosen = list(entries)
        return [
            sum((e.counts for e in chosen if start <= e.hour <= until), DeliveryCounts())
            for start in since
        ]


class InMemorySendingBrake(ScopedRepository):
    def _domain(self, domain_id: UUID) -> Domain | None:
        found = self._tables.domains.get(domain_id)
        if found is None or not self._tables.live(domain_id):
            return None
        return found if self._scope.sees(found.organization_id) else None

    def pause(self, domain_id: UUID, at: datetime, reason: str, figures: BrakeFigures) -> bool:
        found = self._domain(domain_id)
        if found is None or found.sending_paused:
            return False
        self._tables.domains[domain_id] = found.model_copy(
            update={
                "sending_paused_at": at,
                "sending_paused_reason": reason,
                "sending_paused_figures": figures,
                "updated_at": self._scope.stamp(),
            }
        )
        return True

    def resume(self, domain_id: UUID, at: datetime) -> bool:
        found = self._domain(domain_id)
        if found is None or not found.sending_paused:
            return False
        self._tables.domains[domain_id] = found.model_copy(
            update={
                "sending_paused_at": None,
                "sending_paused_reason": None,
                "sending_paused_figures": None,
                "sending_resumed_at": at,
                "updated_at": self._scope.stamp(),
            }
        )
        self._release(domain_id)
        return True

    def _release(self, domain_id: UUID) -> None:
        """Clear the queue mark of the domain's waiting mail (what the outbound function
        held), for the dispatcher to queue it at once."""
        inboxes = {i.id for i in self._tables.inboxes.values() if i.domain_id == domain_id}
        for row in self._tables.messages.values():
            m = row.message
            if (
                m.inbox_id in inboxes
                and m.direction == Direction.OUTBOUND
                and m.status == DeliveryStatus.PENDING
                and row.deleted_at is None
            ):
                row.message = replace(m, queued_at=None)

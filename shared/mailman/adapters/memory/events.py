"""`InMemoryEventLog`: the event log, numbered in the order events were appended."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from mailman.adapters.memory.tables import ScopedRepository, StoredEvent
from mailman.adapters.memory.webhook_deliveries import fan_out
from mailman.domain.errors import ValidationError
from mailman.domain.events import Event, NewEvent


class InMemoryEventLog(ScopedRepository):
    """One caller at a time: an event is final once appended, so the log reads in `seq`
    order (PostgreSQL's has to wait out the transactions still running). Each event appended
    fans out to the webhook endpoints that want it, as migration 0015's trigger does."""

    def append(self, event: NewEvent) -> None:
        self._scope.check(event.organization_id)
        if any(
            e.organization_id == event.organization_id and e.dedup_key == event.dedup_key
            for e in self._tables.events
        ):
            return
        stored = Event(
            seq=len(self._tables.events) + 1,
            id=uuid.uuid4(),
            type=event.type,
            subject_id=event.subject_id,
            payload=event.payload,
            created_at=self._scope.stamp(),
        )
        appended = StoredEvent(event.organization_id, event.dedup_key, stored)
        self._tables.events.append(appended)
        fan_out(self._tables, appended, self._scope.clock.now())

    def append_many(self, events: Sequence[NewEvent]) -> None:
        for event in events:
            self.append(event)

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        visible = [e.event for e in self._tables.events if self._scope.sees(e.organization_id)]
        if after and not any(e.seq == after for e in visible):
            raise ValidationError("after is not a cursor this API issued", field="after")
        return [e for e in visible if e.seq > after and (not types or e.type in types)][:limit]

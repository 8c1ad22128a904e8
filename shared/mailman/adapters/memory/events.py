"""`InMemoryEventLog`: the event log, numbered in the order events were appended."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, StoredEvent
from mailman.adapters.memory.webhook_deliveries import fan_out
from mailman.domain.errors import ValidationError
from mailman.domain.event_catalogue import WEBHOOK_TEST
from mailman.domain.events import Event, NewEvent


class InMemoryEventLog(ScopedRepository):
    """One caller at a time: an event is final once appended, so the log reads in `seq`
    order (PostgreSQL's has to wait out the transactions still running). Each event appended
    fans out to the webhook endpoints that want it, as migration 0015's trigger does, and
    records its caller. A caller bound to inboxes reads their events and its endpoints'
    tests, as migrations 0017 and 0018 let it."""

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
            actor=self._scope.actor() or event.actor,
        )
        appended = StoredEvent(event.organization_id, event.dedup_key, stored)
        self._tables.events.append(appended)
        fan_out(self._tables, appended, self._scope.clock.now())

    def append_many(self, events: Sequence[NewEvent]) -> None:
        for event in events:
            self.append(event)

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        visible = [e.event for e in self._tables.events if self._visible(e)]
        if after and not any(e.seq == after for e in visible):
            raise ValidationError("after is not a cursor this API issued", field="after")
        return [e for e in visible if e.seq > after and (not types or e.type in types)][:limit]

    def latest(self, limit: int) -> Sequence[Event]:
        visible = [e.event for e in self._tables.events if self._visible(e)]
        return visible[max(len(visible) - limit, 0) :]

    def _visible(self, stored: StoredEvent) -> bool:
        if not self._scope.sees(stored.organization_id):
            return False
        caller = self._scope.caller
        if caller is None or caller.inbox_ids is None:
            return True
        event = stored.event
        inbox_id = event.payload.get("inbox_id")
        if inbox_id is not None and UUID(str(inbox_id)) in caller.inbox_ids:
            return True
        return event.type == WEBHOOK_TEST and self._sees_endpoint(event.subject_id)

    def _sees_endpoint(self, endpoint_id: UUID | None) -> bool:
        row = self._tables.webhook_endpoints.get(endpoint_id) if endpoint_id else None
        return (
            row is not None
            and self._scope.sees(row.organization_id)
            and self._scope.reaches_all(row.inbox_ids)
        )

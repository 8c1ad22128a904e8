"""`InMemoryDeliveryTracking`: SES events' history, the recipients' states they decide (with
`mailman.domain.tracking.track_event`, as the PostgreSQL store does) and the message's
summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import (
    DeliveryEventRow,
    MessageRow,
    ScopedRepository,
)
from mailman.domain.delivery import (
    BounceType,
    RecipientReport,
    RecipientStatus,
    SesEvent,
    SesEventType,
)
from mailman.domain.models import DeliveryStatus
from mailman.domain.tracking import (
    EarlierBounce,
    MessageDelivery,
    RecipientChange,
    RecipientStanding,
    RecipientTrack,
    Recorded,
    TrackedMessage,
    earlier_bounce,
    history_details,
    track_event,
)

_R = RecipientStatus


class InMemoryDeliveryTracking(ScopedRepository):
    def locate(self, ses_message_ids: Sequence[str]) -> dict[str, TrackedMessage]:
        wanted = set(ses_message_ids)
        return {
            row.ses_message_id: TrackedMessage(row.organization_id, row.id)
            for row in self._tables.messages.values()
            if row.ses_message_id in wanted and self._scope.sees(row.organization_id)
        }

    def lock(self, message_pks: Sequence[UUID]) -> None:
        """One caller at a time: nothing to hold."""

    def record(
        self, organization_id: UUID, events: Sequence[tuple[UUID, SesEvent]]
    ) -> list[Recorded | None]:
        return [self._record(organization_id, pk, event) for pk, event in events]

    def _record(self, organization_id: UUID, message_pk: UUID, event: SesEvent) -> Recorded | None:
        self._scope.check(organization_id)
        row = self._tables.messages.get(message_pk)
        if row is None or not self._scope.sees(row.organization_id):
            return None
        if row.ses_message_id is None or row.ses_message_id != event.ses_message_id:
            return None
        changes = []
        for report in event.recipients:
            key = (message_pk, event.source_event_id, event.type.value, report.address)
            if key in self._tables.delivery_events:
                continue
            changes.append(self._apply(row, event, report))
            self._tables.delivery_events[key] = DeliveryEventRow(
                organization_id,
                message_pk,
                report.address,
                event.type.value,
                event.source_event_id,
                event.occurred_at,
                event.ses_message_id,
                history_details(event, report),
                self._scope.stamp(),
            )
        return Recorded(tuple(changes), self._delivery(row))

    def _apply(self, row: MessageRow, event: SesEvent, report: RecipientReport) -> RecipientChange:
        address = report.address
        status, reason = row.recipient_states.get(address, (None, None))
        named = any(r.address.lower() == address for r in row.message.recipients)
        if not named or status == _R.SUPPRESSED:
            return RecipientChange(address, listed=False)
        before = _R(status) if status else None
        standing = RecipientStanding(before, row.tracks.setdefault(address, RecipientTrack()))
        first = track_event(standing, event, report, self._bounces(row, address))
        if standing.status is not None and standing.status != before:
            row.recipient_states[address] = (standing.status.value, reason)
        return RecipientChange(
            address, listed=True, before=before, after=standing.status, first=first
        )

    def _bounces(self, row: MessageRow, address: str) -> list[EarlierBounce]:
        return [
            earlier_bounce(e.occurred_at, e.source_event_id, _bounce_type(e.details))
            for e in self._tables.delivery_events.values()
            if e.message_pk == row.id
            and e.recipient == address
            and e.event_type == SesEventType.BOUNCE.value
        ]

    def _delivery(self, row: MessageRow) -> MessageDelivery:
        m = row.message
        statuses = {
            r.address.lower(): row.recipient_states.get(r.address.lower()) for r in m.recipients
        }
        assert m.status is not None, "an outgoing message has a status"
        domain = self._tables.domains[self._tables.inboxes[m.inbox_id].domain_id]
        return MessageDelivery(
            status=m.status,
            inbox_id=m.inbox_id,
            domain_id=domain.id,
            domain_name=domain.name,
            thread_id=m.thread_id,
            recipients={a: _R(s[0]) if s and s[0] else None for a, s in statuses.items()},
            domain_paused=domain.sending_paused,
            domain_resumed_at=domain.sending_resumed_at,
            sent_at=m.sent_at,
        )

    def soft_bounces(
        self, organization_id: UUID, addresses: Sequence[str], since: datetime, until: datetime
    ) -> dict[str, list[tuple[UUID, datetime]]]:
        events = self._tables.delivery_events.values()
        delivered = {
            (e.message_pk, e.recipient)
            for e in events
            if e.event_type == SesEventType.DELIVERY.value
        }
        found: dict[str, list[tuple[UUID, datetime]]] = {}
        for e in events:
            if (
                e.organization_id == organization_id
                and self._scope.sees(e.organization_id)
                and e.recipient in addresses
                and e.event_type == SesEventType.BOUNCE.value
                and since <= e.occurred_at <= until
                and e.details.get("bounce_type") != BounceType.PERMANENT.value
                and (e.message_pk, e.recipient) not in delivered
            ):
                found.setdefault(e.recipient, []).append((e.message_pk, e.occurred_at))
        return found

    def settle(self, statuses: Mapping[UUID, DeliveryStatus]) -> None:
        for message_pk, status in statuses.items():
            row = self._tables.messages[message_pk]
            self._scope.check(row.organization_id)
            row.message = replace(row.message, status=status)
            row.updated_at = self._scope.stamp()


def _bounce_type(details: dict[str, object]) -> str | None:
    kind = details.get("bounce_type")
    return kind if isinstance(kind, str) else None

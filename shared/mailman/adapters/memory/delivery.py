"""`InMemoryDeliveryTracking`: SES events' history, the recipients' states they decide (with
`mailman.domain.delivery.decider` and `decides` themselves, where PostgreSQL's statement
spells the same comparison out) and the message's summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from mailman.adapters.memory.tables import (
    DeliveryEventRow,
    MessageRow,
    RecipientTrack,
    ScopedRepository,
)
from mailman.domain.delivery import (
    BounceType,
    Decider,
    RecipientReport,
    RecipientStatus,
    SesEvent,
    SesEventType,
    decider,
    decides,
)
from mailman.domain.models import DeliveryStatus
from mailman.domain.tracking import (
    MessageDelivery,
    RecipientChange,
    Recorded,
    TrackedMessage,
    history_details,
)

_R = RecipientStatus
_OUTCOME_TIME = {
    _R.SENT: "sent_at",
    _R.DELIVERED: "delivered_at",
    _R.BOUNCED: "bounced_at",
    _R.COMPLAINED: "complained_at",
    _R.REJECTED: "rejected_at",
    _R.FAILED: "failed_at",
}
"""The column that keeps each outcome's first time."""
_NEVER = datetime.min.replace(tzinfo=UTC)
"""A delay without an expiry sorts first (PostgreSQL's `-infinity`)."""


class InMemoryDeliveryTracking(ScopedRepository):
    def locate(self, ses_message_id: str) -> TrackedMessage | None:
        return next(
            (
                TrackedMessage(row.organization_id, row.id)
                for row in self._tables.messages.values()
                if row.ses_message_id == ses_message_id and self._scope.sees(row.organization_id)
            ),
            None,
        )

    def lock(self, message_pk: UUID) -> None:
        """One caller at a time: nothing to hold."""

    def record(self, organization_id: UUID, message_pk: UUID, event: SesEvent) -> Recorded:
        self._scope.check(organization_id)
        row = self._tables.messages[message_pk]
        self._scope.check(row.organization_id)
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
        status, _ = row.recipient_states.get(address, (None, None))
        named = any(r.address.lower() == address for r in row.message.recipients)
        if not named or status == _R.SUPPRESSED:
            return RecipientChange(address, listed=False)
        before = _R(status) if status else None
        track = row.tracks.setdefault(address, RecipientTrack())
        if event.outcome is not None:
            first = self._outcome(row, track, before, event, report)
        elif event.type is SesEventType.DELIVERY_DELAY:
            first = _delay(track, event.occurred_at, report)
        else:
            first = False
        after_status, _ = row.recipient_states.get(address, (None, None))
        after = _R(after_status) if after_status else None
        return RecipientChange(address, listed=True, before=before, after=after, first=first)

    def _outcome(
        self,
        row: MessageRow,
        track: RecipientTrack,
        before: RecipientStatus | None,
        event: SesEvent,
        report: RecipientReport,
    ) -> bool:
        """Decide the recipient's state; keep the outcome's first time and the heaviest
        bounce's details. Answers whether the outcome is new to the recipient."""
        outcome, at = event.outcome, event.occurred_at
        assert outcome is not None
        new = decider(outcome, at, event.source_event_id, bounce_type=report.bounce_type)
        current = None
        if track.status_at is not None and before is not None:
            current = decider(
                before, track.status_at, track.status_event_id or "", bounce_type=track.bounce_type
            )
        if decides(new, current):
            _, reason = row.recipient_states.get(report.address, (None, None))
            row.recipient_states[report.address] = (outcome.value, reason)
            track.status_at, track.status_event_id = at, event.source_event_id
            if outcome is _R.COMPLAINED:
                track.complaint_feedback_type = report.complaint_feedback_type
        column = _OUTCOME_TIME[outcome]
        previous: datetime | None = getattr(track, column)
        setattr(track, column, at if previous is None else min(previous, at))
        if outcome is _R.BOUNCED:
            return self._bounce(row, track, new, report)
        return previous is None

    def _bounce(
        self, row: MessageRow, track: RecipientTrack, new: Decider, report: RecipientReport
    ) -> bool:
        """Keep the details of the bounce that weighs most; answers whether the bounce is the
        recipient's first of its kind (hard, or soft)."""
        others = [
            (decider(_R.BOUNCED, e.occurred_at, e.source_event_id, bounce_type=kind), kind)
            for e in self._tables.delivery_events.values()
            if e.message_pk == row.id
            and e.recipient == report.address
            and e.event_type == SesEventType.BOUNCE.value
            for kind in [_bounce_type(e.details)]
        ]
        if all(new > other for other, _ in others):
            track.bounce_type = None if report.bounce_type is None else str(report.bounce_type)
            track.bounce_sub_type = report.bounce_sub_type
            track.smtp_status, track.diagnostic_code = report.smtp_status, report.diagnostic_code
        hard = report.bounce_type == BounceType.PERMANENT
        return not any((kind == BounceType.PERMANENT) == hard for _, kind in others)

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
        )

    def soft_bounces(
        self, organization_id: UUID, addresses: Sequence[str], since: datetime, until: datetime
    ) -> dict[str, list[tuple[UUID, datetime]]]:
        found: dict[str, list[tuple[UUID, datetime]]] = {}
        for e in self._tables.delivery_events.values():
            if (
                e.organization_id == organization_id
                and self._scope.sees(e.organization_id)
                and e.recipient in addresses
                and e.event_type == SesEventType.BOUNCE.value
                and since <= e.occurred_at <= until
                and e.details.get("bounce_type") != BounceType.PERMANENT.value
            ):
                found.setdefault(e.recipient, []).append((e.message_pk, e.occurred_at))
        return found

    def settle(self, message_pk: UUID, status: DeliveryStatus) -> None:
        row = self._tables.messages[message_pk]
        self._scope.check(row.organization_id)
        row.message = replace(row.message, status=status)
        row.updated_at = self._scope.stamp()


def _bounce_type(details: dict[str, object]) -> str | None:
    kind = details.get("bounce_type")
    return kind if isinstance(kind, str) else None


def _delay(track: RecipientTrack, at: datetime, report: RecipientReport) -> bool:
    """Keep the latest delay (of two at one instant, the greater details); answers whether
    it is the recipient's first."""
    new = (at, report.delay_type or "", report.delay_expires_at or _NEVER)
    first = track.delayed_at is None
    if track.delayed_at is None or new > (
        track.delayed_at,
        track.delay_type or "",
        track.delay_expires_at or _NEVER,
    ):
        track.delayed_at, track.delay_type = at, report.delay_type
        track.delay_expires_at = report.delay_expires_at
    return first

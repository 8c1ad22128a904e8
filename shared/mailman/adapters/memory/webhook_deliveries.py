"""`InMemoryWebhookDeliveries`: the deliveries as the pipeline moves them; and the event
log's fan-out (`fan_out`), as migration 0015's trigger does it, so that the services' rules
can be tested in memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID, uuid4

from mailman.adapters.memory.mailbox import message_view
from mailman.adapters.memory.tables import ScopedRepository, StoredEvent, Tables
from mailman.adapters.memory.webhook_rows import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from mailman.domain.events import Event
from mailman.domain.webhook_bodies import MessageSnapshot, SnapshotRecipient
from mailman.domain.webhook_views import Attempt
from mailman.domain.webhook_work import AttemptReport, ClaimedDelivery, LeasedDelivery, Settlement
from mailman.domain.webhooks import (
    EXTRACTED_TEXT_CAP,
    LEASE,
    MAX_IN_FLIGHT,
    DeliveryState,
    DisabledReason,
)


def _live(endpoint: WebhookEndpointRow) -> bool:
    return endpoint.enabled and endpoint.deleted_at is None


def _wants(endpoint: WebhookEndpointRow, event: Event) -> bool:
    """Whether the fan-out gives the endpoint a delivery of `event` (migration 0015)."""
    inbox = event.payload.get("inbox_id")
    return (
        _live(endpoint)
        and event.type != "webhook.test"
        and (not endpoint.event_types or event.type in endpoint.event_types)
        and (not endpoint.inbox_ids or inbox in {str(i) for i in endpoint.inbox_ids})
        and not (event.type.startswith("webhook.") and event.subject_id == endpoint.id)
    )


def _claimable(endpoint: WebhookEndpointRow, delivery: WebhookDeliveryRow) -> bool:
    """A delivery is sent to an endpoint that is live; a test, to one not deleted (a test
    is how a caller learns whether a disabled endpoint's receiver works again)."""
    return _live(endpoint) or (delivery.test and endpoint.deleted_at is None)


def fan_out(tables: Tables, stored: StoredEvent, now: datetime) -> None:
    """One pending delivery, due `now`, of the event just appended for each endpoint of its
    organisation that wants it. (The clock's time, not the row's stamp, which may be a
    moment later: PostgreSQL's trigger uses the transaction's start, never later than a
    claim after it.)"""
    event = stored.event
    for endpoint in tables.webhook_endpoints.values():
        if endpoint.organization_id != stored.organization_id or not _wants(endpoint, event):
            continue
        thread = event.payload.get("thread_id")
        row = WebhookDeliveryRow(
            id=uuid4(),
            organization_id=stored.organization_id,
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_type=event.type,
            thread_id=UUID(str(thread)) if thread else None,
            created_at=event.created_at,
            updated_at=event.created_at,
            next_attempt_at=now,
        )
        tables.webhook_deliveries[row.id] = row


class InMemoryWebhookDeliveries(ScopedRepository):
    def claim(
        self, now: datetime, lease: UUID, *, only: Sequence[UUID] = (), limit: int
    ) -> list[ClaimedDelivery]:
        events = {e.event.id: e.event for e in self._tables.events}
        wanted = set(only)
        due = [
            d
            for d in self._tables.webhook_deliveries.values()
            if self._scope.sees(d.organization_id)
            and d.status == DeliveryState.PENDING
            and d.next_attempt_at is not None
            and d.next_attempt_at <= now
            and (not wanted or d.id in wanted)
            and _claimable(self._endpoint(d.endpoint_id), d)
        ]
        due.sort(key=lambda d: events[d.event_id].seq)
        in_flight = self._in_flight(now)
        taken: list[WebhookDeliveryRow] = []
        for d in due:
            if len(taken) == limit:
                break
            if not d.test:
                if in_flight[d.endpoint_id] >= MAX_IN_FLIGHT:
                    continue
                in_flight[d.endpoint_id] += 1
            taken.append(d)
        stamp = self._scope.stamp()
        for d in taken:
            d.lease, d.next_attempt_at, d.updated_at = lease, now + LEASE, stamp
        return [self._claimed(d, events[d.event_id]) for d in taken]

    def _in_flight(self, now: datetime) -> Counter[UUID]:
        """Each endpoint's deliveries leased at `now` (tests too)."""
        return Counter(
            d.endpoint_id
            for d in self._tables.webhook_deliveries.values()
            if d.status == DeliveryState.PENDING
            and d.lease is not None
            and d.next_attempt_at is not None
            and d.next_attempt_at > now
        )

    @contextmanager
    def publishing(self) -> Iterator[bool]:
        if self._tables.publishing:
            yield False
            return
        self._tables.publishing = True
        try:
            yield True
        finally:
            self._tables.publishing = False

    def _endpoint(self, endpoint_id: UUID) -> WebhookEndpointRow:
        return self._tables.webhook_endpoints[endpoint_id]

    def _claimed(self, d: WebhookDeliveryRow, event: Event) -> ClaimedDelivery:
        endpoint = self._endpoint(d.endpoint_id)
        assert d.lease is not None
        return ClaimedDelivery(
            id=d.id,
            organization_id=d.organization_id,
            endpoint_id=d.endpoint_id,
            url=endpoint.url,
            secrets=endpoint.secrets(),
            event=event,
            thread_id=d.thread_id,
            body=d.body,
            automatic=d.automatic,
            test=d.test,
            lease=d.lease,
        )

    def snapshots(self, message_ids: Sequence[UUID]) -> dict[UUID, MessageSnapshot]:
        found = {}
        for message_id in message_ids:
            row = self._tables.messages.get(message_id)
            if (
                row is None
                or row.deleted_at is not None
                or not self._scope.sees(row.organization_id)
            ):
                continue
            view = message_view(row)
            text = view.extracted_text
            found[message_id] = MessageSnapshot(
                id=view.id,
                thread_id=view.thread_id,
                inbox_id=view.inbox_id,
                direction=view.direction,
                from_address=view.from_address,
                from_name=view.from_name,
                subject=view.subject,
                preview=view.preview,
                extracted_text=text[: EXTRACTED_TEXT_CAP + 1] if text is not None else None,
                verdicts=view.verdicts,
                status=view.status,
                recipients=tuple(
                    SnapshotRecipient.model_validate(r, from_attributes=True)
                    for r in view.recipients
                    if r.kind != "envelope"
                ),
            )
        return found

    def freeze(self, bodies: Mapping[UUID, str]) -> None:
        for delivery_id, body in bodies.items():
            row = self._tables.webhook_deliveries[delivery_id]
            if row.body is None:
                row.body = body

    def add_attempt(self, report: AttemptReport) -> bool:
        delivery = self._tables.webhook_deliveries.get(report.delivery_id)
        if report.attempt_id in self._tables.webhook_attempts or delivery is None:
            return False
        self._scope.check(delivery.organization_id)
        self._tables.webhook_attempts[report.attempt_id] = WebhookAttemptRow(
            organization_id=delivery.organization_id,
            delivery_id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            lease=report.lease,
            attempt=Attempt(
                id=report.attempt_id,
                attempted_at=report.attempted_at,
                latency_ms=report.latency_ms,
                status_code=report.status_code,
                error=report.error,
                response_body=report.response_body,
                outcome=report.outcome,
                trigger=report.trigger,
            ),
            created_at=self._scope.stamp(),
        )
        return True

    def leased(self, delivery_id: UUID, lease: UUID) -> LeasedDelivery | None:
        d = self._tables.webhook_deliveries.get(delivery_id)
        if d is None or d.status != DeliveryState.PENDING or d.lease != lease:
            return None
        return LeasedDelivery(
            id=d.id,
            organization_id=d.organization_id,
            endpoint_id=d.endpoint_id,
            endpoint_url=self._endpoint(d.endpoint_id).url,
            event_id=d.event_id,
            event_type=d.event_type,
            attempts=d.attempts,
            automatic=d.automatic,
            test=d.test,
        )

    def settle(self, settlement: Settlement) -> None:
        d = self._tables.webhook_deliveries[settlement.delivery_id]
        self._scope.check(d.organization_id)
        status = settlement.status
        d.status = status
        d.attempts = settlement.attempts
        d.last_status_code = settlement.status_code
        d.last_error = settlement.error
        d.last_attempt_at = settlement.attempted_at
        d.lease = None
        d.next_attempt_at = settlement.next_attempt_at if status is DeliveryState.PENDING else None
        if status is DeliveryState.DELIVERED:
            d.delivered_at = settlement.settled_at
        if status is DeliveryState.FAILED:
            d.failed_at = settlement.settled_at
        d.updated_at = self._scope.stamp()

    def succeeded(self, endpoint_id: UUID, at: datetime) -> None:
        e = self._endpoint(endpoint_id)
        if e.failing_since is not None and e.failing_since <= at:
            e.failing_since = None
        if e.last_success_at is None or e.last_success_at < at:
            e.last_success_at = at

    def failed(self, endpoint_id: UUID, at: datetime) -> datetime | None:
        e = self._endpoint(endpoint_id)
        if e.failing_since is None and (e.last_success_at is None or e.last_success_at < at):
            e.failing_since = at
        return e.failing_since

    def disable(self, endpoint_id: UUID, reason: DisabledReason, at: datetime) -> bool:
        e = self._endpoint(endpoint_id)
        if not _live(e):
            return False
        e.enabled, e.disabled_reason, e.disabled_at = False, reason, at
        e.updated_at = self._scope.stamp()
        return True

    def drop_expired_secrets(self, now: datetime) -> int:
        expired = [
            e
            for e in self._tables.webhook_endpoints.values()
            if e.previous_secret_sealed is not None
            and e.previous_secret_expires_at is not None
            and e.previous_secret_expires_at <= now
        ]
        for e in expired:
            e.previous_secret_sealed = e.previous_secret_expires_at = None
        return len(expired)

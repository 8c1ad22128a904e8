"""`InMemoryWebhookDeliveryLog`: deliveries and attempts as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, StoredEvent
from mailman.adapters.memory.webhook_rows import WebhookDeliveryRow
from mailman.domain.event_catalogue import WEBHOOK_TEST
from mailman.domain.event_payloads import WebhookTest
from mailman.domain.events import Event
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import Attempt, Delivery
from mailman.domain.webhooks import DeliveryFilter, DeliveryState


def _admits(which: DeliveryFilter, row: WebhookDeliveryRow) -> bool:
    return (
        (which.status is None or row.status is which.status)
        and (which.event_type is None or row.event_type == which.event_type)
        and (which.since is None or row.created_at >= which.since)
        and (which.until is None or row.created_at < which.until)
    )


class InMemoryWebhookDeliveryLog(ScopedRepository):
    def _rows(self, endpoint_id: UUID) -> list[WebhookDeliveryRow]:
        return [
            row
            for row in self._tables.webhook_deliveries.values()
            if row.endpoint_id == endpoint_id and self._scope.sees(row.organization_id)
        ]

    def _row(self, endpoint_id: UUID, delivery_id: UUID) -> WebhookDeliveryRow | None:
        return next((r for r in self._rows(endpoint_id) if r.id == delivery_id), None)

    def _attempts(self, delivery_id: UUID) -> list[Attempt]:
        mine = [
            a.attempt
            for a in self._tables.webhook_attempts.values()
            if a.delivery_id == delivery_id
        ]
        return sorted(mine, key=lambda a: (a.attempted_at, a.id))

    def _shown(self, row: WebhookDeliveryRow) -> Delivery:
        return row.delivery(self._attempts(row.id))

    def get(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None:
        row = self._row(endpoint_id, delivery_id)
        return self._shown(row) if row else None

    def enabled(self, endpoint_id: UUID) -> bool | None:
        endpoint = self._tables.webhook_endpoints.get(endpoint_id)
        if (
            endpoint is None
            or endpoint.deleted_at is not None
            or not self._scope.sees(endpoint.organization_id)
            or not self._scope.reaches_all(endpoint.inbox_ids)
        ):
            return None
        return endpoint.enabled

    def retry(self, endpoint_id: UUID, delivery_id: UUID, at: datetime) -> Delivery | None:
        row = self._row(endpoint_id, delivery_id)
        if row is None or (row.status is DeliveryState.PENDING and row.lease is not None):
            return None
        if row.status is DeliveryState.PENDING:
            due = row.next_attempt_at
            row.next_attempt_at = at if due is None else min(due, at)
        else:
            _resend(row, at)
        row.updated_at = self._scope.stamp()
        return self._shown(row)

    def recover(
        self, endpoint_id: UUID, since: datetime, until: datetime, at: datetime
    ) -> list[UUID]:
        failed = sorted(
            (
                r
                for r in self._rows(endpoint_id)
                if r.status is DeliveryState.FAILED and since <= r.created_at < until
            ),
            key=lambda r: (r.created_at, r.id),
        )
        for row in failed:
            _resend(row, at)
            row.updated_at = self._scope.stamp()
        return [r.id for r in failed]

    def add_test(self, organization_id: UUID, endpoint_id: UUID, at: datetime) -> tuple[UUID, UUID]:
        self._scope.check(organization_id)
        now = self._scope.stamp()
        event = Event(
            seq=len(self._tables.events) + 1,
            id=uuid.uuid4(),
            type=WEBHOOK_TEST,
            subject_id=endpoint_id,
            payload=WebhookTest(endpoint_id=endpoint_id).model_dump(mode="json"),
            created_at=now,
            actor=self._scope.actor(),
        )
        self._tables.events.append(
            StoredEvent(organization_id, f"{WEBHOOK_TEST}:{event.id}", event)
        )
        row = WebhookDeliveryRow(
            id=uuid.uuid4(),
            organization_id=organization_id,
            endpoint_id=endpoint_id,
            event_id=event.id,
            event_type=WEBHOOK_TEST,
            created_at=now,
            updated_at=now,
            next_attempt_at=at,
            automatic=False,
            test=True,
        )
        self._tables.webhook_deliveries[row.id] = row
        return event.id, row.id

    def list(self, endpoint_id: UUID, which: DeliveryFilter, page: PageRequest) -> list[Delivery]:
        rows = sorted(
            (r for r in self._rows(endpoint_id) if _admits(which, r)),
            key=lambda r: (r.created_at, r.id),
            reverse=True,
        )
        after = page.after
        if after is not None:
            rows = [r for r in rows if (r.created_at, r.id) < (after.created_at, after.id)]
        return [self._shown(r) for r in rows[: page.limit + 1]]


def _resend(row: WebhookDeliveryRow, at: datetime) -> None:
    """A settled delivery made pending again: one attempt, due at `at`."""
    row.status = DeliveryState.PENDING
    row.automatic = False
    row.next_attempt_at = at
    row.lease = None
    row.delivered_at = row.failed_at = None

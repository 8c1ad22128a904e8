"""The webhook tables' rows in memory, column for column: `webhook_endpoints`,
`webhook_deliveries` and `webhook_attempts` (migration 0015)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain.webhook_views import Attempt, Delivery, WebhookEndpoint
from mailman.domain.webhooks import DeliveryState, DisabledReason, EndpointSecrets


@dataclass
class WebhookEndpointRow:
    id: UUID
    organization_id: UUID
    url: str
    event_types: tuple[str, ...]
    inbox_ids: tuple[UUID, ...]
    description: str | None
    enabled: bool
    secret_sealed: bytes
    created_at: datetime
    updated_at: datetime
    previous_secret_sealed: bytes | None = None
    previous_secret_expires_at: datetime | None = None
    disabled_reason: DisabledReason | None = None
    disabled_at: datetime | None = None
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    deleted_at: datetime | None = None

    def endpoint(self) -> WebhookEndpoint:
        return WebhookEndpoint(
            id=self.id,
            organization_id=self.organization_id,
            url=self.url,
            event_types=list(self.event_types),
            inbox_ids=list(self.inbox_ids),
            description=self.description,
            enabled=self.enabled,
            disabled_reason=self.disabled_reason,
            disabled_at=self.disabled_at,
            failing_since=self.failing_since,
            last_success_at=self.last_success_at,
            previous_secret_expires_at=self.previous_secret_expires_at,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )

    def secrets(self) -> EndpointSecrets:
        return EndpointSecrets(
            self.secret_sealed, self.previous_secret_sealed, self.previous_secret_expires_at
        )


@dataclass
class WebhookDeliveryRow:
    id: UUID
    organization_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    created_at: datetime
    updated_at: datetime
    thread_id: UUID | None = None
    status: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    body: str | None = None
    lease: UUID | None = None
    automatic: bool = True
    test: bool = False
    last_attempt_at: datetime | None = None
    failed_at: datetime | None = None

    def delivery(self, attempt_log: list[Attempt]) -> Delivery:
        """The delivery as the log shows it (`next_attempt_at` only while pending)."""
        return Delivery(
            id=self.id,
            endpoint_id=self.endpoint_id,
            event_id=self.event_id,
            event_type=self.event_type,
            status=self.status,
            attempts=self.attempts,
            next_attempt_at=self.next_attempt_at if self.status is DeliveryState.PENDING else None,
            last_attempt_at=self.last_attempt_at,
            delivered_at=self.delivered_at,
            failed_at=self.failed_at,
            created_at=self.created_at,
            attempt_log=attempt_log,
        )


@dataclass(frozen=True)
class WebhookAttemptRow:
    organization_id: UUID
    delivery_id: UUID
    endpoint_id: UUID
    lease: UUID
    attempt: Attempt
    created_at: datetime

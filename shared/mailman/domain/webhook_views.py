"""An endpoint, its deliveries and their attempts, as the database answers them and the API
shows them.

Apart from `webhooks`, the vocabulary every webhook function shares, so that only what reads
or changes an endpoint or its delivery log builds these models: not the API's other routes,
nor the sweep, the recorder or the dispatcher.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from mailman.domain.webhooks import DeliveryState, DisabledReason, Outcome, Trigger


class WebhookEndpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    organization_id: UUID
    url: str
    event_types: list[str]
    inbox_ids: list[UUID]
    description: str | None
    enabled: bool
    disabled_reason: DisabledReason | None
    disabled_at: datetime | None
    failing_since: datetime | None
    last_success_at: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Attempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    attempted_at: datetime
    latency_ms: int
    status_code: int | None
    error: str | None
    response_body: str
    outcome: Outcome
    trigger: Trigger


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    created_at: datetime
    attempt_log: list[Attempt] = Field(default_factory=list)

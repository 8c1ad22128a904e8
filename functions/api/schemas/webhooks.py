"""Bodies of `routes/webhooks.py`: endpoints (their signing secret only in the answers that
make one), deliveries with their attempts, a test's answer, a recovery, the event catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StrictBool, StrictInt, StrictStr

from mailman.domain.event_catalogue import CATALOGUE, EventType
from mailman.domain.webhook_endpoints import (
    MAX_DESCRIPTION_LENGTH,
    MAX_EVENT_TYPE_LENGTH,
    MAX_EVENT_TYPES,
    MAX_INBOXES,
)
from mailman.domain.webhook_targets import MAX_URL_LENGTH
from mailman.domain.webhooks import (
    MAX_ROTATION_GRACE,
    DeliveryState,
    DisabledReason,
    EndpointChanges,
    Outcome,
)
from mailman.services.webhooks import endpoints

from .common import Body, Out, Request

if TYPE_CHECKING:
    from mailman.domain.webhook_views import Attempt
    from mailman.services.webhooks.endpoints import EndpointRequest, EndpointWithSecret
    from mailman.services.webhooks.log import SentTest

TYPES = ", ".join(f"`{e.name}`" for e in CATALOGUE)

URL_TEXT = (
    "Where to POST each event: a public https URL (its host is resolved now and at every "
    "attempt; private, loopback, link-local and metadata addresses are refused)."
)
EVENT_TYPES_TEXT = f"The event types to deliver (empty: every type). Each one of {TYPES}."
INBOX_IDS_TEXT = (
    "Deliver only the events of these inboxes (empty: every inbox, and the events that "
    "belong to none)."
)
EventTypeName = Annotated[StrictStr, Field(max_length=MAX_EVENT_TYPE_LENGTH)]


class CreateWebhook(Request):
    url: StrictStr = Field(
        max_length=MAX_URL_LENGTH,
        description=URL_TEXT,
        examples=["https://hooks.example.com/mailman"],
    )
    event_types: list[EventTypeName] = Field(
        default_factory=list,
        max_length=MAX_EVENT_TYPES,
        description=EVENT_TYPES_TEXT,
        examples=[["message.received", "message.bounced"]],
    )
    inbox_ids: list[UUID] = Field(
        default_factory=list, max_length=MAX_INBOXES, description=INBOX_IDS_TEXT
    )
    description: StrictStr | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)
    enabled: StrictBool = True

    def request(self) -> EndpointRequest:
        return endpoints.EndpointRequest(
            self.url, self.event_types, self.inbox_ids, self.description, self.enabled
        )


class UpdateWebhook(Request):
    """Only the fields given change; `description: null` clears it."""

    url: StrictStr | None = Field(default=None, max_length=MAX_URL_LENGTH, description=URL_TEXT)
    event_types: list[EventTypeName] | None = Field(
        default=None, max_length=MAX_EVENT_TYPES, description=EVENT_TYPES_TEXT
    )
    inbox_ids: list[UUID] | None = Field(
        default=None, max_length=MAX_INBOXES, description=INBOX_IDS_TEXT
    )
    description: StrictStr | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)
    enabled: StrictBool | None = Field(
        default=None,
        description="false disables it (`disabled_reason` manual); true enables it again and "
        "forgets why it was disabled.",
    )

    def changes(self) -> EndpointChanges:
        given = self.model_fields_set
        return EndpointChanges(
            url=self.url,
            event_types=tuple(self.event_types) if self.event_types is not None else None,
            inbox_ids=tuple(self.inbox_ids) if self.inbox_ids is not None else None,
            description=self.description,
            clear_description="description" in given and self.description is None,
            enabled=self.enabled,
        )


class WebhookOut(Out):
    id: UUID
    url: str
    event_types: list[str] = Field(description="Empty: every type.")
    inbox_ids: list[UUID] = Field(description="Empty: every inbox.")
    description: str | None
    enabled: bool
    disabled_reason: DisabledReason | None = Field(
        description="`manual` (you), `gone` (the receiver answered 410) or `failing` (every "
        "attempt failed for 5 days); null while enabled."
    )
    disabled_at: datetime | None
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last success."
    )
    last_success_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="During a rotation, until when the previous secret signs too."
    )
    created_at: datetime
    updated_at: datetime


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(
        description="The signing secret (`whsec_...`, Standard Webhooks). Shown only in this "
        "answer: keep it now.",
    )

    @classmethod
    def of(cls, made: EndpointWithSecret) -> WebhookWithSecretOut:
        return cls.model_validate({**dict(made.endpoint), "secret": made.secret})


class RotateSecretIn(Request):
    grace_period_seconds: StrictInt | None = Field(
        default=None,
        ge=0,
        le=int(MAX_ROTATION_GRACE.total_seconds()),
        description="How long the previous secret signs beside the new one (default 86400: "
        "24 hours; 0 drops it at once).",
    )


class WebhookAttemptOut(Out):
    id: UUID
    attempted_at: datetime
    latency_ms: int
    status_code: int | None = Field(description="null when no answer came.")
    error: str | None = Field(description="Why no answer came (timeout, TLS, refused).")
    response_body: str = Field(description="The first 4 KB of the receiver's answer.")
    outcome: Outcome
    trigger: Literal["automatic", "manual", "test"]

    @classmethod
    def of(cls, attempt: Attempt) -> WebhookAttemptOut:
        return cls.model_validate(attempt)


class WebhookDeliveryOut(Out):
    id: UUID
    webhook_id: UUID = Field(validation_alias="endpoint_id")
    event_id: UUID = Field(
        description="The event's id: the `webhook-id` header of every attempt, retries and "
        "replays alike."
    )
    event_type: str
    status: DeliveryState = Field(
        description="`pending` until an attempt succeeds (`delivered`) or the retries run "
        "out (`failed`)."
    )
    attempt_count: int = Field(validation_alias="attempts")
    next_attempt_at: datetime | None = Field(description="While pending: when it is due.")
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    created_at: datetime
    attempts: list[WebhookAttemptOut] = Field(
        validation_alias="attempt_log", description="Every attempt, oldest first."
    )


class WebhookTestOut(Body):
    event_id: UUID = Field(description="The `webhook.test` event (the `webhook-id` header).")
    delivery: WebhookDeliveryOut
    attempt: WebhookAttemptOut | None = Field(
        description="The attempt, if it came in time (200); null while it has not (202)."
    )

    @classmethod
    def of(cls, sent: SentTest) -> WebhookTestOut:
        attempt = sent.attempt
        return cls(
            event_id=sent.event_id,
            delivery=WebhookDeliveryOut.model_validate(sent.delivery),
            attempt=WebhookAttemptOut.of(attempt) if attempt is not None else None,
        )


class RecoverIn(Request):
    since: AwareDatetime = Field(description="The window's start (inclusive).")
    until: AwareDatetime | None = Field(
        default=None,
        description="The window's end (exclusive; default now). At most 14 days after since.",
    )


class RecoverOut(Body):
    recovered: int = Field(description="Failed deliveries sent again.")


class EventTypeOut(Body):
    name: str
    description: str = Field(description="When an event of the type is appended.")
    payload_schema: dict[str, Any] = Field(description="The payload's JSON Schema.")
    example: dict[str, Any] = Field(description="An example payload (a webhook's `data`).")

    @classmethod
    def of(cls, found: EventType) -> EventTypeOut:
        return cls(
            name=found.name,
            description=found.appended,
            payload_schema=found.schema(),
            example=dict(found.example),
        )


class EventTypesOut(Body):
    data: list[EventTypeOut]

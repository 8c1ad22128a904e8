"""The pipeline between the event log and the dispatcher, which runs where it cannot reach
the database: a delivery as it is claimed to be sent (`ClaimedDelivery`) and the
`WebhookWork` it becomes (everything one attempt needs, the secrets still sealed); the
dispatcher's request (`PinnedRequest`) and what comes of it (`HttpAnswer`, `HttpFailure`);
the `AttemptReport` it answers, which the database side records (`services.webhooks`); and
the delivery as a report finds it (`LeasedDelivery`) and leaves it (`Settlement`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.webhooks import (
    ATTEMPT_TIMEOUT_SECONDS,
    LEASE,
    DeliveryState,
    EndpointSecrets,
    Outcome,
    Trigger,
)

if TYPE_CHECKING:
    from mailman.domain.events import Event


class WebhookWork(BaseModel):
    """One attempt, self-contained: what the dispatcher sends, where, signed with what. The
    secrets are sealed; the dispatcher opens them (`SecretBox`)."""

    model_config = ConfigDict(frozen=True)

    delivery_id: UUID
    organization_id: UUID
    endpoint_id: UUID
    lease: UUID
    """The claim this attempt belongs to; a report under an older claim changes nothing."""
    lease_expires_at: datetime
    """When the claim runs out and the sweep sends the delivery again: work that reaches the
    dispatcher too late to finish its attempt before then is dropped unsent."""
    webhook_id: str
    """The `webhook-id` header: the event's id, the same on every retry and replay."""
    url: str
    secrets: list[str]
    """Sealed secrets, base64, the current first."""
    body: str
    """The request body, exactly as sent and signed."""
    trigger: Trigger
    group: str
    """The FIFO message group: first attempts of one endpoint for one thread go in order."""


class AttemptReport(BaseModel):
    """What the dispatcher answers for one `WebhookWork`."""

    model_config = ConfigDict(frozen=True)

    attempt_id: UUID
    delivery_id: UUID
    organization_id: UUID
    endpoint_id: UUID
    lease: UUID
    trigger: Trigger
    attempted_at: datetime
    latency_ms: int
    status_code: int | None
    error: str | None
    response_body: str = ""
    retry_after_seconds: int | None = None
    outcome: Outcome


@dataclass(frozen=True)
class PinnedRequest:
    """One POST to a receiver, to be made to `address` (checked) and no other: the host's
    name goes in the `Host` header and the TLS handshake (SNI and the certificate's name)."""

    scheme: str
    host: str
    port: int
    target: str
    address: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    timeout_seconds: float = ATTEMPT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class HttpAnswer:
    status_code: int
    retry_after: str | None
    """The `Retry-After` header as sent, if any."""
    body: bytes
    """At most the first `RESPONSE_BODY_KEPT` bytes."""
    location: str | None = None
    """The `Location` header as sent, if any: a redirect is not followed, but the delivery
    log says where it pointed."""


class HttpFailure(Exception):
    """No HTTP answer: the connection, TLS or the time allowed failed (the message says
    which, for the delivery log)."""


@dataclass(frozen=True)
class ClaimedDelivery:
    """A pending delivery just leased for one attempt, with what its `WebhookWork` is made
    of: its endpoint's address and secrets, and the event it delivers."""

    id: UUID
    organization_id: UUID
    endpoint_id: UUID
    url: str
    secrets: EndpointSecrets
    event: Event
    thread_id: UUID | None
    body: str | None
    """The body as first sent; None until then."""
    automatic: bool
    test: bool
    lease: UUID

    @property
    def trigger(self) -> Trigger:
        if self.test:
            return "test"
        return "automatic" if self.automatic else "manual"

    @property
    def group(self) -> str:
        """The FIFO group: one endpoint's first attempts for one thread (or, outside a
        thread, one subject) go out in order, other endpoints' beside them."""
        ordered_by = self.thread_id or self.event.subject_id or self.event.id
        return f"{self.endpoint_id}:{ordered_by}"

    def work(self, body: str, now: datetime) -> WebhookWork:
        """The dispatcher's work for this attempt, signed with the secrets that sign at
        `now` (sealed, in base64)."""
        return WebhookWork(
            delivery_id=self.id,
            organization_id=self.organization_id,
            endpoint_id=self.endpoint_id,
            lease=self.lease,
            lease_expires_at=now + LEASE,
            webhook_id=str(self.event.id),
            url=self.url,
            secrets=[base64.b64encode(s).decode() for s in self.secrets.signing(now)],
            body=body,
            trigger=self.trigger,
            group=self.group,
        )


@dataclass(frozen=True)
class LeasedDelivery:
    """A pending delivery under the lease a report names, as recording the report needs it."""

    id: UUID
    organization_id: UUID
    endpoint_id: UUID
    endpoint_url: str
    event_id: UUID
    event_type: str
    attempts: int
    """Attempts made before the one reported."""
    automatic: bool
    test: bool


@dataclass(frozen=True)
class Settlement:
    """What one reported attempt makes of its delivery: still pending (due again at
    `next_attempt_at`), delivered or failed; in every case its attempt counted and its
    lease given up."""

    delivery_id: UUID
    status: DeliveryState
    attempts: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    next_attempt_at: datetime | None
    settled_at: datetime
    """When it was delivered or failed (unused while pending)."""

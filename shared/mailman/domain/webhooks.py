"""Webhooks: endpoints, their deliveries and attempts, the retry schedule, the signature
(Standard Webhooks v1) and the two messages between the database side and the dispatcher.

The dispatcher runs where it cannot reach the database: it gets a `WebhookWork` (everything
one attempt needs, the secrets still sealed) and answers with an `AttemptReport`, which the
database side records (`services.webhooks`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from mailman.domain.events import Event

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
"""Random bytes of a signing secret (Standard Webhooks asks for 24 to 64)."""

DEFAULT_ROTATION_GRACE = timedelta(hours=24)
MAX_ROTATION_GRACE = timedelta(days=7)

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""After the first attempt, each retry waits this long after the one before (about 27 h in
all); a delivery has `len(RETRY_DELAYS) + 1` automatic attempts."""
JITTER = 0.2
"""Each wait is stretched or shrunk by up to this fraction, so endpoints that failed together
are not all retried in the same second."""
MAX_RETRY_AFTER = timedelta(hours=1)
"""The longest `Retry-After` (of a 429 or a 503) that is honoured as asked."""
FAILING_DISABLES_AFTER = timedelta(days=5)
"""An endpoint whose every attempt has failed for this long is disabled."""

ATTEMPT_TIMEOUT_SECONDS = 15.0
"""Connect and read, together, of one attempt."""
RESPONSE_BODY_KEPT = 4096
"""Bytes of the receiver's answer kept with the attempt."""
MAX_BODY_BYTES = 128 * 1024
"""A webhook body is cut to fit this, as it is carried inside its work escaped to ASCII
(`webhook_bodies.body_size`): the work, a URL of 2048 characters and two secrets with it,
stays under the 256 KiB SQS takes in one message."""
EXTRACTED_TEXT_CAP = 16 * 1024
"""Characters of a message's extracted text that a webhook carries."""
LEASE = timedelta(minutes=5)
"""How long a claimed delivery is left to its dispatch before the sweep sends it again."""
MAX_IN_FLIGHT = 20
"""Deliveries of one endpoint leased at once, at most (tests aside): a dead or slow endpoint
with many threads holds that many of the dispatcher's attempts, never all of them; the rest
of its deliveries stay due until some of these are reported."""


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class DisabledReason(StrEnum):
    MANUAL = "manual"
    GONE = "gone"
    FAILING = "failing"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    GONE = "gone"
    """The receiver answered 410: the endpoint is disabled."""


Trigger = Literal["automatic", "manual", "test"]


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under `secret` (`whsec_...`)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: Sequence[str], webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one signature per secret, space-separated."""
    return " ".join(signature(s, webhook_id, timestamp, body) for s in secrets_)


def retry_delay(
    attempts_made: int, *, retry_after: timedelta | None = None, rng: random.Random | None = None
) -> timedelta | None:
    """How long after the attempt just failed the next one waits, given `attempts_made`
    automatic attempts so far (this one included); None when the schedule is spent.

    A `Retry-After` the receiver sent is honoured up to `MAX_RETRY_AFTER`, in place of the
    schedule's wait, when it is longer; it does not add attempts."""
    if attempts_made < 1 or attempts_made > len(RETRY_DELAYS):
        return None
    wait = RETRY_DELAYS[attempts_made - 1]
    stretch = 1 + (rng or random).uniform(-JITTER, JITTER)
    wait = timedelta(seconds=wait.total_seconds() * stretch)
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return wait


@dataclass(frozen=True)
class NewEndpoint:
    organization_id: UUID
    url: str
    event_types: tuple[str, ...]
    """Empty: every type."""
    inbox_ids: tuple[UUID, ...]
    """Empty: every inbox (and events that belong to none)."""
    description: str | None
    enabled: bool
    secret_sealed: bytes


@dataclass(frozen=True)
class EndpointChanges:
    """A PATCH: only the fields given change (`None` is "unchanged" except `description`,
    which `clear_description` empties)."""

    url: str | None = None
    event_types: tuple[str, ...] | None = None
    inbox_ids: tuple[UUID, ...] | None = None
    description: str | None = None
    clear_description: bool = False
    enabled: bool | None = None


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


@dataclass(frozen=True)
class EndpointSecrets:
    """An endpoint's sealed secrets: the current one, and the previous one while its grace
    period lasts."""

    current: bytes
    previous: bytes | None
    previous_expires_at: datetime | None

    def signing(self, now: datetime) -> list[bytes]:
        """The sealed secrets that sign at `now`: the current first."""
        live = self.previous is not None and (
            self.previous_expires_at is None or self.previous_expires_at > now
        )
        return [self.current, self.previous] if live and self.previous else [self.current]


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


@dataclass(frozen=True)
class DeliveryFilter:
    status: DeliveryState | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


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


# The pipeline between the event log and the dispatcher: a delivery as it is claimed to be
# sent, and as a report of its attempt finds it.


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

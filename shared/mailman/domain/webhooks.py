"""Webhooks: what every webhook function shares of endpoints, their deliveries and attempts:
the limits and the retry schedule, the states, the signature (Standard Webhooks v1), and the
changes and filters the API passes on.

The models the database answers and the API shows are in `webhook_views`; the messages
between the database side and the dispatcher (which runs where it cannot reach the
database) in `webhook_work`. Each function builds only those it uses.
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
TEST_WAIT = timedelta(seconds=10)
"""How long a test waits for its attempt: within the API function's 15 s (a slower receiver
gets its answer as a 202 with the pending delivery, the attempt later in its log)."""
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


@dataclass(frozen=True)
class DeliveryFilter:
    status: DeliveryState | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

"""What recording an SES event stores and answers (the `DeliveryTracking` port's values),
and the soft-bounce rule of the suppression list.

The state rules themselves (ranks, the deciding event, the message's summary) are in
`mailman.domain.delivery`; this module holds what the store tells the telemetry service
of each recipient an event named, so the service can count, announce and suppress.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from mailman.domain.delivery import RecipientReport, RecipientStatus, SesEvent
from mailman.domain.models import DeliveryStatus


def history_details(event: SesEvent, report: RecipientReport) -> dict[str, object]:
    """A `delivery_events` row's details: what the event said of this recipient (the fields
    it gave), and under `ses` the event's own object as SES sent it."""
    said: dict[str, object] = {
        "action": report.action,
        "smtp_status": report.smtp_status,
        "diagnostic_code": report.diagnostic_code,
        "bounce_type": None if report.bounce_type is None else str(report.bounce_type),
        "bounce_sub_type": report.bounce_sub_type,
        "complaint_feedback_type": report.complaint_feedback_type,
        "delay_type": report.delay_type,
        "delay_expires_at": report.delay_expires_at.isoformat()
        if report.delay_expires_at
        else None,
    }
    return {**{k: v for k, v in said.items() if v is not None}, "ses": dict(event.details)}


@dataclass(frozen=True)
class TrackedMessage:
    """An outgoing message found by the id SES gave it."""

    organization_id: UUID
    message_pk: UUID


@dataclass(frozen=True)
class RecipientChange:
    """What recording one event did to one address it named, for an event not seen before
    (a repeat changes nothing and is not reported)."""

    address: str
    """Canonical (`mailman.domain.suppressions.canonical_address`)."""
    listed: bool
    """The address is a recipient the message was sent to (not one left out as suppressed,
    nor one the message never named): only a listed recipient has a state to move."""
    before: RecipientStatus | None = None
    after: RecipientStatus | None = None
    first: bool = False
    """The first event of its outcome for this recipient (its outcome's time was unset; for
    a bounce, its first hard or its first soft bounce), or for a delay, its first delay:
    what `delivery_counts` counts."""


@dataclass(frozen=True)
class MessageDelivery:
    """A message's status and its recipients', as they stand once an event is recorded."""

    status: DeliveryStatus
    inbox_id: UUID
    domain_id: UUID
    domain_name: str
    thread_id: UUID | None
    recipients: Mapping[str, RecipientStatus | None]
    """Lower-case address -> state (None where nothing set one yet)."""


@dataclass(frozen=True)
class Recorded:
    """What `DeliveryTracking.record` answers: a change per address seen for the first time
    in this event, and the message as it now stands."""

    changes: tuple[RecipientChange, ...]
    message: MessageDelivery


SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_WINDOW = timedelta(hours=72)


def soft_bounce_streak(
    bounces: Iterable[tuple[UUID, datetime]],
    at: datetime,
    *,
    limit: int = SOFT_BOUNCE_LIMIT,
    window: timedelta = SOFT_BOUNCE_WINDOW,
) -> bool:
    """Whether an address's soft bounces ((message, time) pairs) hold `limit` different
    messages within one `window` that contains `at` (the bounce being recorded).

    Checking every window around each bounce as it is recorded finds a streak whatever
    order its bounces arrive in: the last of them to arrive sees the others. One message
    bouncing softly again and again is one strike: the mailbox may be full for everyone
    for a day, but it is the same mail."""
    seen = sorted(bounces, key=lambda b: b[1])
    for start in (t for _, t in seen if at - window <= t <= at):
        messages = {m for m, t in seen if start <= t <= start + window}
        if len(messages) >= limit:
            return True
    return False

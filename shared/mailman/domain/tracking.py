"""What recording an SES event stores and answers (the `DeliveryTracking` port's values),
and the soft-bounce rule of the suppression list.

The state rules themselves (ranks, the deciding event, the message's summary) are in
`mailman.domain.delivery`; this module holds what the store tells the telemetry service
of each recipient an event named, so the service can count, announce and suppress.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from mailman.domain.delivery import (
    BounceType,
    Decider,
    RecipientReport,
    RecipientStatus,
    SesEvent,
    SesEventType,
    decider,
    decides,
    not_spam,
)
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
    domain_paused: bool = False
    """The domain's sending is paused (the brake has nothing more to review)."""
    domain_resumed_at: datetime | None = None
    """The domain's last resume: the brake reads no mail from before it."""
    sent_at: datetime | None = None
    """When SES took the message (the hand-off): every outcome is counted in its hour."""


@dataclass(frozen=True)
class Recorded:
    """What `DeliveryTracking.record` answers: a change per address seen for the first time
    in this event, and the message as it now stands."""

    changes: tuple[RecipientChange, ...]
    message: MessageDelivery


@dataclass
class RecipientTrack:
    """A recipient's delivery columns beside its status, as `message_recipients` keeps them
    (migration 0014): what recording an event may change."""

    status_at: datetime | None = None
    status_event_id: str | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    complained_at: datetime | None = None
    rejected_at: datetime | None = None
    failed_at: datetime | None = None
    delayed_at: datetime | None = None
    delay_type: str | None = None
    delay_expires_at: datetime | None = None
    bounce_type: str | None = None
    bounce_sub_type: str | None = None
    smtp_status: str | None = None
    diagnostic_code: str | None = None
    complaint_feedback_type: str | None = None


@dataclass
class RecipientStanding:
    """A listed recipient's state and its delivery columns, moved by `track_event`."""

    status: RecipientStatus | None
    track: RecipientTrack


EarlierBounce = tuple[Decider, str | None]
"""A bounce stored for the recipient before: what it weighs, and its bounce type."""

_OUTCOME_TIME = {
    RecipientStatus.SENT: "sent_at",
    RecipientStatus.DELIVERED: "delivered_at",
    RecipientStatus.BOUNCED: "bounced_at",
    RecipientStatus.COMPLAINED: "complained_at",
    RecipientStatus.REJECTED: "rejected_at",
    RecipientStatus.FAILED: "failed_at",
}
"""The column that keeps each outcome's first time."""
_NEVER = datetime.min.replace(tzinfo=UTC)
"""A delay without an expiry sorts first (PostgreSQL's `-infinity`)."""


def track_event(
    standing: RecipientStanding,
    event: SesEvent,
    report: RecipientReport,
    bounces: Sequence[EarlierBounce],
) -> bool:
    """Apply one new report of an event to a listed recipient, as
    `mailman.ports.DeliveryTracking.record` describes (the state the heaviest event decides,
    each outcome's first time, the heaviest bounce's details, the deciding complaint's
    feedback type, the latest delay); `bounces` are the recipient's bounces of the message
    stored before this one. Answers whether the report is the recipient's first of its
    outcome (for a bounce, its first hard or soft one; for a delay, its first delay): what
    the hourly counts count. Both stores call it, so they decide alike. A `not-spam`
    complaint is history only: it moves nothing."""
    if not_spam(event, report):
        return False
    if event.outcome is not None:
        return _outcome(standing, event, report, bounces)
    if event.type is SesEventType.DELIVERY_DELAY:
        return _delay(standing.track, event.occurred_at, report)
    return False


def _outcome(
    standing: RecipientStanding,
    event: SesEvent,
    report: RecipientReport,
    bounces: Sequence[EarlierBounce],
) -> bool:
    outcome, at, track = event.outcome, event.occurred_at, standing.track
    assert outcome is not None
    new = decider(outcome, at, event.source_event_id, bounce_type=report.bounce_type)
    current = None
    if track.status_at is not None and standing.status is not None:
        current = decider(
            standing.status,
            track.status_at,
            track.status_event_id or "",
            bounce_type=track.bounce_type,
        )
    if decides(new, current):
        standing.status = outcome
        track.status_at, track.status_event_id = at, event.source_event_id
        if outcome is RecipientStatus.COMPLAINED:
            track.complaint_feedback_type = report.complaint_feedback_type
    column = _OUTCOME_TIME[outcome]
    previous: datetime | None = getattr(track, column)
    setattr(track, column, at if previous is None else min(previous, at))
    if outcome is RecipientStatus.BOUNCED:
        return _bounce(track, new, report, bounces)
    return previous is None


def _bounce(
    track: RecipientTrack, new: Decider, report: RecipientReport, bounces: Sequence[EarlierBounce]
) -> bool:
    """Keep the details of the bounce that weighs most; answers whether the bounce is the
    recipient's first of its kind (hard, or soft)."""
    if all(new > other for other, _ in bounces):
        track.bounce_type = None if report.bounce_type is None else str(report.bounce_type)
        track.bounce_sub_type = report.bounce_sub_type
        track.smtp_status, track.diagnostic_code = report.smtp_status, report.diagnostic_code
    hard = report.bounce_type == BounceType.PERMANENT
    return not any((kind == BounceType.PERMANENT) == hard for _, kind in bounces)


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


def earlier_bounce(at: datetime, source_event_id: str, bounce_type: str | None) -> EarlierBounce:
    """A stored bounce as `track_event` weighs it."""
    return decider(
        RecipientStatus.BOUNCED, at, source_event_id, bounce_type=bounce_type
    ), bounce_type


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

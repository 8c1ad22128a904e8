"""Delivery tracking's rules: what SES reports for each recipient of a sent message, the
state each recipient is in, and what a message's status says of its recipients.

SES reports late and out of order: a Delivery may come before its Send, a Complaint days
after the Delivery, a DeliveryDelay after the Delivery, and any notification twice. So a
recipient's state is not moved by arrival but chosen: every outcome has a rank, and the
event that decides the state is the one of highest rank, then the later, then the one with
the greater id. That choice is the same whatever order the events came in, and it only ever
moves a recipient forward (Complained may follow Delivered; Delivered never follows a
Bounce). History keeps every event; a delay is a note beside the state, never a state.

A soft bounce (Transient or Undetermined) ranks below a delivery: SES reports an automatic
reply (out of office) as a Transient bounce after the Delivery, and that mail did arrive. A
Permanent bounce after a Delivery (the receiving server gave up on it later) overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from mailman.domain.models import DeliveryStatus


class SesEventType(StrEnum):
    """A kind of SES notification, in our spelling (SES's `Rendering Failure` has a space)."""

    SEND = "send"
    DELIVERY = "delivery"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    REJECT = "reject"
    DELIVERY_DELAY = "delivery_delay"
    RENDERING_FAILURE = "rendering_failure"
    OPEN = "open"
    CLICK = "click"


class RecipientStatus(StrEnum):
    """Where one recipient of an outgoing message is. Pending until SES takes the message;
    `suppressed` is set before the hand-off, for an address the message was not sent to."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    REJECTED = "rejected"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    SUPPRESSED = "suppressed"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def final(self) -> bool:
        return self.rank > _RANK[RecipientStatus.SENT]


_R = RecipientStatus
_RANK: dict[RecipientStatus, int] = {
    _R.PENDING: 0,
    _R.SENT: 1,
    _R.DELIVERED: 3,
    _R.FAILED: 4,
    _R.SUPPRESSED: 4,
    _R.REJECTED: 5,
    _R.BOUNCED: 6,
    _R.COMPLAINED: 7,
}
_SOFT_BOUNCE_RANK = 2

OUTCOME: Mapping[SesEventType, RecipientStatus] = {
    SesEventType.SEND: _R.SENT,
    SesEventType.DELIVERY: _R.DELIVERED,
    SesEventType.BOUNCE: _R.BOUNCED,
    SesEventType.COMPLAINT: _R.COMPLAINED,
    SesEventType.REJECT: _R.REJECTED,
    SesEventType.RENDERING_FAILURE: _R.FAILED,
}
"""The state each kind of event puts a recipient in; the others (delay, open, click) are
notes that leave the state as it is."""

EVENT_LOG_TYPE: Mapping[RecipientStatus, str] = {
    _R.DELIVERED: "message.delivered",
    _R.BOUNCED: "message.bounced",
    _R.COMPLAINED: "message.complained",
    _R.REJECTED: "message.rejected",
    _R.FAILED: "message.failed",
}
"""The event appended to the log when a recipient reaches each state (`message.delayed` is
appended for a delay note on a recipient not yet at a final state)."""

DELAYED_EVENT = "message.delayed"
NOT_SPAM = "not-spam"
"""A complaint's feedback type by which the recipient says the mail is NOT spam (RFC 5965):
history only, it moves no state, counts nothing and suppresses nothing."""


class BounceType(StrEnum):
    PERMANENT = "Permanent"
    TRANSIENT = "Transient"
    UNDETERMINED = "Undetermined"


@dataclass(frozen=True, order=True)
class Decider:
    """What decides a recipient's state: compared as (rank, time, event id)."""

    rank: int
    at: datetime
    event_id: str


@dataclass(frozen=True)
class RecipientReport:
    """What one SES event says of one recipient."""

    address: str
    """Normalised (`mailman.domain.addresses.normalize_address`)."""
    action: str | None = None
    smtp_status: str | None = None
    diagnostic_code: str | None = None
    bounce_type: BounceType | str | None = None
    bounce_sub_type: str | None = None
    complaint_feedback_type: str | None = None
    delay_type: str | None = None
    delay_expires_at: datetime | None = None


@dataclass(frozen=True)
class SesEvent:
    """One SES notification, either shape (event publishing or identity notification),
    read into what delivery tracking needs."""

    type: SesEventType
    ses_message_id: str
    occurred_at: datetime
    source_event_id: str
    """SES's feedback id where it gives one, else a digest of the notification: the same
    notification delivered twice has the same id."""
    recipients: tuple[RecipientReport, ...]
    message_pk: UUID | None = None
    """From the tags the outbound function gave the mail (event publishing only)."""
    organization_id: UUID | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    """The event's own object as SES sent it (bounce, complaint, delivery, ...), for history."""
    sent_at: datetime | None = None
    """When SES took the mail (the notification's `mail.timestamp`)."""

    @property
    def outcome(self) -> RecipientStatus | None:
        return OUTCOME.get(self.type)


def not_spam(event: SesEvent, report: RecipientReport) -> bool:
    """Whether the report is a complaint that says the mail is not spam (`NOT_SPAM`)."""
    feedback = (report.complaint_feedback_type or "").lower()
    return event.type is SesEventType.COMPLAINT and feedback == NOT_SPAM


def decider(
    status: RecipientStatus, at: datetime, event_id: str, *, bounce_type: str | None = None
) -> Decider:
    """What an event that puts a recipient in `status` weighs (a soft bounce less than a
    hard one: see the module's docstring)."""
    soft = status is _R.BOUNCED and bounce_type != BounceType.PERMANENT
    return Decider(_SOFT_BOUNCE_RANK if soft else status.rank, at, event_id)


def decides(new: Decider, current: Decider | None) -> bool:
    """Whether an event (`new`) takes over the state `current` decided."""
    return current is None or new > current


def summarise(statuses: Iterable[RecipientStatus], current: DeliveryStatus) -> DeliveryStatus:
    """A sent message's status from its recipients': it stays Sent while any recipient waits
    for SES's word; then Complained if any recipient complained, Delivered if every one was
    delivered, Partially delivered if some were, else the one outcome they share (Bounced,
    Rejected, Failed), Bounced for a mix without a delivery.

    A message not yet sent (or cancelled) keeps `current`: recipients report only once SES
    has the message."""
    outcomes = set(statuses)
    kinds = outcomes - {_R.SUPPRESSED}
    if current not in _SUMMARISED or not kinds:
        return current
    if any(not s.final for s in kinds):
        return DeliveryStatus.SENT
    if _R.COMPLAINED in kinds:
        return DeliveryStatus.COMPLAINED
    if _R.DELIVERED in kinds:
        whole = kinds == {_R.DELIVERED} and _R.SUPPRESSED not in outcomes
        return DeliveryStatus.DELIVERED if whole else DeliveryStatus.PARTIALLY_DELIVERED
    return _SINGLE[kinds.pop()] if len(kinds) == 1 else DeliveryStatus.BOUNCED


_SINGLE: Mapping[RecipientStatus, DeliveryStatus] = {
    _R.BOUNCED: DeliveryStatus.BOUNCED,
    _R.REJECTED: DeliveryStatus.REJECTED,
    _R.FAILED: DeliveryStatus.FAILED,
}
_SUMMARISED = frozenset(
    {
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.PARTIALLY_DELIVERED,
        DeliveryStatus.BOUNCED,
        DeliveryStatus.COMPLAINED,
        DeliveryStatus.REJECTED,
    }
)

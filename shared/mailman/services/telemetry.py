"""Recording what SES reports of the mail it took: one event (`SesEvent`) at a time, in one
transaction, so an event is stored whole or not at all and a retry starts afresh.

- The message is found by the tags the outbound function gave the mail (its id and
  organisation), or, for an identity notification (which has no tags), by the id SES gave
  it, across organisations. An event for a message we do not know (another system shares
  the configuration set, the message was purged, or SES's id was never recorded) is
  answered `UNKNOWN_MESSAGE`: the caller counts it, and nothing retries it.
- Every event is SES's word that it took the message: the hand-off is confirmed as the
  outbound function confirms it (`confirm_sent`), so a Delivery that overtakes its Send
  (or the function's own record) still finds the message Sent, its recipients Sent.
- Each address the event names is stored once per event (a notification delivered twice
  changes nothing: `DUPLICATE`). For each new one, the recipient's state is decided by
  `mailman.domain.delivery.decides` (rank, then time, then event id), so any order of the
  same events ends in the same state; the outcome's first time is kept, the first
  bounce's details and the deciding complaint's feedback type; a delay is a note (the
  latest) that leaves the state as it is; opens and clicks are history only.
- `delivery_counts` counts a recipient once per outcome (delivered, hard or soft bounced,
  complained, rejected, delayed), in the hour of the event that first reports it; Sent is
  counted when the hand-off is confirmed.
- The message's status summarises its recipients' (`summarise`).
- The event log gets one `message.<state>` per recipient reaching a state
  (`EVENT_LOG_TYPE`), and `message.delayed` per delay of a recipient not yet at a final
  state, each appended once however often SES repeats itself.
- The suppression list of the message's organisation gets an address that bounced hard
  (Permanent; reason `bounce`), that complained (reason `complaint`, unless the feedback
  says `not-spam`), or that bounced softly (Transient or Undetermined) on
  `SOFT_BOUNCE_LIMIT` (3) different messages within `SOFT_BOUNCE_WINDOW` (72 hours)
  (reason `soft_bounce`; `mailman.domain.tracking.soft_bounce_streak`). One message
  bouncing softly many times counts once: a full mailbox refuses every mail alike, and
  SES retried it already. The window is checked around each soft bounce as it is recorded,
  so the third bounce of a streak suppresses whichever order the three arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from uuid import UUID

from mailman.domain.delivery import (
    DELAYED_EVENT,
    EVENT_LOG_TYPE,
    BounceType,
    RecipientReport,
    RecipientStatus,
    SesEvent,
    SesEventType,
    summarise,
)
from mailman.domain.events import NewEvent
from mailman.domain.models import DeliveryStatus
from mailman.domain.reputation import DeliveryCounts, HourlyCounts, hour_of
from mailman.domain.suppressions import NewSuppression, SuppressionReason, canonical_address
from mailman.domain.tracking import (
    SOFT_BOUNCE_LIMIT,
    SOFT_BOUNCE_WINDOW,
    MessageDelivery,
    RecipientChange,
    Recorded,
    TrackedMessage,
    soft_bounce_streak,
)
from mailman.ports import Clock, UnitOfWork, UnitOfWorkFactory
from mailman.services.sending import confirm_sent

_R = RecipientStatus
_COUNTED: Mapping[RecipientStatus, str] = {
    _R.DELIVERED: "delivered",
    _R.COMPLAINED: "complained",
    _R.REJECTED: "rejected",
}
"""The `DeliveryCounts` field each outcome is counted in (a bounce in `hard_bounced` or
`soft_bounced`, a delay in `delayed`; Sent when the hand-off is confirmed)."""
NOT_SPAM = "not-spam"
"""A complaint's feedback type that asks for nothing to be suppressed (RFC 5965)."""


@dataclass(frozen=True)
class Telemetry:
    """What recording SES's events needs: the store, a clock, and the region whose SES
    sends (it names the Message-ID SES gives the mail)."""

    uow: UnitOfWorkFactory
    clock: Clock
    region: str


class TrackingOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    """Every address the event names was recorded for it before."""
    UNKNOWN_MESSAGE = "unknown_message"


@dataclass(frozen=True)
class TrackedEvent:
    """What recording one event did: its outcome, the message and domain it touched, what
    it added to the hourly counts, and how many addresses it suppressed."""

    outcome: TrackingOutcome
    organization_id: UUID | None = None
    message_id: UUID | None = None
    domain_id: UUID | None = None
    domain_name: str | None = None
    counts: DeliveryCounts = field(default_factory=DeliveryCounts)
    suppressed: int = 0
    handed_off: bool = False
    """This event confirmed the hand-off: it came before the outbound function's record (or
    that function died after SES took the mail)."""


def record_event(env: Telemetry, event: SesEvent) -> TrackedEvent:
    """Record one SES event (see the module's rules)."""
    target = _locate(env, event)
    if target is None:
        return TrackedEvent(TrackingOutcome.UNKNOWN_MESSAGE)
    with env.uow(target.organization_id, pipelined=True) as work:
        return _record(work, env, target, _canonical(event))


def _locate(env: Telemetry, event: SesEvent) -> TrackedMessage | None:
    if event.message_pk is not None and event.organization_id is not None:
        return TrackedMessage(event.organization_id, event.message_pk)
    with env.uow(None, autocommit=True) as work:
        return work.delivery.locate(event.ses_message_id)


def _canonical(event: SesEvent) -> SesEvent:
    """The event with its addresses canonical, each named once (its first report)."""
    reports: dict[str, RecipientReport] = {}
    for report in event.recipients:
        address = canonical_address(report.address)
        reports.setdefault(address, replace(report, address=address))
    return replace(event, recipients=tuple(reports.values()))


def _record(
    work: UnitOfWork, env: Telemetry, target: TrackedMessage, event: SesEvent
) -> TrackedEvent:
    organization_id, pk = target.organization_id, target.message_pk
    work.delivery.lock(pk)
    sent = confirm_sent(work, pk, event.ses_message_id, region=env.region, at=env.clock.now())
    if sent is None:
        return TrackedEvent(TrackingOutcome.UNKNOWN_MESSAGE, organization_id, pk)
    recorded = work.delivery.record(organization_id, pk, event)
    message = recorded.message
    touched = TrackedEvent(
        TrackingOutcome.DUPLICATE,
        organization_id,
        pk,
        message.domain_id,
        message.domain_name,
        handed_off=sent.newly,
    )
    if event.recipients and not recorded.changes:
        return touched
    suppressed = _suppress(work, env, target, event, recorded.changes)
    counts = _counts(event, recorded.changes)
    if counts != DeliveryCounts():
        work.delivery_counts.add(
            [
                HourlyCounts(
                    organization_id,
                    message.domain_id,
                    message.inbox_id,
                    hour_of(event.occurred_at),
                    counts,
                )
            ]
        )
    _settle(work, pk, message)
    work.events.append_many(_announcements(target, event, recorded))
    return replace(touched, outcome=TrackingOutcome.RECORDED, counts=counts, suppressed=suppressed)


def _settle(work: UnitOfWork, message_pk: UUID, message: MessageDelivery) -> None:
    """The message's status becomes its recipients' summary. SES has the message (its
    hand-off is confirmed), so the summary is the recipients' alone: a message whose
    recipients all failed is Failed, and moves on if a later event moves a recipient."""
    statuses = (s or _R.PENDING for s in message.recipients.values())
    status = summarise(statuses, DeliveryStatus.SENT)
    if status != message.status:
        work.delivery.settle(message_pk, status)


def _counts(event: SesEvent, changes: Iterable[RecipientChange]) -> DeliveryCounts:
    """What the event adds to the hour's counts: a recipient reaching an outcome (a hard or
    a soft bounce, or its first delay) for the first time."""
    reports = {r.address: r for r in event.recipients}
    counts: dict[str, int] = {}
    for change in changes:
        if not (change.listed and change.first):
            continue
        kind = _kind(event, reports[change.address])
        if kind is not None:
            counts[kind] = counts.get(kind, 0) + 1
    return DeliveryCounts(**counts)


def _kind(event: SesEvent, report: RecipientReport) -> str | None:
    if event.type is SesEventType.DELIVERY_DELAY:
        return "delayed"
    if event.outcome is _R.BOUNCED:
        return "hard_bounced" if report.bounce_type == BounceType.PERMANENT else "soft_bounced"
    return _COUNTED.get(event.outcome) if event.outcome else None


def _announcements(target: TrackedMessage, event: SesEvent, recorded: Recorded) -> list[NewEvent]:
    """`message.<state>` for each recipient the event moved to a state the log names, and
    `message.delayed` for each delay of a recipient not yet at a final state."""
    reports = {r.address: r for r in event.recipients}
    found = []
    for change in recorded.changes:
        after = change.after
        if not change.listed or after is None:
            continue
        report = reports[change.address]
        if after != change.before and after in EVENT_LOG_TYPE:
            kind = EVENT_LOG_TYPE[after]
            key = f"{kind}:{target.message_pk}:{change.address}"
            found.append(_event(target, recorded.message, kind, key, event, report, after))
        if event.type is SesEventType.DELIVERY_DELAY and not after.final:
            key = f"{DELAYED_EVENT}:{target.message_pk}:{change.address}:{event.source_event_id}"
            found.append(_event(target, recorded.message, DELAYED_EVENT, key, event, report, after))
    return found


def _event(
    target: TrackedMessage,
    message: MessageDelivery,
    kind: str,
    dedup_key: str,
    event: SesEvent,
    report: RecipientReport,
    status: RecipientStatus,
) -> NewEvent:
    """A recipient's event, its payload in the style of the message's own events (ids as
    strings, then what happened)."""
    said = {
        "bounce_type": None if report.bounce_type is None else str(report.bounce_type),
        "bounce_sub_type": report.bounce_sub_type,
        "smtp_status": report.smtp_status,
        "diagnostic_code": report.diagnostic_code,
        "complaint_feedback_type": report.complaint_feedback_type,
        "delay_type": report.delay_type,
        "delay_expires_at": report.delay_expires_at.isoformat()
        if report.delay_expires_at
        else None,
    }
    return NewEvent(
        target.organization_id,
        type=kind,
        subject_id=target.message_pk,
        dedup_key=dedup_key,
        payload={
            "message_id": str(target.message_pk),
            "inbox_id": str(message.inbox_id),
            "thread_id": str(message.thread_id) if message.thread_id else None,
            "recipient": report.address,
            "status": status.value,
            "occurred_at": event.occurred_at.isoformat(),
            "ses_message_id": event.ses_message_id,
            **{k: v for k, v in said.items() if v is not None},
        },
    )


def _suppress(
    work: UnitOfWork,
    env: Telemetry,
    target: TrackedMessage,
    event: SesEvent,
    changes: Sequence[RecipientChange],
) -> int:
    """Suppress what the event's new reports call for; answers how many were added."""
    fresh = {c.address for c in changes}
    reports = [r for r in event.recipients if r.address in fresh]
    if event.type is SesEventType.BOUNCE:
        found = _bounced(work, target, event, reports)
    elif event.type is SesEventType.COMPLAINT:
        found = [
            (r.address, SuppressionReason.COMPLAINT, _said(r, "complaint_feedback_type"))
            for r in reports
            if (r.complaint_feedback_type or "").lower() != NOT_SPAM
        ]
    else:
        return 0
    entries = [
        NewSuppression(
            target.organization_id,
            address,
            reason,
            source_message_id=target.message_pk,
            details=details,
            at=env.clock.now(),
        )
        for address, reason, details in found
    ]
    return sum(work.suppressions.add(entries)) if entries else 0


def _bounced(
    work: UnitOfWork, target: TrackedMessage, event: SesEvent, reports: Sequence[RecipientReport]
) -> list[tuple[str, SuppressionReason, dict[str, object]]]:
    """A hard bounce suppresses its address; a soft one when it completes a streak."""
    details = ("bounce_sub_type", "smtp_status", "diagnostic_code")
    found = [
        (r.address, SuppressionReason.BOUNCE, _said(r, *details))
        for r in reports
        if r.bounce_type == BounceType.PERMANENT
    ]
    soft = [r for r in reports if r.bounce_type != BounceType.PERMANENT]
    if not soft:
        return found
    at = event.occurred_at
    bounces = work.delivery.soft_bounces(
        target.organization_id,
        [r.address for r in soft],
        at - SOFT_BOUNCE_WINDOW,
        at + SOFT_BOUNCE_WINDOW,
    )
    streak = {
        "bounces": SOFT_BOUNCE_LIMIT,
        "window_hours": int(SOFT_BOUNCE_WINDOW.total_seconds() // 3600),
    }
    found.extend(
        (r.address, SuppressionReason.SOFT_BOUNCE, {**_said(r, *details), **streak})
        for r in soft
        if soft_bounce_streak(bounces.get(r.address, []), at)
    )
    return found


def _said(report: RecipientReport, *names: str) -> dict[str, object]:
    """The report's fields among `names` that SES gave."""
    values = {name: getattr(report, name) for name in names}
    return {name: value for name, value in values.items() if value is not None}

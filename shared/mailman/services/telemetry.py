"""Recording what SES reports of the mail it took: a batch of events (`SesEvent`, an SQS
batch's) in one transaction per organisation, so a batch is stored whole or not at all, a
retry starts afresh, and the batch ends where recording its events one by one, in order,
would end (`record_event` is the batch of one).

Each statement covers the whole batch (`_Batch`): the messages found (one lookup for all
identity notifications), locked in the order of their ids (two batches never wait for each
other in a circle), their hand-offs confirmed, the history rows inserted, the recipients
moved, then the counts, the summaries, the log and the suppression list written; in a
pipelined unit of work that is two round trips and one COMMIT (more only for a soft
bounce's streak and the brake's review).

- The message is found by the tags the outbound function gave the mail (its id and
  organisation), or, for an identity notification (which has no tags), by the id SES gave
  it, across organisations. An event for a message we do not know (another system shares
  the configuration set, the message was purged, or SES's id was never recorded) is
  answered `UNKNOWN_MESSAGE`: the caller counts it, and nothing retries it; but an
  identity notification of mail SES took a moment ago may have overtaken the hand-off's
  record, and comes back until that record is due (`may_yet_be_found`).
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
  complained, rejected, delayed), in the hour the message was sent (its hand-off, where
  Sent is counted), whenever SES reports it: a rate then compares the outcomes of the mail
  sent in a window with that mail, and a late complaint about mail sent before a resume
  stays out of the fresh window.
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
  SES retried it already. A message delivered to the address counts not at all, whether
  its Delivery came before or after the soft bounce: SES reports an automatic reply (out
  of office) as a Transient bounce, and that mail arrived. The window is checked around
  each soft bounce as it is recorded, so the third bounce of a streak suppresses whichever
  order the three arrive in; in a batch, each bounce sees what was stored before and the
  batch's bounces up to its own.
- Once the batch is counted, the brake reviews each domain whose hard bounces or
  complaints it raised (`mailman.services.reputation.review_subject`, `Telemetry.brake`), in the
  same transaction: a domain past its thresholds is paused, `domain.sending_paused` once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
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
    not_spam,
    summarise,
)
from mailman.domain.events import NewEvent
from mailman.domain.messages import SentRecord
from mailman.domain.models import DeliveryStatus
from mailman.domain.reputation import (
    BrakeSettings,
    BrakeSubject,
    DeliveryCounts,
    HourlyCounts,
    hour_of,
)
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
from mailman.services.reputation import review_subject
from mailman.services.sending import CONFIRMATION_WINDOW, confirm_sent_many, sent_event

_R = RecipientStatus
_COUNTED: Mapping[RecipientStatus, str] = {
    _R.DELIVERED: "delivered",
    _R.COMPLAINED: "complained",
    _R.REJECTED: "rejected",
}
"""The `DeliveryCounts` field each outcome is counted in (a bounce in `hard_bounced` or
`soft_bounced`, a delay in `delayed`; Sent when the hand-off is confirmed)."""


@dataclass(frozen=True)
class Telemetry:
    """What recording SES's events needs: the store, a clock, the region whose SES sends (it
    names the Message-ID SES gives the mail), and when the brake pauses a domain."""

    uow: UnitOfWorkFactory
    clock: Clock
    region: str
    brake: BrakeSettings = field(default_factory=BrakeSettings)


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
    paused: bool = False
    """The brake paused the event's domain once the batch was counted (said by the first
    event of the batch that raised the domain's hard bounces or complaints)."""


class PartlyRecorded(Exception):
    """Some organisations' transactions failed after others' committed. `results` holds
    what each event did, None for each event of an organisation that failed (nothing of
    it was stored): those alone are for the caller to record again."""

    def __init__(self, results: list[TrackedEvent | None]) -> None:
        failed = sum(r is None for r in results)
        super().__init__(f"{failed} of {len(results)} events not recorded")
        self.results = results


def record_event(env: Telemetry, event: SesEvent) -> TrackedEvent:
    """Record one SES event: a batch of one."""
    [result] = record_events(env, [event])
    return result


def record_events(env: Telemetry, events: Sequence[SesEvent]) -> list[TrackedEvent]:
    """Record a batch of SES events (see the module's rules): one transaction per
    organisation, ending where recording them one by one, in order, ends. Answers what each
    event did, in order.

    An organisation whose transaction fails does not stop the others: once every one was
    tried, the first failure is raised as it is when nothing committed, else as
    `PartlyRecorded` with what the committed organisations did."""
    canonical = [_canonical(e) for e in events]
    targets = _locate(env, canonical)
    results: list[TrackedEvent | None] = [
        TrackedEvent(TrackingOutcome.UNKNOWN_MESSAGE) for _ in canonical
    ]
    by_organization: dict[UUID, list[tuple[int, TrackedMessage]]] = {}
    for n, target in enumerate(targets):
        if target is not None:
            by_organization.setdefault(target.organization_id, []).append((n, target))
    failures: list[Exception] = []
    for organization_id, found in by_organization.items():
        items = [(target.message_pk, canonical[n]) for n, target in found]
        done: list[TrackedEvent | None]
        try:
            done = list(_record_organization(env, organization_id, items))
        except Exception as exc:  # raised below, once the others are done
            failures.append(exc)
            done = [None] * len(found)
        for (n, _), result in zip(found, done, strict=True):
            results[n] = result
    return _answered(results, failures, committed=len(by_organization) - len(failures))


def _record_organization(
    env: Telemetry, organization_id: UUID, items: Sequence[tuple[UUID, SesEvent]]
) -> list[TrackedEvent]:
    """One organisation's events of the batch, in its one transaction."""
    with env.uow(organization_id, pipelined=True) as work:
        finish = _Batch(work, env, organization_id).record(items)
    return finish()


def _answered(
    results: list[TrackedEvent | None], failures: Sequence[Exception], *, committed: int
) -> list[TrackedEvent]:
    if not failures:
        return [r for r in results if r is not None]
    if not committed:
        raise failures[0]
    raise PartlyRecorded(results) from failures[0]


def _locate(env: Telemetry, events: Sequence[SesEvent]) -> list[TrackedMessage | None]:
    """Each event's message: by its tags, else (an identity notification) by SES's id, all
    such looked up in one autocommitted statement."""
    untagged = [e.ses_message_id for e in events if _tagged(e) is None]
    found: dict[str, TrackedMessage] = {}
    if untagged:
        with env.uow(None, autocommit=True) as work:
            found = work.delivery.locate(untagged)
    return [_tagged(e) or found.get(e.ses_message_id) for e in events]


def _tagged(event: SesEvent) -> TrackedMessage | None:
    if event.message_pk is None or event.organization_id is None:
        return None
    return TrackedMessage(event.organization_id, event.message_pk)


def may_yet_be_found(event: SesEvent, now: datetime) -> bool:
    """Whether an event answered `UNKNOWN_MESSAGE` may find its message when tried again: an
    identity notification (no tags: found by SES's id alone) of mail SES took less than
    `CONFIRMATION_WINDOW` ago. Its hand-off may not be recorded yet: the outbound function
    is about to, or died after SES took the mail and SES's own (tagged) Send event will.
    Past the window the hand-off is recorded or declared unconfirmed, and no retry finds
    it; a tagged event finds its message by its tags or never."""
    taken = event.sent_at or event.occurred_at
    return _tagged(event) is None and now - taken < CONFIRMATION_WINDOW


def _canonical(event: SesEvent) -> SesEvent:
    """The event with its addresses canonical, each named once (its first report). One
    that is so already (as `read_notification` reads them) is answered as it is: copying
    it took a tenth of a millisecond a batch."""
    reports: dict[str, RecipientReport] = {}
    for report in event.recipients:
        address = canonical_address(report.address)
        same = address == report.address
        reports.setdefault(address, report if same else replace(report, address=address))
    found = tuple(reports.values())
    return event if found == event.recipients else replace(event, recipients=found)


class _Batch:
    """One organisation's events of a batch, in its one transaction: each statement over
    the whole batch, the events taken in their order."""

    def __init__(self, work: UnitOfWork, env: Telemetry, organization_id: UUID) -> None:
        self.work, self.env, self.organization_id = work, env, organization_id
        self.now = env.clock.now()

    def record(self, items: Sequence[tuple[UUID, SesEvent]]) -> Callable[[], list[TrackedEvent]]:
        """Record the events; answers a call that gives what each did, to be made once the
        transaction is over (how many addresses each suppressed is read then)."""
        org = self.organization_id
        self.work.delivery.lock(sorted({pk for pk, _ in items}))
        confirming = self._confirm(items)
        # One round trip: the lock, the hand-offs and what recording reads travel together.
        stored = self.work.delivery.record(org, items)
        sent = confirming()
        recorded = {n: r for n, r in enumerate(stored) if r is not None}
        results = [TrackedEvent(TrackingOutcome.UNKNOWN_MESSAGE, org, pk) for pk, _ in items]
        for n, r in recorded.items():
            results[n] = _touched(org, items[n][0], r, sent[n])
        changed = {n: r for n, r in recorded.items() if r.changes or not items[n][1].recipients}
        suppressing = self._suppress(items, changed)
        counts: dict[tuple[UUID, datetime], HourlyCounts] = {}
        announced: list[NewEvent] = []
        for n, (pk, event) in enumerate(items):
            record = sent[n]
            if record is not None and record.newly:
                announced.append(sent_event(pk, record, event.ses_message_id))
            moved = changed.get(n)
            if moved is None:
                continue
            counted = _counts(event, moved.changes)
            message = moved.message
            hour = hour_of(message.sent_at or event.occurred_at)
            _add(counts, HourlyCounts(org, message.domain_id, message.inbox_id, hour, counted))
            announced.extend(_announcements(TrackedMessage(org, pk), event, moved))
            results[n] = replace(results[n], outcome=TrackingOutcome.RECORDED, counts=counted)
        if counts:
            # In the order of their keys, as every writer takes them: no circular waits.
            self.work.delivery_counts.add([counts[key] for key in sorted(counts)])
        self.work.delivery.settle(_settled(items, recorded))
        self.work.events.append_many(announced)
        reviewed = self._review(results, recorded)
        return lambda: _with_suppressed(reviewed, suppressing())

    def _confirm(
        self, items: Sequence[tuple[UUID, SesEvent]]
    ) -> Callable[[], list[SentRecord | None]]:
        """Each event's hand-off confirmed (`confirm_sent`), once per message and SES id:
        the first event of a message confirms it, the others find it confirmed. Answers a
        call that gives each event's record."""
        pairs = list(dict.fromkeys((pk, e.ses_message_id) for pk, e in items))
        confirming = confirm_sent_many(self.work, pairs, region=self.env.region, at=self.now)

        def confirmed() -> list[SentRecord | None]:
            records = dict(zip(pairs, confirming(), strict=True))
            seen: set[tuple[UUID, str]] = set()
            found: list[SentRecord | None] = []
            for pk, event in items:
                key = (pk, event.ses_message_id)
                record = records[key]
                found.append(replace(record, newly=False) if record and key in seen else record)
                seen.add(key)
            return found

        return confirmed

    def _review(
        self, results: list[TrackedEvent], recorded: Mapping[int, Recorded]
    ) -> list[TrackedEvent]:
        """The brake reviews each domain whose hard bounces or complaints the batch raised
        (`mailman.services.reputation.review_subject`), once the batch is counted: a domain
        read paused with the batch's messages needs no review."""
        raised: dict[UUID, int] = {}
        for n, r in enumerate(results):
            if r.domain_id is not None and (r.counts.hard_bounced or r.counts.complained):
                raised.setdefault(r.domain_id, n)
        for domain_id, n in sorted(raised.items()):  # in the order of their ids
            message = recorded[n].message
            if message.domain_paused:
                continue
            subject = BrakeSubject(
                domain_id, self.organization_id, message.domain_name, message.domain_resumed_at
            )
            if review_subject(self.work, subject, self.env.brake, self.now):
                results[n] = replace(results[n], paused=True)
        return results

    def _suppress(
        self, items: Sequence[tuple[UUID, SesEvent]], changed: Mapping[int, Recorded]
    ) -> Callable[[], dict[int, int]]:
        """Suppress what the events' new reports call for, in one statement; answers a call
        that gives how many each event added."""
        streaks = self._soft_bounces(items, changed)
        entries: list[tuple[int, NewSuppression]] = []
        for n, r in changed.items():
            pk, event = items[n]
            fresh = {c.address for c in r.changes}
            reports = [report for report in event.recipients if report.address in fresh]
            entries.extend(
                (n, self._suppression(pk, address, reason, details))
                for address, reason, details in _suppressions(event, reports, streaks.get(n, {}))
            )
        if not entries:
            return dict
        # In the order of the list's key, as every writer takes it: no circular waits.
        entries.sort(key=lambda item: (str(item[1].organization_id), item[1].address))
        adding = self.work.suppressions.submit([entry for _, entry in entries])

        def added() -> dict[int, int]:
            found: dict[int, int] = {}
            for (n, _), done in zip(entries, adding(), strict=True):
                found[n] = found.get(n, 0) + int(done)
            return found

        return added

    def _suppression(
        self, pk: UUID, address: str, reason: SuppressionReason, details: dict[str, object]
    ) -> NewSuppression:
        return NewSuppression(
            self.organization_id,
            address,
            reason,
            source_message_id=pk,
            details=details,
            at=self.now,
        )

    def _soft_bounces(
        self, items: Sequence[tuple[UUID, SesEvent]], changed: Mapping[int, Recorded]
    ) -> dict[int, dict[str, list[tuple[UUID, datetime]]]]:
        """For each event with new soft bounces, its addresses' soft bounces around it as
        recording the events one by one would read them (what was stored before the batch,
        and the batch's own up to this event), read in one statement."""
        rows = {n: _soft_rows(items[n], r) for n, r in changed.items()}
        asked = {n: found for n, found in rows.items() if found}
        if not asked:
            return {}
        times = [items[n][1].occurred_at for n in asked]
        stored = self.work.delivery.soft_bounces(
            self.organization_id,
            sorted({address for found in asked.values() for address, _ in found}),
            min(times) - SOFT_BOUNCE_WINDOW,
            max(times) + SOFT_BOUNCE_WINDOW,
        )
        return {n: _seen_at(stored, rows, n, items[n][1].occurred_at) for n in asked}


_SoftRow = tuple[str, tuple[UUID, datetime]]
"""A soft bounce the batch stored: its address, and (message, time)."""


def _soft_rows(item: tuple[UUID, SesEvent], recorded: Recorded) -> list[_SoftRow]:
    pk, event = item
    if event.type is not SesEventType.BOUNCE:
        return []
    reports = {report.address: report for report in event.recipients}
    return [
        (c.address, (pk, event.occurred_at))
        for c in recorded.changes
        if reports[c.address].bounce_type != BounceType.PERMANENT and c.after is not _R.DELIVERED
    ]


def _seen_at(
    stored: Mapping[str, list[tuple[UUID, datetime]]],
    rows: Mapping[int, list[_SoftRow]],
    n: int,
    at: datetime,
) -> dict[str, list[tuple[UUID, datetime]]]:
    """What event `n` would have read alone: `stored` without the rows of the events after
    it, within the window either side of `at`."""
    later = Counter(row for m, found in rows.items() if m > n for row in found)
    window = (at - SOFT_BOUNCE_WINDOW, at + SOFT_BOUNCE_WINDOW)
    seen: dict[str, list[tuple[UUID, datetime]]] = {}
    for address, bounces in stored.items():
        theirs = Counter({bounce: k for (a, bounce), k in later.items() if a == address})
        left = Counter(bounces) - theirs
        seen[address] = [b for b in left.elements() if window[0] <= b[1] <= window[1]]
    return seen


def _with_suppressed(results: list[TrackedEvent], added: Mapping[int, int]) -> list[TrackedEvent]:
    return [replace(r, suppressed=added[n]) if n in added else r for n, r in enumerate(results)]


def _touched(
    organization_id: UUID, pk: UUID, recorded: Recorded, sent: SentRecord | None
) -> TrackedEvent:
    message = recorded.message
    return TrackedEvent(
        TrackingOutcome.DUPLICATE,
        organization_id,
        pk,
        message.domain_id,
        message.domain_name,
        handed_off=bool(sent and sent.newly),
    )


def _add(counts: dict[tuple[UUID, datetime], HourlyCounts], found: HourlyCounts) -> None:
    """Sum the batch's counts per inbox and hour (one row each, in one statement)."""
    if found.counts == DeliveryCounts():
        return
    key = (found.inbox_id, found.hour)
    before = counts.get(key)
    counts[key] = found if before is None else replace(before, counts=before.counts + found.counts)


def _settled(
    items: Sequence[tuple[UUID, SesEvent]], recorded: Mapping[int, Recorded]
) -> dict[UUID, DeliveryStatus]:
    """Each message's status where the batch moves it: its recipients' summary once the
    batch is recorded. SES has the message (its hand-off is confirmed), so the summary is
    the recipients' alone: a message whose recipients all failed is Failed, and moves on if
    a later event moves a recipient."""
    last = {items[n][0]: r.message for n, r in sorted(recorded.items())}
    found = {}
    for pk, message in last.items():
        statuses = (s or _R.PENDING for s in message.recipients.values())
        status = summarise(statuses, DeliveryStatus.SENT)
        if status != message.status:
            found[pk] = status
    return found


def _counts(event: SesEvent, changes: Iterable[RecipientChange]) -> DeliveryCounts:
    """What the event adds to the hour's counts: a recipient reaching an outcome (a hard or
    a soft bounce, or its first delay) for the first time; not a soft bounce of a recipient
    already delivered (SES reports an automatic reply so, after the Delivery)."""
    reports = {r.address: r for r in event.recipients}
    counts: dict[str, int] = {}
    for change in changes:
        if not (change.listed and change.first):
            continue
        kind = _kind(event, reports[change.address])
        # A soft bounce of a delivered recipient is an automatic reply (out of office).
        if kind is not None and not (kind == "soft_bounced" and change.after is _R.DELIVERED):
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


def _suppressions(
    event: SesEvent,
    reports: Sequence[RecipientReport],
    soft_bounces: Mapping[str, list[tuple[UUID, datetime]]],
) -> list[tuple[str, SuppressionReason, dict[str, object]]]:
    """What the event's new reports call to suppress: (address, reason, details)."""
    if event.type is SesEventType.BOUNCE:
        return _bounced(event, reports, soft_bounces)
    if event.type is SesEventType.COMPLAINT:
        return [
            (r.address, SuppressionReason.COMPLAINT, _said(r, "complaint_feedback_type"))
            for r in reports
            if not not_spam(event, r)
        ]
    return []


def _bounced(
    event: SesEvent,
    reports: Sequence[RecipientReport],
    soft_bounces: Mapping[str, list[tuple[UUID, datetime]]],
) -> list[tuple[str, SuppressionReason, dict[str, object]]]:
    """A hard bounce suppresses its address; a soft one when it completes a streak among
    the address's soft bounces around it (`soft_bounces`)."""
    details = ("bounce_sub_type", "smtp_status", "diagnostic_code")
    found = [
        (r.address, SuppressionReason.BOUNCE, _said(r, *details))
        for r in reports
        if r.bounce_type == BounceType.PERMANENT
    ]
    streak = {
        "bounces": SOFT_BOUNCE_LIMIT,
        "window_hours": int(SOFT_BOUNCE_WINDOW.total_seconds() // 3600),
    }
    found.extend(
        (r.address, SuppressionReason.SOFT_BOUNCE, {**_said(r, *details), **streak})
        for r in reports
        if r.bounce_type != BounceType.PERMANENT
        and soft_bounce_streak(soft_bounces.get(r.address, []), event.occurred_at)
    )
    return found


def _said(report: RecipientReport, *names: str) -> dict[str, object]:
    """The report's fields among `names` that SES gave."""
    values = {name: getattr(report, name) for name in names}
    return {name: value for name, value in values.items() if value is not None}

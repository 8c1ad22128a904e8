"""Delivery tracking's rules against the in-memory unit of work: what each SES event does to
a message's recipients, its status, the hourly counts, the event log and the suppression
list; and that any order of the same events, repeats included, ends in the same state."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailman.adapters.memory.reputation import InMemoryDeliveryCountRepository
from mailman.adapters.memory.suppressions import InMemorySuppressionList
from mailman.adapters.memory.tables import RecipientTrack
from mailman.domain.delivery import BounceType, SesEventType
from mailman.domain.errors import StorageError
from mailman.domain.reputation import DeliveryCounts, hour_of
from mailman.domain.suppressions import NewSuppression, SuppressionReason
from mailman.services import inboxes
from mailman.services.sending import CONFIRMATION_WINDOW
from mailman.services.telemetry import (
    PartlyRecorded,
    Telemetry,
    TrackedEvent,
    TrackingOutcome,
    may_yet_be_found,
    record_events,
)

from ..ses_events import T0, Spec, handed_off, memory_state, record, ses_event, specs
from .world import World

E = SesEventType
JANE, BOB, ANN = "jane@customer.example", "bob@customer.example", "ann@customer.example"


def _handed_off(world: World, *to: str, **compose: Any) -> UUID:
    return handed_off(world, *(to or (JANE,)), **compose)


def _record(world: World, kind: SesEventType, pk: UUID, *to: str, **fields: Any) -> TrackedEvent:
    event = ses_event(
        kind, to or (JANE,), message_pk=pk, organization_id=world.organization_id, **fields
    )
    return record(world, event)


def _status(world: World, pk: UUID, address: str = JANE) -> str | None:
    return world.row(pk).recipient_states.get(address, (None, None))[0]


def _track(world: World, pk: UUID, address: str = JANE) -> RecipientTrack:
    return world.row(pk).tracks[address]


def _log(world: World) -> list[tuple[str, str | None]]:
    return [(e.event.type, e.event.payload.get("recipient")) for e in world.tables.events]


def _counts(world: World) -> DeliveryCounts:
    return sum((r.counts for r in world.tables.delivery_counts.values()), DeliveryCounts())


def _suppressed(world: World) -> dict[str, SuppressionReason]:
    return {address: entry.reason for (_, address), entry in world.tables.suppressions.items()}


def test_a_delivery_before_its_send_records_the_hand_off_then_the_delivery(world: World) -> None:
    pk = _handed_off(world)

    result = _record(world, E.DELIVERY, pk, at=T0 + timedelta(seconds=5))

    assert result.outcome is TrackingOutcome.RECORDED
    assert result.handed_off
    assert (result.organization_id, result.message_id) == (world.organization_id, pk)
    assert result.domain_id == world.domain.id
    assert result.counts == DeliveryCounts(delivered=1)
    assert world.row(pk).message.status == "delivered"
    assert world.row(pk).ses_message_id == "ses-1"
    assert _status(world, pk) == "delivered"
    track = _track(world, pk)
    assert (track.sent_at, track.delivered_at) == (world.clock.now(), T0 + timedelta(seconds=5))
    assert _log(world) == [("message.sent", None), ("message.delivered", JANE)]
    assert _counts(world).sent == 1
    assert _counts(world).delivered == 1


def test_the_send_after_the_delivery_changes_no_state_but_keeps_its_time(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.DELIVERY, pk, at=T0 + timedelta(seconds=5))

    result = _record(world, E.SEND, pk, at=T0 - timedelta(seconds=1))

    assert not result.handed_off
    assert result.counts == DeliveryCounts()
    assert _status(world, pk) == "delivered"
    assert _track(world, pk).sent_at == T0 - timedelta(seconds=1)
    assert [t for t, _ in _log(world)] == ["message.sent", "message.delivered"]


def test_the_same_notification_twice_is_recorded_once(world: World) -> None:
    pk = _handed_off(world)
    first = _record(world, E.DELIVERY, pk)
    events, counts = list(world.tables.events), _counts(world)

    again = _record(world, E.DELIVERY, pk)

    assert first.outcome is TrackingOutcome.RECORDED
    assert again.outcome is TrackingOutcome.DUPLICATE
    assert again.counts == DeliveryCounts()
    assert len(world.tables.delivery_events) == 1
    assert world.tables.events == events
    assert _counts(world) == counts


def test_a_hard_bounce_bounces_the_recipient_and_suppresses_the_address(world: World) -> None:
    pk = _handed_off(world)

    result = _record(
        world,
        E.BOUNCE,
        pk,
        bounce_type=BounceType.PERMANENT,
        bounce_sub_type="General",
        smtp_status="5.1.1",
        diagnostic_code="smtp; 550 5.1.1 user unknown",
    )

    assert result.counts == DeliveryCounts(hard_bounced=1)
    assert result.suppressed == 1
    assert world.row(pk).message.status == "bounced"
    track = _track(world, pk)
    assert (track.bounce_type, track.bounce_sub_type, track.smtp_status) == (
        "Permanent",
        "General",
        "5.1.1",
    )
    assert track.diagnostic_code == "smtp; 550 5.1.1 user unknown"
    entry = world.tables.suppressions[(world.organization_id, JANE)]
    assert (entry.reason, entry.source_message_id) == (SuppressionReason.BOUNCE, pk)
    assert entry.details == {
        "bounce_sub_type": "General",
        "smtp_status": "5.1.1",
        "diagnostic_code": "smtp; 550 5.1.1 user unknown",
    }
    [bounced] = [e.event for e in world.tables.events if e.event.type == "message.bounced"]
    assert bounced.payload["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert bounced.payload["message_id"] == str(pk)
    assert bounced.subject_id == pk


def test_a_delivery_after_a_bounce_keeps_the_bounce(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.BOUNCE, pk, bounce_type=BounceType.PERMANENT, at=T0)

    result = _record(world, E.DELIVERY, pk, at=T0 + timedelta(minutes=1))

    assert _status(world, pk) == "bounced"
    assert world.row(pk).message.status == "bounced"
    assert _track(world, pk).delivered_at == T0 + timedelta(minutes=1)
    assert result.counts == DeliveryCounts(delivered=1)
    assert "message.delivered" not in [t for t, _ in _log(world)]


def test_a_soft_bounce_after_the_delivery_leaves_it_delivered(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.DELIVERY, pk, at=T0)

    result = _record(
        world,
        E.BOUNCE,
        pk,
        at=T0 + timedelta(minutes=1),
        bounce_type=BounceType.TRANSIENT,
        bounce_sub_type="General",
    )

    assert _status(world, pk) == "delivered"
    assert world.row(pk).message.status == "delivered"
    track = _track(world, pk)
    assert (track.bounced_at, track.bounce_type) == (T0 + timedelta(minutes=1), "Transient")
    assert result.counts == DeliveryCounts()
    assert _counts(world) == DeliveryCounts(sent=1, delivered=1)
    assert "message.bounced" not in [t for t, _ in _log(world)]


def test_a_hard_bounce_outweighs_an_earlier_soft_one_and_gives_its_details(
    world: World,
) -> None:
    pk = _handed_off(world)
    soft = _record(
        world,
        E.BOUNCE,
        pk,
        at=T0,
        source="s",
        bounce_type=BounceType.TRANSIENT,
        smtp_status="4.2.2",
    )

    hard = _record(
        world,
        E.BOUNCE,
        pk,
        at=T0 - timedelta(minutes=5),
        source="h",
        bounce_type=BounceType.PERMANENT,
        smtp_status="5.1.1",
    )
    again = _record(
        world, E.BOUNCE, pk, at=T0 + timedelta(minutes=5), source="t", bounce_type="Undetermined"
    )

    track = _track(world, pk)
    assert (track.status_event_id, track.bounce_type, track.smtp_status) == (
        "h",
        "Permanent",
        "5.1.1",
    )
    assert track.bounced_at == T0 - timedelta(minutes=5)
    assert (soft.counts, hard.counts, again.counts) == (
        DeliveryCounts(soft_bounced=1),
        DeliveryCounts(hard_bounced=1),
        DeliveryCounts(),
    )
    assert _suppressed(world) == {JANE: SuppressionReason.BOUNCE}


def test_a_complaint_after_the_delivery_complains_and_suppresses(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.DELIVERY, pk, at=T0)

    result = _record(
        world, E.COMPLAINT, pk, at=T0 + timedelta(days=2), complaint_feedback_type="abuse"
    )

    assert result.counts == DeliveryCounts(complained=1)
    assert world.row(pk).message.status == "complained"
    track = _track(world, pk)
    assert (track.complained_at, track.complaint_feedback_type) == (
        T0 + timedelta(days=2),
        "abuse",
    )
    assert _suppressed(world) == {JANE: SuppressionReason.COMPLAINT}
    assert [t for t, _ in _log(world)][-1] == "message.complained"


@pytest.mark.parametrize("feedback", ["not-spam", "Not-Spam"])
def test_a_not_spam_complaint_is_history_only(world: World, feedback: str) -> None:
    pk = _handed_off(world)
    _record(world, E.DELIVERY, pk, at=T0)

    result = _record(world, E.COMPLAINT, pk, complaint_feedback_type=feedback)

    assert result.outcome is TrackingOutcome.RECORDED
    assert (result.suppressed, result.counts) == (0, DeliveryCounts())
    assert _status(world, pk) == "delivered"
    assert world.row(pk).message.status == "delivered"
    assert _track(world, pk).complained_at is None
    assert "message.complained" not in [t for t, _ in _log(world)]
    assert _suppressed(world) == {}
    assert [e.event_type for e in world.tables.delivery_events.values()][-1] == "complaint"


def test_a_soft_bounce_bounces_the_recipient_and_suppresses_nothing_alone(world: World) -> None:
    pk = _handed_off(world)

    result = _record(world, E.BOUNCE, pk, bounce_type=BounceType.TRANSIENT)

    assert result.counts == DeliveryCounts(soft_bounced=1)
    assert result.suppressed == 0
    assert _status(world, pk) == "bounced"
    assert _suppressed(world) == {}


def _soft_bounces(world: World, hours: list[int]) -> list[TrackedEvent]:
    """One message to Jane per entry, each bouncing softly at T0 plus that many hours."""
    pks = [_handed_off(world) for _ in hours]
    return [
        _record(
            world,
            E.BOUNCE,
            pk,
            at=T0 + timedelta(hours=h),
            source=f"b{n}",
            bounce_type=BounceType.UNDETERMINED if n % 2 else BounceType.TRANSIENT,
            bounce_sub_type="MailboxFull",
        )
        for n, (pk, h) in enumerate(zip(pks, hours, strict=True))
    ]


def test_the_third_soft_bounce_on_different_messages_within_72_hours_suppresses(
    world: World,
) -> None:
    results = _soft_bounces(world, [0, 30, 71])

    assert [r.suppressed for r in results] == [0, 0, 1]
    entry = world.tables.suppressions[(world.organization_id, JANE)]
    assert entry.reason is SuppressionReason.SOFT_BOUNCE
    assert entry.details == {"bounce_sub_type": "MailboxFull", "bounces": 3, "window_hours": 72}


def test_soft_bounces_arriving_out_of_order_suppress_at_the_last_to_arrive(world: World) -> None:
    results = _soft_bounces(world, [60, 0, 30])

    assert [r.suppressed for r in results] == [0, 0, 1]


@pytest.mark.parametrize(
    ("hours", "suppressed"),
    [([0, 30, 71], [0, 0, 1]), ([60, 0, 30], [0, 0, 1]), ([0, 40, 80, 160], [0, 0, 0, 0])],
)
def test_soft_bounces_in_one_batch_suppress_as_they_would_one_by_one(
    world: World, hours: list[int], suppressed: list[int]
) -> None:
    pks = [_handed_off(world) for _ in hours]
    events = [
        ses_event(
            E.BOUNCE,
            [JANE],
            message_pk=pk,
            organization_id=world.organization_id,
            at=T0 + timedelta(hours=h),
            source=f"b{n}",
            bounce_type=BounceType.TRANSIENT,
        )
        for n, (pk, h) in enumerate(zip(pks, hours, strict=True))
    ]

    results = record_events(Telemetry(world.uow, world.clock, "us-east-1"), events)

    assert [r.suppressed for r in results] == suppressed


def _out_of_office(world: World, delivered_first: bool) -> list[TrackedEvent]:
    """Two soft bounces of Jane's, and between them a third message delivered to her that
    she answered automatically (SES: a Transient bounce), its Delivery before or after."""
    [first] = _soft_bounces(world, [0])
    pk = _handed_off(world)
    delivery = (E.DELIVERY, {"at": T0 + timedelta(hours=1), "source": "d"})
    reply = (
        E.BOUNCE,
        {"at": T0 + timedelta(hours=2), "source": "ooo", "bounce_type": BounceType.TRANSIENT},
    )
    played = [delivery, reply] if delivered_first else [reply, delivery]
    middle = [_record(world, kind, pk, **fields) for kind, fields in played]
    return [first, *middle, *_soft_bounces(world, [3])]


@pytest.mark.parametrize("delivered_first", [True, False])
def test_an_out_of_office_reply_to_a_delivered_message_is_no_strike(
    world: World, delivered_first: bool
) -> None:
    results = _out_of_office(world, delivered_first)

    assert [r.suppressed for r in results] == [0, 0, 0, 0]
    assert _suppressed(world) == {}


def test_soft_bounces_further_apart_than_72_hours_suppress_nothing(world: World) -> None:
    results = _soft_bounces(world, [0, 40, 80, 160])

    assert [r.suppressed for r in results] == [0, 0, 0, 0]
    assert _suppressed(world) == {}


def test_soft_bounces_of_one_message_count_once(world: World) -> None:
    pk = _handed_off(world)

    results = [
        _record(world, E.BOUNCE, pk, source=f"b{n}", bounce_type=BounceType.TRANSIENT)
        for n in range(4)
    ]

    assert sum(r.suppressed for r in results) == 0


def test_soft_bounces_of_another_organisation_do_not_count(world: World) -> None:
    _soft_bounces(world, [0, 10])
    org = world.add_organization("Globex")
    domain = world.add_domain(org, "globex.example")
    inbox = inboxes.create_inbox(world.uow, org, domain_id=domain.id, local_part="sales")
    other = World(world.clock, world.uow, world.blobs, world.queue, org, domain, inbox)
    pk = _handed_off(other)

    result = _record(
        other,
        E.BOUNCE,
        pk,
        at=T0 + timedelta(hours=20),
        source="theirs",
        bounce_type=BounceType.TRANSIENT,
    )

    assert result.suppressed == 0
    assert _suppressed(world) == {}


def test_a_delay_is_a_note_beside_the_state_and_announced_while_not_final(world: World) -> None:
    pk = _handed_off(world)

    first = _record(world, E.DELIVERY_DELAY, pk, at=T0, source="d1", delay_type="MailboxFull")
    second = _record(
        world,
        E.DELIVERY_DELAY,
        pk,
        at=T0 + timedelta(hours=1),
        source="d2",
        delay_type="TransientCommunicationFailure",
        delay_expires_at=T0 + timedelta(days=1),
    )
    _record(world, E.DELIVERY, pk, at=T0 + timedelta(hours=2))
    late = _record(world, E.DELIVERY_DELAY, pk, at=T0 + timedelta(minutes=30), source="d3")

    assert (first.counts, second.counts, late.counts) == (
        DeliveryCounts(delayed=1),
        DeliveryCounts(),
        DeliveryCounts(),
    )
    assert _status(world, pk) == "delivered"
    track = _track(world, pk)
    assert (track.delayed_at, track.delay_type, track.delay_expires_at) == (
        T0 + timedelta(hours=1),
        "TransientCommunicationFailure",
        T0 + timedelta(days=1),
    )
    assert [t for t, _ in _log(world)] == [
        "message.sent",
        "message.delayed",
        "message.delayed",
        "message.delivered",
    ]


def test_opens_and_clicks_are_history_only(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.DELIVERY, pk)

    opened = _record(world, E.OPEN, pk, source="o1")
    clicked = _record(world, E.CLICK, pk, source="c1")

    assert (opened.outcome, clicked.outcome) == (TrackingOutcome.RECORDED,) * 2
    assert opened.counts == clicked.counts == DeliveryCounts()
    assert len(world.tables.delivery_events) == 3
    assert _status(world, pk) == "delivered"
    assert [t for t, _ in _log(world)] == ["message.sent", "message.delivered"]


def test_a_reject_and_a_rendering_failure_are_final_states(world: World) -> None:
    rejected, failed = _handed_off(world), _handed_off(world)

    _record(world, E.REJECT, rejected, source="r1")
    _record(world, E.RENDERING_FAILURE, failed, source="f1")

    assert world.row(rejected).message.status == "rejected"
    assert world.row(failed).message.status == "failed"
    assert _counts(world).rejected == 1
    assert [t for t, _ in _log(world) if t != "message.sent"] == [
        "message.rejected",
        "message.failed",
    ]


def test_one_recipient_delivered_and_one_bounced_is_partially_delivered(world: World) -> None:
    pk = _handed_off(world, JANE, BOB)

    _record(world, E.DELIVERY, pk, JANE)
    assert world.row(pk).message.status == "sent"
    _record(world, E.BOUNCE, pk, BOB, bounce_type=BounceType.PERMANENT)

    assert world.row(pk).message.status == "partially_delivered"
    assert (_status(world, pk, JANE), _status(world, pk, BOB)) == ("delivered", "bounced")


def test_a_recipient_left_out_as_suppressed_keeps_its_state(world: World) -> None:
    with world.uow(world.organization_id) as work:
        work.suppressions.add(
            [NewSuppression(world.organization_id, BOB, SuppressionReason.MANUAL)]
        )
    pk = world.send(to=(JANE, BOB)).id
    with world.uow(world.organization_id) as work:
        work.outbox.claim(pk, world.clock.now())
        work.outbox.mark_recipients(pk, "suppressed", {BOB: "suppressed (manual)"})

    result = _record(world, E.DELIVERY, pk, JANE, BOB)

    assert _status(world, pk, BOB) == "suppressed"
    assert result.counts == DeliveryCounts(delivered=1)
    assert world.row(pk).message.status == "partially_delivered"
    assert _counts(world).sent == 1


def test_addresses_are_matched_in_their_canonical_form(world: World) -> None:
    pk = _handed_off(world)

    _record(world, E.DELIVERY, pk, "Jane@CUSTOMER.example")

    assert _status(world, pk) == "delivered"


def test_an_address_named_twice_in_two_spellings_is_recorded_once_canonical(
    world: World,
) -> None:
    pk = _handed_off(world)

    _record(world, E.DELIVERY, pk, "Jane@CUSTOMER.example", JANE)

    assert [row.recipient for row in world.tables.delivery_events.values()] == [JANE]
    assert _status(world, pk) == "delivered"


def test_an_event_for_a_message_we_do_not_know_is_answered_so(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.DELIVERY, pk)

    tagged = _record(world, E.DELIVERY, uuid4(), source="x")
    untagged = record(
        world, ses_event(E.DELIVERY, [JANE], message_pk=None, organization_id=None, ses_id="zz")
    )

    assert tagged.outcome is untagged.outcome is TrackingOutcome.UNKNOWN_MESSAGE
    assert len(world.tables.delivery_events) == 1


def test_a_message_not_handed_off_is_unknown_to_ses(world: World) -> None:
    pending = world.send(to=(JANE,)).id

    result = _record(world, E.DELIVERY, pending)

    assert result.outcome is TrackingOutcome.UNKNOWN_MESSAGE
    assert world.row(pending).message.status == "pending"
    assert world.tables.delivery_events == {}


def test_an_identity_notification_finds_its_message_by_ses_id(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.SEND, pk, ses_id="ses-77")

    result = record(
        world,
        ses_event(
            E.BOUNCE,
            [JANE],
            message_pk=None,
            organization_id=None,
            ses_id="ses-77",
            source="fb-1",
            bounce_type=BounceType.PERMANENT,
        ),
    )

    assert (result.outcome, result.message_id) == (TrackingOutcome.RECORDED, pk)
    assert result.organization_id == world.organization_id
    assert _status(world, pk) == "bounced"


def test_a_failure_midway_leaves_nothing_stored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pk = _handed_off(world)

    def refused(self: InMemorySuppressionList, entries: Any) -> list[bool]:
        raise StorageError("the database refused the operation: 40001", transient=True)

    monkeypatch.setattr(InMemorySuppressionList, "add", refused)
    with pytest.raises(StorageError):
        _record(world, E.BOUNCE, pk, bounce_type=BounceType.PERMANENT)

    assert world.row(pk).message.status == "sending"
    assert world.tables.delivery_events == {}
    assert world.tables.delivery_counts == {}
    assert world.tables.events == []


def test_outcomes_are_counted_in_the_hour_the_message_was_sent(world: World) -> None:
    pk = _handed_off(world)
    _record(world, E.SEND, pk, at=world.clock.now())  # SES took it: the hand-off's hour
    sent = hour_of(world.clock.now())
    world.clock.advance(timedelta(days=2))

    _record(world, E.DELIVERY, pk, at=world.clock.now() - timedelta(hours=30))
    _record(world, E.COMPLAINT, pk, at=world.clock.now(), complaint_feedback_type="abuse")

    assert list(world.tables.delivery_counts) == [(world.inbox.id, sent)]
    row = world.tables.delivery_counts[(world.inbox.id, sent)]
    assert (row.counts, row.domain_id) == (
        DeliveryCounts(sent=1, delivered=1, complained=1),
        world.domain.id,
    )


@settings(max_examples=200, deadline=None)
@given(data=st.data(), played=specs(3))
def test_any_order_of_the_same_events_ends_in_the_same_state(
    data: st.DataObject, played: list[Spec]
) -> None:
    shuffled = data.draw(st.permutations(played))

    addresses = [JANE, BOB, ANN]
    assert memory_state(shuffled, addresses) == memory_state(played, addresses)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), played=specs(3))
def test_the_same_events_in_any_batches_end_where_they_end_one_by_one(
    data: st.DataObject, played: list[Spec]
) -> None:
    cuts = data.draw(st.lists(st.integers(1, len(played)), max_size=4))

    addresses = [JANE, BOB, ANN]
    assert memory_state(played, addresses, cuts) == memory_state(played, addresses)


def test_a_batch_counts_suppresses_and_announces_as_its_events_one_by_one_do(
    world: World,
) -> None:
    pk, other = _handed_off(world, JANE, BOB), _handed_off(world, ANN)
    events = [
        ses_event(E.DELIVERY, [JANE], message_pk=pk, organization_id=world.organization_id),
        ses_event(
            E.BOUNCE,
            [BOB, BOB.upper()],
            message_pk=pk,
            organization_id=world.organization_id,
            bounce_type=BounceType.PERMANENT,
        ),
        ses_event(E.DELIVERY, [JANE], message_pk=pk, organization_id=world.organization_id),
        ses_event(
            E.COMPLAINT,
            [ANN],
            message_pk=other,
            organization_id=world.organization_id,
            at=T0 + timedelta(hours=2),
        ),
    ]

    results = record_events(Telemetry(world.uow, world.clock, "us-east-1"), events)

    assert [r.outcome for r in results] == [
        TrackingOutcome.RECORDED,
        TrackingOutcome.RECORDED,
        TrackingOutcome.DUPLICATE,
        TrackingOutcome.RECORDED,
    ]
    assert [r.suppressed for r in results] == [0, 1, 0, 1]
    assert [r.handed_off for r in results] == [True, False, False, True]
    assert _suppressed(world) == {BOB: SuppressionReason.BOUNCE, ANN: SuppressionReason.COMPLAINT}
    assert _counts(world) == DeliveryCounts(sent=3, delivered=1, hard_bounced=1, complained=1)
    assert (world.row(pk).message.status, world.row(other).message.status) == (
        "partially_delivered",
        "complained",
    )
    assert _log(world) == [
        ("message.sent", None),
        ("message.delivered", JANE),
        ("message.bounced", BOB),
        ("message.sent", None),
        ("message.complained", ANN),
    ]


def test_a_batch_writes_its_counts_and_suppressions_in_the_order_of_their_keys(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = [f"{name}@customer.example" for name in ("zoe", "max", "amy", "bea")]
    pks = [_handed_off(world, address) for address in addresses]
    for pk, address in reversed(list(zip(pks, addresses, strict=True))):
        _record(world, E.SEND, pk, address, ses_id=f"ses-{pk}")  # the first sent the latest
        world.clock.advance(timedelta(hours=1))
    written: list[list[Any]] = []
    counting, listing = InMemoryDeliveryCountRepository.add, InMemorySuppressionList.submit
    monkeypatch.setattr(
        InMemoryDeliveryCountRepository,
        "add",
        lambda self, entries: written.append(entries) or counting(self, entries),
    )
    monkeypatch.setattr(
        InMemorySuppressionList,
        "submit",
        lambda self, entries: written.append(entries) or listing(self, entries),
    )
    events = [
        ses_event(
            E.BOUNCE,
            [address],
            message_pk=pk,
            organization_id=world.organization_id,
            ses_id=f"ses-{pk}",
            at=T0 + timedelta(hours=n),
            bounce_type=BounceType.PERMANENT,
        )
        for n, (pk, address) in enumerate(zip(pks, addresses, strict=True))
    ]

    record_events(Telemetry(world.uow, world.clock, "us-east-1"), events)

    [listed, counts] = written
    keys = [(c.inbox_id, c.hour) for c in counts]
    assert len(keys) == 4
    assert keys == sorted(keys)
    assert [e.address for e in listed] == sorted(addresses)


def test_an_organisation_that_fails_leaves_the_others_committed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = world.add_organization("Globex")
    domain = world.add_domain(org, "globex.example")
    inbox = inboxes.create_inbox(world.uow, org, domain_id=domain.id, local_part="sales")
    other = World(world.clock, world.uow, world.blobs, world.queue, org, domain, inbox)
    ours, theirs = _handed_off(world), _handed_off(other, BOB)
    adding = InMemorySuppressionList.add

    def refused(self: InMemorySuppressionList, entries: Any) -> list[bool]:
        if entries and entries[0].organization_id == org:
            raise StorageError("the database refused the operation: 40001", transient=True)
        return adding(self, entries)

    monkeypatch.setattr(InMemorySuppressionList, "add", refused)
    hard = {"bounce_type": BounceType.PERMANENT}
    events = [
        ses_event(E.BOUNCE, [JANE], message_pk=ours, organization_id=world.organization_id, **hard),
        ses_event(E.BOUNCE, [BOB], message_pk=theirs, organization_id=org, ses_id="b", **hard),
        ses_event(E.DELIVERY, [JANE], message_pk=uuid4(), organization_id=world.organization_id),
    ]

    with pytest.raises(PartlyRecorded) as raised:
        record_events(Telemetry(world.uow, world.clock, "us-east-1"), events)

    first, failed, unknown = raised.value.results
    assert first is not None
    assert (first.outcome, first.suppressed) == (TrackingOutcome.RECORDED, 1)
    assert failed is None
    assert unknown is not None
    assert unknown.outcome is TrackingOutcome.UNKNOWN_MESSAGE
    assert isinstance(raised.value.__cause__, StorageError)
    assert _status(world, ours) == "bounced"
    assert world.row(theirs).message.status == "sending"
    assert [e.organization_id for e in world.tables.delivery_events.values()] == [
        world.organization_id
    ]


def test_a_batch_of_one_organisation_that_fails_raises_its_failure(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pk = _handed_off(world)

    def refused(self: InMemorySuppressionList, entries: Any) -> list[bool]:
        raise StorageError("the database refused the operation: 40001", transient=True)

    monkeypatch.setattr(InMemorySuppressionList, "add", refused)
    event = ses_event(
        E.BOUNCE,
        [JANE],
        message_pk=pk,
        organization_id=world.organization_id,
        bounce_type=BounceType.PERMANENT,
    )

    with pytest.raises(StorageError):
        record_events(Telemetry(world.uow, world.clock, "us-east-1"), [event])


@pytest.mark.parametrize(
    ("tagged", "taken_ago", "sent_at_known", "expected"),
    [
        (False, timedelta(minutes=1), True, True),
        (False, CONFIRMATION_WINDOW - timedelta(seconds=1), True, True),
        (False, CONFIRMATION_WINDOW, True, False),
        (False, timedelta(hours=2), True, False),
        (False, timedelta(minutes=1), False, True),
        (False, timedelta(hours=2), False, False),
        (True, timedelta(minutes=1), True, False),
    ],
)
def test_only_a_recent_identity_notification_may_yet_find_its_message(
    tagged: bool, taken_ago: timedelta, sent_at_known: bool, expected: bool
) -> None:
    """Within the window the dispatcher waits for a hand-off's record, an untagged event's
    message may yet be recorded; a tagged event names its message itself. Without the
    mail's time, the event's own stands in for it."""
    now = T0 + timedelta(days=1)
    event = ses_event(
        SesEventType.DELIVERY,
        ["jane@customer.example"],
        message_pk=uuid4() if tagged else None,
        organization_id=uuid4(),
        at=now - taken_ago if not sent_at_known else now,
    )
    if sent_at_known:
        event = replace(event, sent_at=now - taken_ago)

    assert may_yet_be_found(event, now) is expected

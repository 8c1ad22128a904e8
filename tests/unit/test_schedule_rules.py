"""Scheduling's rules against the in-memory unit of work: when mail is queued, and what may
still be cancelled or moved."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest

from mailman.domain.errors import Conflict, NotFound, ValidationError
from mailman.domain.mailbox import MessageView
from mailman.domain.messages import SentConfirmation
from mailman.services import sending
from mailman.services.sending import Compose

from ..mail import make_mail
from .world import World


def _in(world: World, **delta: float) -> datetime:
    return world.clock.now() + timedelta(**delta)


def _reschedule(world: World, message_id: UUID, send_at: datetime | None) -> MessageView:
    return sending.reschedule(world.sending, world.organization_id, message_id, send_at)


def _cancel(world: World, message_id: UUID, organization_id: UUID | None = None) -> MessageView:
    return sending.cancel(world.sending, organization_id or world.organization_id, message_id)


def test_a_send_time_within_the_clock_skew_past_sends_now(world: World) -> None:
    sent = world.send(send_at=_in(world, seconds=-90))

    assert (sent.status, sent.send_at) == ("pending", None)
    assert len(world.queue.jobs) == 1


def test_a_send_time_further_past_is_refused_and_nothing_is_stored_or_sent(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        world.send(send_at=_in(world, minutes=-5))

    assert refused.value.field == "send_at"
    assert "past" in refused.value.message
    assert (world.tables.messages, world.queue.jobs) == ({}, [])


def test_rescheduling_to_a_time_long_past_is_refused_and_the_message_keeps_its_time(
    world: World,
) -> None:
    sent = world.send(send_at=_in(world, hours=1))

    with pytest.raises(ValidationError):
        _reschedule(world, sent.id, _in(world, hours=-1))

    assert (world.queue.jobs, world.dispatch().queued) == ([], 0)
    world.clock.advance(timedelta(hours=1))
    assert world.dispatch().queued == 1


@pytest.mark.parametrize(
    ("ahead", "zoned"),
    [(timedelta(days=30, seconds=1), True), (timedelta(hours=1), False)],
    ids=["too far ahead", "no time zone"],
)
def test_a_send_time_too_far_ahead_or_without_a_zone_is_refused(
    world: World, ahead: timedelta, zoned: bool
) -> None:
    send_at = world.clock.now() + ahead

    with pytest.raises(ValidationError) as refused:
        world.send(send_at=send_at if zoned else send_at.replace(tzinfo=None))

    assert refused.value.field == "send_at"
    assert world.tables.messages == {}


def test_a_scheduled_message_waits_for_its_time(world: World) -> None:
    sent = world.send(send_at=_in(world, hours=2))

    assert (sent.status, world.queue.jobs) == ("scheduled", [])
    assert world.dispatch().queued == 0
    world.clock.advance(timedelta(hours=2))
    assert world.dispatch().queued == 1
    assert [j.body["message_id"] for j in world.queue.jobs] == [str(sent.id)]


def test_a_message_due_within_the_minute_is_queued_with_the_rest_as_delay(world: World) -> None:
    world.send(send_at=_in(world, seconds=40))

    assert world.dispatch().queued == 1

    assert [j.delay_seconds for j in world.queue.jobs] == [40]
    assert world.dispatch().queued == 0


def test_a_queued_message_still_waiting_is_queued_again_after_a_quarter_hour(world: World) -> None:
    world.send()
    world.clock.advance(timedelta(minutes=14))
    assert world.dispatch().queued == 0

    world.clock.advance(timedelta(minutes=2))

    assert world.dispatch().queued == 1
    assert len(world.queue.jobs) == 2


def test_cancelled_scheduled_mail_is_never_queued_and_announced_once(world: World) -> None:
    scheduled = world.send(send_at=_in(world, hours=2))

    cancelled = _cancel(world, scheduled.id)

    assert cancelled.status == "cancelled"
    world.clock.advance(timedelta(hours=3))
    assert world.dispatch().queued == 0
    with world.uow(world.organization_id) as work:
        events = work.events.read(0, 10)
    assert [(e.type, e.payload["message_id"]) for e in events] == [
        ("message.cancelled", str(scheduled.id))
    ]


def test_cancelled_pending_mail_cannot_be_claimed(world: World) -> None:
    pending = world.send()

    _cancel(world, pending.id)

    with world.uow(world.organization_id) as work:
        assert work.outbox.claim(pending.id, world.clock.now()) is None


def test_rescheduled_later_it_is_not_claimed_now_and_is_queued_when_due(world: World) -> None:
    pending = world.send()

    moved = _reschedule(world, pending.id, _in(world, hours=24))

    assert moved.status == "scheduled"
    with world.uow(world.organization_id) as work:
        assert work.outbox.claim(pending.id, world.clock.now()) is None
    world.clock.advance(timedelta(hours=24))
    assert world.dispatch().queued == 1


def test_rescheduled_to_now_it_is_queued_at_once(world: World) -> None:
    scheduled = world.send(send_at=_in(world, hours=5))

    moved = _reschedule(world, scheduled.id, None)

    assert (moved.status, moved.send_at) == ("pending", None)
    assert [j.body["message_id"] for j in world.queue.jobs] == [str(scheduled.id)]


def test_a_rescheduled_time_is_checked_and_leaves_the_time_as_it_was(world: World) -> None:
    scheduled = world.send(send_at=_in(world, hours=5))

    with pytest.raises(ValidationError) as too_far:
        _reschedule(world, scheduled.id, _in(world, days=31))
    with pytest.raises(ValidationError) as no_zone:
        _reschedule(world, scheduled.id, _in(world, hours=1).replace(tzinfo=None))

    assert (too_far.value.field, no_zone.value.field) == ("send_at", "send_at")
    assert world.row(scheduled.id).message.send_at == scheduled.send_at


@pytest.mark.parametrize("state", ["sending", "sent"])
def test_mail_handed_to_ses_cannot_be_cancelled_or_rescheduled(world: World, state: str) -> None:
    sent = world.send()
    with world.uow(world.organization_id) as work:
        work.outbox.claim(sent.id, world.clock.now())
        if state == "sent":
            work.outbox.record_sent(
                SentConfirmation(sent.id, "ses-1", "<ses-1@x>", world.clock.now())
            )

    with pytest.raises(Conflict) as cancel:
        _cancel(world, sent.id)
    with pytest.raises(Conflict):
        _reschedule(world, sent.id, _in(world, hours=1))

    assert state in cancel.value.message
    assert world.row(sent.id).message.status == state


def test_received_mail_and_drafts_cannot_be_cancelled_and_strangers_find_nothing(
    world: World,
) -> None:
    received = world.received(make_mail())
    draft = sending.create_draft(
        world.sending, world.organization_id, world.inbox.id, Compose(text="x")
    )
    scheduled = world.send(send_at=_in(world, hours=2))
    stranger = world.add_organization()

    with pytest.raises(Conflict):
        _cancel(world, received.id)
    with pytest.raises(Conflict):
        _reschedule(world, draft.id, None)
    with pytest.raises(NotFound):
        _cancel(world, scheduled.id, stranger)

    assert world.row(scheduled.id).message.status == "scheduled"

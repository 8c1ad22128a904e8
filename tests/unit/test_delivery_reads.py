"""Reading delivery back against the in-memory unit of work: each recipient's state on the
message, the event history oldest first in pages, and the lists' delivery-status and time
filters (a message matches on its own status or any recipient's; a thread on any message)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from mailman.adapters.memory.tables import DeliveryEventRow, RecipientTrack
from mailman.domain.delivery_history import event_details
from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.mailbox import (
    ANY_TIME,
    Bounce,
    Complaint,
    Delay,
    DeliveryFilter,
    RecipientDelivery,
    TimeWindow,
)
from mailman.domain.models import DeliveryStatus
from mailman.domain.pagination import PageRequest
from mailman.services import mailbox
from mailman.services.sending import Compose, reply

from ..mail import make_mail
from .world import NOW, World

SES_EVENTS = Path(__file__).parents[2] / ".." / "shared" / "ses-events"
JANE = "jane@customer.example"
BOB = "bob@customer.example"
ALICE = "alice@elsewhere.example"


def _sent(
    world: World, status: DeliveryStatus, **recipients: tuple[str, RecipientDelivery]
) -> UUID:
    """A message sent to `recipients` (local part at customer.example -> its status and what
    SES reported), its own status `status`, as the telemetry function leaves it."""
    addresses = [f"{local}@customer.example" for local in recipients] or [JANE]
    message = world.send(to=tuple(addresses))
    _report(world, message.id, status, {f"{k}@customer.example": v for k, v in recipients.items()})
    return message.id


def _report(
    world: World,
    message_id: UUID,
    status: DeliveryStatus,
    recipients: dict[str, tuple[str, RecipientDelivery]],
) -> None:
    row = world.row(message_id)
    row.message = replace(row.message, status=status)
    for address, (state, reported) in recipients.items():
        row.recipient_states[address] = (state, None)
        row.tracks[address] = RecipientTrack(**dict(reported))
    world.clock.advance(timedelta(minutes=1))


def _messages(
    world: World, wanted: DeliveryFilter | None, window: TimeWindow = ANY_TIME
) -> list[UUID]:
    page = mailbox.list_messages(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest(),
        quarantined=False,
        delivery_status=wanted,
        window=window,
    )
    return [m.id for m in page.items]


def _threads(world: World, wanted: DeliveryFilter | None) -> list[UUID]:
    page = mailbox.list_threads(
        world.uow, world.organization_id, world.inbox.id, PageRequest(), delivery_status=wanted
    )
    return [t.id for t in page.items]


BOUNCED = RecipientDelivery(
    status_at=NOW,
    sent_at=NOW,
    bounced_at=NOW,
    bounce_type="Permanent",
    bounce_sub_type="General",
    smtp_status="5.1.1",
    diagnostic_code="smtp; 550 5.1.1 user unknown",
)
DELIVERED = RecipientDelivery(status_at=NOW, sent_at=NOW, delivered_at=NOW)
SENT = RecipientDelivery(status_at=NOW, sent_at=NOW)
DELAYED = RecipientDelivery(
    status_at=NOW, sent_at=NOW, delayed_at=NOW, delay_type="MailboxFull", delay_expires_at=NOW
)


def test_a_message_shows_each_recipients_delivery_state(world: World) -> None:
    message_id = _sent(
        world,
        DeliveryStatus.PARTIALLY_DELIVERED,
        jane=("delivered", DELIVERED),
        bob=("bounced", BOUNCED),
    )

    found = mailbox.get_message(world.uow, world.organization_id, message_id)

    jane, bob = found.recipients
    assert (jane.status, jane.delivered_at, jane.bounce) == ("delivered", NOW, None)
    assert (bob.status, bob.bounced_at) == ("bounced", NOW)
    assert bob.bounce == Bounce("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown")


def test_a_complaint_keeps_the_bounce_and_a_delay_stays_beside_the_outcome() -> None:
    reported = RecipientDelivery(
        bounced_at=NOW,
        bounce_type="Transient",
        complained_at=NOW,
        complaint_feedback_type="abuse",
        delayed_at=NOW,
        delay_type="MailboxFull",
    )

    assert reported.bounce == Bounce("Transient", None, None, None)
    assert reported.complaint == Complaint("abuse")
    assert reported.delay == Delay("MailboxFull", NOW, None)
    assert (SENT.bounce, SENT.complaint, SENT.delay) == (None, None, None)


def test_a_message_matches_on_any_recipients_status(world: World) -> None:
    mixed = _sent(
        world,
        DeliveryStatus.PARTIALLY_DELIVERED,
        jane=("delivered", DELIVERED),
        bob=("bounced", BOUNCED),
    )
    _sent(world, DeliveryStatus.DELIVERED, jane=("delivered", DELIVERED))

    assert _messages(world, DeliveryFilter.BOUNCED) == [mixed]
    assert _messages(world, DeliveryFilter.PARTIALLY_DELIVERED) == [mixed]
    assert mixed in _messages(world, DeliveryFilter.DELIVERED)
    assert _messages(world, DeliveryFilter.COMPLAINED) == []


def test_a_message_matches_on_its_own_status_without_a_recipient_reporting_it(
    world: World,
) -> None:
    failed = _sent(world, DeliveryStatus.FAILED)
    mixed = _sent(world, DeliveryStatus.BOUNCED, jane=("rejected", SENT), bob=("failed", SENT))

    assert _messages(world, DeliveryFilter.FAILED) == [mixed, failed]
    assert _messages(world, DeliveryFilter.BOUNCED) == [mixed]
    assert _messages(world, DeliveryFilter.REJECTED) == [mixed]


def test_suppressed_is_a_recipients_status_only(world: World) -> None:
    skipped = _sent(
        world, DeliveryStatus.SENT, jane=("sent", SENT), bob=("suppressed", RecipientDelivery())
    )
    _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))

    assert _messages(world, DeliveryFilter.SUPPRESSED) == [skipped]


def test_delayed_lists_recipients_delayed_with_no_outcome_yet(world: World) -> None:
    waiting = _sent(world, DeliveryStatus.SENT, jane=("sent", DELAYED))
    after_delay = DELAYED.model_copy(update={"status_at": NOW, "delivered_at": NOW})
    _sent(world, DeliveryStatus.DELIVERED, jane=("delivered", after_delay))
    _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))

    assert _messages(world, DeliveryFilter.DELAYED) == [waiting]


def test_received_mail_matches_no_delivery_status(world: World) -> None:
    world.received(make_mail())

    assert all(_messages(world, wanted) == [] for wanted in DeliveryFilter)
    assert len(_messages(world, None)) == 1


def test_a_thread_matches_when_any_of_its_messages_does(world: World) -> None:
    received = world.received(make_mail())
    compose = Compose(text="Hi")
    answer = reply(world.sending, world.organization_id, received.id, compose, everyone=False)
    _report(world, answer.message.id, DeliveryStatus.BOUNCED, {ALICE: ("bounced", BOUNCED)})
    _sent(world, DeliveryStatus.DELIVERED, jane=("delivered", DELIVERED))

    assert answer.message.thread_id == received.thread_id
    assert _threads(world, DeliveryFilter.BOUNCED) == [received.thread_id]
    assert len(_threads(world, None)) == 2


def test_a_deleted_message_does_not_list_its_thread(world: World) -> None:
    bounced = _sent(world, DeliveryStatus.BOUNCED, bob=("bounced", BOUNCED))
    world.row(bounced).deleted_at = NOW

    assert _threads(world, DeliveryFilter.BOUNCED) == []


def test_filtered_pages_read_every_match_once_newest_first(world: World) -> None:
    bounced = []
    for i in range(5):
        bounced.append(_sent(world, DeliveryStatus.BOUNCED, bob=("bounced", BOUNCED)))
        if i % 2:
            _sent(world, DeliveryStatus.DELIVERED, jane=("delivered", DELIVERED))
    read: list[UUID] = []
    page = PageRequest(limit=2)
    while True:
        listed = mailbox.list_messages(
            world.uow,
            world.organization_id,
            world.inbox.id,
            page,
            quarantined=False,
            delivery_status=DeliveryFilter.BOUNCED,
        )
        read += [m.id for m in listed.items]
        if listed.next_page_token is None:
            break
        page = PageRequest.parse(2, listed.next_page_token)

    assert read == bounced[::-1]


def test_the_window_holds_messages_created_from_since_until_before_until(world: World) -> None:
    first = _sent(world, DeliveryStatus.BOUNCED, bob=("bounced", BOUNCED))
    second = _sent(world, DeliveryStatus.BOUNCED, bob=("bounced", BOUNCED))
    third = _sent(world, DeliveryStatus.BOUNCED, bob=("bounced", BOUNCED))
    created = {m: world.row(m).created_at for m in (first, second, third)}

    window = TimeWindow.of(created[second], created[third])

    assert _messages(world, DeliveryFilter.BOUNCED, window=window) == [second]
    assert _messages(world, None, window=TimeWindow.of(created[second], None)) == [third, second]


def test_a_time_without_an_offset_is_utc() -> None:
    naive = datetime(2026, 11, 21, 12, 0)

    assert TimeWindow.of(naive, None).since == NOW
    assert TimeWindow.of(None, naive).until == NOW


@pytest.mark.parametrize("gap", [timedelta(0), timedelta(hours=-1)])
def test_an_empty_window_is_refused_naming_until(gap: timedelta) -> None:
    with pytest.raises(ValidationError) as refused:
        TimeWindow.of(NOW, NOW + gap)

    assert refused.value.field == "until"


def _event(
    world: World,
    message_id: UUID,
    kind: str,
    at: datetime,
    *,
    recipient: str = JANE,
    organization_id: UUID | None = None,
) -> DeliveryEventRow:
    """An event the telemetry function stored for the message."""
    row = DeliveryEventRow(
        organization_id=organization_id or world.organization_id,
        message_pk=message_id,
        recipient=recipient,
        event_type=kind,
        source_event_id=str(uuid4()),
        occurred_at=at,
        ses_message_id="ses-1",
        details={},
        created_at=world.clock.now(),
    )
    key = (message_id, row.source_event_id, kind, recipient)
    world.tables.delivery_events[key] = row
    return row


def _history(world: World, message_id: UUID, page: PageRequest | None = None) -> Any:
    return mailbox.delivery_history(
        world.uow, world.organization_id, message_id, page or PageRequest()
    )


def test_the_history_is_oldest_first_then_by_id_with_each_recipients_state(world: World) -> None:
    message_id = _sent(world, DeliveryStatus.DELIVERED, jane=("delivered", DELIVERED))
    delivered = _event(world, message_id, "delivery", NOW + timedelta(seconds=5))
    same = [_event(world, message_id, "send", NOW, recipient=r) for r in (JANE, BOB)]

    history = _history(world, message_id)

    expected = [*sorted(same, key=lambda e: e.id), delivered]
    assert [e.id for e in history.events.items] == [e.id for e in expected]
    assert history.message.status == "delivered"
    assert [(r.address, r.status) for r in history.message.recipients] == [(JANE, "delivered")]


def test_the_history_reads_on_in_pages(world: World) -> None:
    message_id = _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))
    events = [
        _event(world, message_id, "open", NOW + timedelta(minutes=i)) for i in (3, 1, 4, 0, 2)
    ]
    read: list[UUID] = []
    page = PageRequest(limit=2)
    while True:
        history = _history(world, message_id, page)
        read += [e.id for e in history.events.items]
        if history.events.next_page_token is None:
            break
        page = PageRequest.parse(2, history.events.next_page_token)

    assert read == [e.id for e in sorted(events, key=lambda e: e.occurred_at)]


def test_the_history_holds_only_its_messages_events(world: World) -> None:
    message_id = _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))
    other = _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))
    mine = _event(world, message_id, "send", NOW)
    _event(world, other, "send", NOW)

    assert [e.id for e in _history(world, message_id).events.items] == [mine.id]


def test_received_mail_has_an_empty_history(world: World) -> None:
    received = world.received(make_mail())

    history = _history(world, received.id)

    assert (history.message.status, history.events.items) == (None, [])


def test_the_history_of_an_unknown_or_another_organisations_message_is_not_found(
    world: World,
) -> None:
    globex = world.add_organization()
    message_id = _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))
    _event(world, message_id, "send", NOW)

    for organization_id, wanted in ((globex, message_id), (world.organization_id, uuid4())):
        with pytest.raises(NotFound) as refused:
            mailbox.delivery_history(world.uow, organization_id, wanted, PageRequest())
        assert refused.value.field == "message_id"


def test_another_organisations_events_never_join_a_history(world: World) -> None:
    message_id = _sent(world, DeliveryStatus.SENT, jane=("sent", SENT))
    _event(world, message_id, "send", NOW, organization_id=world.add_organization())

    assert _history(world, message_id).events.items == []


def _ses(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((SES_EVENTS / name).read_text())
    return found


BOUNCED_SAID = {
    "action": "failed",
    "smtp_status": "5.1.1",
    "diagnostic_code": "smtp; 550 5.1.1 user unknown",
    "bounce_type": "Permanent",
    "bounce_sub_type": "General",
}
DELAYED_SAID = {
    "smtp_status": "4.4.1",
    "diagnostic_code": "smtp; 421 4.4.1 Unable to connect to remote host",
    "delay_type": "TransientCommunicationFailure",
    "delay_expires_at": "2020-06-16T00:25:40.914000+00:00",
}


@pytest.mark.parametrize(
    ("sample", "kind", "part", "said", "expected"),
    [
        (
            "event-bounce-permanent-general.json",
            "bounce",
            "bounce",
            BOUNCED_SAID,
            {**BOUNCED_SAID, "reporting_mta": "dsn; mta.example.com"},
        ),
        (
            "event-complaint-with-feedback.json",
            "complaint",
            "complaint",
            {"complaint_feedback_type": "abuse"},
            {"feedback_type": "abuse", "arrival_date": "2017-08-05T00:41:02.669Z"},
        ),
        (
            "event-delivery.json",
            "delivery",
            "delivery",
            {},
            {
                "smtp_response": "250 2.6.0 Message received",
                "reporting_mta": "mta.example.com",
                "processing_time_millis": 11893,
            },
        ),
        (
            "event-deliverydelay-transientcommunicationfailure.json",
            "delivery_delay",
            "deliveryDelay",
            DELAYED_SAID,
            {
                "delay_type": "TransientCommunicationFailure",
                "expires_at": "2020-06-16T00:25:40.914000+00:00",
                "smtp_status": "4.4.1",
                "diagnostic_code": "smtp; 421 4.4.1 Unable to connect to remote host",
            },
        ),
        (
            "event-click.json",
            "click",
            "click",
            {},
            {"link": "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html"},
        ),
        ("event-reject.json", "reject", "reject", {}, {"reason": "Bad content"}),
        (
            "event-renderingfailure.json",
            "rendering_failure",
            "failure",
            {},
            {
                "error_message": "Attribute 'attributeName' is not present in the rendering data.",
                "template_name": "MyTemplate",
            },
        ),
        ("event-open.json", "open", "open", {}, {}),
        ("event-send.json", "send", "send", {}, {}),
    ],
)
def test_each_kind_of_event_says_what_ses_reported_of_it(
    sample: str, kind: str, part: str, said: dict[str, Any], expected: dict[str, Any]
) -> None:
    ses = _ses(sample)[part]

    told = event_details(kind, {**said, "ses": ses})

    user_agent = told.pop("user_agent", None)
    assert told == expected
    assert user_agent == ses.get("userAgent")


def test_an_event_stored_without_ses_object_says_what_it_said_of_its_recipient() -> None:
    told = event_details("bounce", {"smtp_status": "5.1.1", "ses": "not an object"})

    assert told == {"smtp_status": "5.1.1"}


def test_a_kind_of_event_unknown_here_says_nothing() -> None:
    assert event_details("subscription", {"reason": "x", "ses": {"reason": "y"}}) == {}

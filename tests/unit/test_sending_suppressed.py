"""Sending to suppressed addresses, against the in-memory unit of work: a message whose every
recipient is suppressed is refused and nothing is stored; one where some are is stored with
those recipients `suppressed` and sent to the rest, for sends, replies, forwards and drafts;
the outbound function checks the list once more before the hand-off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from mailman.domain.errors import RecipientsSuppressed
from mailman.domain.mailbox import MessageView
from mailman.domain.suppressions import NewSuppression, SuppressionReason
from mailman.services import sending
from mailman.services.sending import (
    Compose,
    DeliveryJob,
    Idempotency,
    Outbound,
    SendOutcome,
    deliver,
)
from mailman.services.suppressions import SuppressionRequest, suppress, unsuppress

from .world import World


class CapturingMailer:
    """Takes every mail handed to it, answering an SES-like id."""

    def __init__(self) -> None:
        self.destinations: list[Sequence[str]] = []

    def send(self, raw: bytes, *, destinations: Sequence[str], tags: Mapping[str, str]) -> str:
        self.destinations.append(list(destinations))
        return f"ses-{len(self.destinations)}"


def _suppress(world: World, *addresses: str, reason: str = "bounce") -> None:
    with world.uow(world.organization_id) as work:
        work.suppressions.add(
            [NewSuppression(world.organization_id, a, SuppressionReason(reason)) for a in addresses]
        )


def _states(message: MessageView) -> list[tuple[str, str, str | None, str | None]]:
    return [(r.kind, r.address, r.status, r.status_reason) for r in message.recipients]


def _stored_states(world: World, message: MessageView) -> list[tuple[str, str, Any, Any]]:
    with world.uow(world.organization_id) as work:
        found = work.mailbox.message(message.id)
    assert found is not None
    return _states(found)


def _deliver(world: World, message: MessageView) -> tuple[SendOutcome, CapturingMailer]:
    mailer = CapturingMailer()
    env = Outbound(world.uow, world.blobs, mailer, world.clock, "us-east-1")
    report = deliver(env, DeliveryJob(world.organization_id, message.id))
    return report.outcome, mailer


def test_a_message_to_suppressed_addresses_only_is_refused_naming_them(world: World) -> None:
    _suppress(world, "jane@customer.example")
    _suppress(world, "bob@customer.example", reason="complaint")

    with pytest.raises(RecipientsSuppressed) as refused:
        world.send(to=("Jane <JANE@Customer.Example>",), bcc=("bob@customer.example",))

    assert refused.value.details == {
        "recipients": [
            {"address": "JANE@customer.example", "reason": "bounce"},
            {"address": "bob@customer.example", "reason": "complaint"},
        ]
    }
    assert "JANE@customer.example (bounce)" in refused.value.message
    assert world.tables.messages == {}
    assert world.tables.threads == {}
    assert world.queue.jobs == []


def test_only_the_suppressed_recipients_are_left_out(world: World) -> None:
    _suppress(world, "jane@customer.example")

    sent = world.send(
        to=("Jane@customer.example", "ann@customer.example"), cc=("jane@customer.example",)
    )

    expected = [
        ("to", "Jane@customer.example", "suppressed", "suppressed (bounce)"),
        ("to", "ann@customer.example", None, None),
        ("cc", "jane@customer.example", "suppressed", "suppressed (bounce)"),
    ]
    assert _states(sent) == expected
    assert _stored_states(world, sent) == expected
    assert sent.status == "pending"
    assert len(world.queue.jobs) == 1


def test_an_address_with_a_unicode_domain_is_the_same_address(world: World) -> None:
    _suppress(world, "ann@xn--bcher-kva.example")

    with pytest.raises(RecipientsSuppressed):
        world.send(to=("ann@Bücher.example",))


def test_another_organisations_list_blocks_nothing(world: World) -> None:
    other = world.add_organization()
    with world.uow(other) as work:
        work.suppressions.add(
            [NewSuppression(other, "jane@customer.example", SuppressionReason.COMPLAINT)]
        )

    sent = world.send(to=("jane@customer.example",))

    assert _states(sent) == [("to", "jane@customer.example", None, None)]
    outcome, mailer = _deliver(world, sent)
    assert (outcome, mailer.destinations) == (SendOutcome.SENT, [["jane@customer.example"]])


def test_replies_forwards_and_drafts_leave_out_suppressed_recipients(world: World) -> None:
    parent = world.send(to=("jane@customer.example", "bob@customer.example"))
    _suppress(world, "bob@customer.example")

    answered = sending.reply(
        world.sending, world.organization_id, parent.id, Compose(text="Again"), everyone=True
    ).message
    forwarded = sending.forward(
        world.sending,
        world.organization_id,
        parent.id,
        Compose(to=("bob@customer.example", "ann@customer.example")),
    ).message
    draft = sending.create_draft(
        world.sending,
        world.organization_id,
        world.inbox.id,
        Compose(to=("bob@customer.example", "ann@customer.example"), text="Draft"),
    )
    from_draft = sending.send_draft(world.sending, world.organization_id, draft.id).message

    for message in (answered, forwarded, from_draft):
        assert ("bob@customer.example", "suppressed") in [
            (r.address, r.status) for r in message.recipients
        ]
        assert [r.status for r in message.recipients if r.address != "bob@customer.example"] == [
            None
        ]
    assert _states(from_draft) == _stored_states(world, from_draft)


@pytest.mark.parametrize("path", ["reply", "forward", "draft"])
def test_replies_forwards_and_drafts_to_suppressed_addresses_only_are_refused(
    world: World, path: str
) -> None:
    parent = world.send(to=("bob@customer.example",))
    draft = sending.create_draft(
        world.sending,
        world.organization_id,
        world.inbox.id,
        Compose(to=("bob@customer.example",), text="Draft"),
    )
    _suppress(world, "bob@customer.example")
    before = len(world.queue.jobs)
    attempts = {
        "reply": lambda: sending.reply(
            world.sending, world.organization_id, parent.id, Compose(text="x"), everyone=False
        ),
        "forward": lambda: sending.forward(
            world.sending, world.organization_id, parent.id, Compose(to=("bob@customer.example",))
        ),
        "draft": lambda: sending.send_draft(world.sending, world.organization_id, draft.id),
    }

    with pytest.raises(RecipientsSuppressed):
        attempts[path]()

    assert len(world.queue.jobs) == before
    assert world.row(draft.id).message.status == "draft"


def test_a_replayed_send_answers_what_the_first_did_though_all_are_suppressed_now(
    world: World,
) -> None:
    compose = Compose(to=("jane@customer.example",), text="Once")
    key = Idempotency.of("k-1", "send", {"to": ["jane@customer.example"]})
    first = sending.send(world.sending, world.organization_id, world.inbox.id, compose, key)
    _suppress(world, "jane@customer.example")

    again = sending.send(world.sending, world.organization_id, world.inbox.id, compose, key)

    assert again.replayed
    assert again.message.id == first.message.id


def test_the_outbound_function_leaves_out_what_was_suppressed_since_the_send(
    world: World,
) -> None:
    sent = world.send(to=("jane@customer.example", "ANN@customer.example"))
    _suppress(world, "ann@customer.example")

    outcome, mailer = _deliver(world, sent)

    assert (outcome, mailer.destinations) == (SendOutcome.SENT, [["jane@customer.example"]])
    assert _stored_states(world, sent)[1] == (
        "to",
        "ANN@customer.example",
        "suppressed",
        "suppressed (bounce)",
    )


def test_a_recipient_left_out_at_the_send_stays_out_once_taken_off_the_list(
    world: World,
) -> None:
    _suppress(world, "ann@customer.example")
    sent = world.send(to=("jane@customer.example", "ann@customer.example"))
    unsuppress(world.uow, world.clock, world.organization_id, "ann@customer.example")

    outcome, mailer = _deliver(world, sent)

    assert (outcome, mailer.destinations) == (SendOutcome.SENT, [["jane@customer.example"]])


def test_the_outbound_function_fails_a_message_all_of_whose_recipients_were_suppressed_since(
    world: World,
) -> None:
    sent = world.send(to=("jane@customer.example",))
    suppress(world.uow, world.organization_id, SuppressionRequest("jane@customer.example"))

    outcome, mailer = _deliver(world, sent)

    assert (outcome, mailer.destinations) == (SendOutcome.FAILED, [])
    assert world.row(sent.id).message.status == "failed"


def test_a_refused_message_leaves_no_attachment_in_the_blob_store(world: World) -> None:
    _suppress(world, "jane@customer.example")
    inline = sending.AttachmentSpec("invoice.pdf", "application/pdf", content=b"%PDF-1.7 ...")

    with pytest.raises(RecipientsSuppressed):
        world.send(attachments=(inline,))

    assert world.blobs.keys() == set()


def test_a_replayed_send_writes_its_attachments_no_second_time(world: World) -> None:
    inline = sending.AttachmentSpec("invoice.pdf", "application/pdf", content=b"%PDF-1.7 ...")
    compose = Compose(to=("jane@customer.example",), text="Hello", attachments=(inline,))
    key = Idempotency("order-1234", "sha")
    first = sending.send(world.sending, world.organization_id, world.inbox.id, compose, key)
    written = world.blobs.keys()

    again = sending.send(world.sending, world.organization_id, world.inbox.id, compose, key)

    assert again.replayed
    assert again.message.id == first.message.id
    assert len(written) == 1
    assert world.blobs.keys() == written


def test_a_hand_off_reports_its_sending_domain_and_the_recipients_sent(world: World) -> None:
    message = world.send(to=("jane@customer.example", "bob@customer.example"))
    _suppress(world, "bob@customer.example")
    env = Outbound(world.uow, world.blobs, CapturingMailer(), world.clock, "us-east-1")

    report = deliver(env, DeliveryJob(world.organization_id, message.id))

    assert (report.outcome, report.domain, report.recipients_sent) == (
        SendOutcome.SENT,
        "example.com",
        1,
    )

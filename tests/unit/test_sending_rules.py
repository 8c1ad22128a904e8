"""Sending's rules against the in-memory unit of work: what is stored and queued, who a reply
or forward goes to, idempotency keys, and that nothing is stored when a send is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from mailman.domain.errors import (
    AttachmentTooLarge,
    Conflict,
    DomainError,
    DomainNotVerified,
    NotFound,
    ValidationError,
)
from mailman.domain.mailbox import MessageView
from mailman.services.sending import (
    AttachmentSpec,
    Compose,
    Idempotency,
    Submitted,
    create_draft,
    forward,
    reply,
    send,
)

from ..mail import make_mail
from .world import World


def _answer(
    world: World, parent: MessageView, *, everyone: bool = False, **fields: Any
) -> MessageView:
    compose = Compose(text="On its way.", **fields)
    return reply(
        world.sending, world.organization_id, parent.id, compose, everyone=everyone
    ).message


def _recipients(message: MessageView) -> list[tuple[str, str]]:
    return [(r.kind, r.address) for r in message.recipients]


def _send_once(world: World, key: str, **fields: Any) -> Submitted:
    body = {"to": ["jane@customer.example"], "text": "Only once", **fields}
    compose = Compose(to=tuple(body.pop("to")), **body)
    idempotency = Idempotency.of(key, "send", {"to": compose.to, "text": compose.text})
    return send(world.sending, world.organization_id, world.inbox.id, compose, idempotency)


def test_a_message_is_stored_pending_in_a_thread_and_queued(world: World) -> None:
    sent = world.send(subject="Hello", text="Hi Jane")

    assert (sent.status, sent.direction, sent.subject) == ("pending", "outbound", "Hello")
    assert sent.thread_id is not None
    assert sent.from_name == "Example Support"
    assert world.queue.bodies == [
        {"organization_id": str(world.organization_id), "message_id": str(sent.id)}
    ]
    assert world.row(sent.id).message.queued_at == world.clock.now()


def test_a_reply_goes_to_the_reply_to_address_in_the_thread_with_the_reference_chain(
    world: World,
) -> None:
    parent = world.received(
        make_mail(
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\nReferences: <m1@elsewhere.example>\r\n"
            "Reply-To: Alice Desk <desk@elsewhere.example>\r\n",
        )
    )

    answer = _answer(world, parent)

    assert answer.thread_id == parent.thread_id
    assert answer.subject == "Re: Order 1234"
    assert _recipients(answer) == [("to", "desk@elsewhere.example")]
    assert answer.in_reply_to == "<m2@elsewhere.example>"
    assert answer.references == ("<m1@elsewhere.example>", "<m2@elsewhere.example>")


def test_a_reply_without_reply_to_goes_to_the_sender(world: World) -> None:
    parent = world.received(make_mail())

    answer = _answer(world, parent)

    assert _recipients(answer) == [("to", "alice@elsewhere.example")]


def test_reply_all_answers_everyone_but_the_inbox(world: World) -> None:
    parent = world.received(
        make_mail(to="support@example.com, bob@elsewhere.example", extra="Cc: carol@x.example\r\n")
    )

    answer = _answer(world, parent, everyone=True)

    assert _recipients(answer) == [
        ("to", "alice@elsewhere.example"),
        ("cc", "bob@elsewhere.example"),
        ("cc", "carol@x.example"),
    ]


def test_reply_all_names_everyone_once_whatever_the_case(world: World) -> None:
    parent = world.received(
        make_mail(
            to="Support@Example.com, bob@elsewhere.example, ALICE@elsewhere.example",
            extra="Cc: Bob@Elsewhere.example, carol@x.example\r\n",
        )
    )

    answer = _answer(world, parent, everyone=True, cc=("carol@x.example", "dan@x.example"))

    assert _recipients(answer) == [
        ("to", "alice@elsewhere.example"),
        ("cc", "bob@elsewhere.example"),
        ("cc", "carol@x.example"),
        ("cc", "dan@x.example"),
    ]


def test_the_inbox_is_never_a_recipient_of_its_own_reply(world: World) -> None:
    parent = world.received(make_mail(extra="Reply-To: support@example.com\r\n"))

    answer = _answer(world, parent, everyone=True, to=("support@example.com", "eve@x.example"))

    assert _recipients(answer) == [("to", "eve@x.example")]


def test_a_reply_to_mail_the_inbox_sent_goes_to_the_same_people_again(world: World) -> None:
    sent = world.send(to=("jane@customer.example",), cc=("bob@customer.example",), subject="Quote")

    to_sender = _answer(world, sent)
    to_all = _answer(world, sent, everyone=True)

    assert _recipients(to_sender) == [("to", "jane@customer.example")]
    assert _recipients(to_all) == [("to", "jane@customer.example"), ("cc", "bob@customer.example")]
    assert to_all.subject == "Re: Quote"
    assert to_all.thread_id == sent.thread_id


def test_a_forward_quotes_the_original_with_its_attachments_in_its_thread(world: World) -> None:
    parent = world.received(
        b"From: alice@elsewhere.example\r\nTo: support@example.com\r\nSubject: Invoice\r\n"
        b"Message-ID: <inv@elsewhere.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n"
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="i.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )

    forwarded = forward(
        world.sending,
        world.organization_id,
        parent.id,
        Compose(to=("accounts@example.org",), text="FYI"),
    ).message

    assert forwarded.subject == "Fwd: Invoice"
    assert forwarded.thread_id == parent.thread_id
    assert forwarded.text_body is not None
    assert forwarded.text_body.startswith("FYI\n\n---------- Forwarded message ---------")
    assert "From: alice@elsewhere.example" in forwarded.text_body
    assert "See attached." in forwarded.text_body
    assert [(a.filename, a.storage_key) for a in forwarded.attachments] == [
        (a.filename, a.storage_key) for a in parent.attachments
    ]


def test_a_forward_of_a_forward_keeps_one_prefix(world: World) -> None:
    parent = world.received(make_mail(subject="Fwd: Invoice"))

    forwarded = forward(
        world.sending, world.organization_id, parent.id, Compose(to=("a@b.example",))
    ).message

    assert forwarded.subject == "Fwd: Invoice"


def test_a_reply_through_another_inbox_is_refused(world: World) -> None:
    parent = world.received(make_mail())
    sales = world.add_inbox("sales")

    with pytest.raises(ValidationError) as refused:
        reply(
            world.sending,
            world.organization_id,
            parent.id,
            Compose(text="x"),
            everyone=False,
            inbox_id=sales.id,
        )

    assert refused.value.field == "inbox_id"
    assert len(world.tables.messages) == 1


def test_a_draft_cannot_be_answered(world: World) -> None:
    draft = create_draft(world.sending, world.organization_id, world.inbox.id, Compose(text="x"))

    with pytest.raises(ValidationError) as refused:
        _answer(world, draft)

    assert refused.value.field == "message_id"


def test_the_same_idempotency_key_and_body_answers_the_first_message(world: World) -> None:
    first = _send_once(world, "order-1234")

    again = _send_once(world, "order-1234")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.message.id == first.message.id
    assert len(world.tables.messages) == 1
    assert len(world.queue.jobs) == 1


def test_the_same_idempotency_key_with_another_body_is_a_conflict(world: World) -> None:
    _send_once(world, "order-1234")

    with pytest.raises(Conflict) as refused:
        _send_once(world, "order-1234", text="Changed")

    assert refused.value.field == "Idempotency-Key"
    assert len(world.tables.messages) == 1


def test_an_idempotency_key_is_free_again_after_a_day_and_then_forgotten(world: World) -> None:
    first = _send_once(world, "k-1")
    world.clock.advance(timedelta(hours=25))

    other = _send_once(world, "k-1", text="another")

    assert other.replayed is False
    assert other.message.id != first.message.id
    world.clock.advance(timedelta(hours=25))
    assert world.dispatch().keys_forgotten == 1
    assert world.tables.idempotency_keys == {}


def test_a_key_a_day_old_less_a_minute_still_replays(world: World) -> None:
    first = _send_once(world, "k-1")
    world.clock.advance(timedelta(hours=24) - timedelta(minutes=1))

    with pytest.raises(Conflict):
        _send_once(world, "k-1", text="another")
    assert _send_once(world, "k-1").message.id == first.message.id


def test_a_message_the_queue_refused_is_left_unqueued_for_the_dispatcher(world: World) -> None:
    world.queue.refusing = True

    sent = world.send()

    assert sent.status == "pending"
    assert world.row(sent.id).message.queued_at is None
    world.queue.refusing = False
    assert world.dispatch().queued == 1
    assert world.queue.bodies == [
        {"organization_id": str(world.organization_id), "message_id": str(sent.id)}
    ]
    assert world.dispatch().queued == 0


def test_a_dispatch_the_queue_refuses_leaves_the_message_unqueued(world: World) -> None:
    world.queue.refusing = True
    sent = world.send()

    with pytest.raises(DomainError):
        world.dispatch()

    assert world.row(sent.id).message.queued_at is None


PLAIN: dict[str, Any] = {"to": ("a@b.example",), "text": "x"}
UNKNOWN = uuid4()


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({**PLAIN, "to": ("not an address",)}, ValidationError, "to[0]"),
        ({**PLAIN, "subject": "Hi\r\nBcc: x@y.example"}, ValidationError, "subject"),
        ({**PLAIN, "subject": "Hi\u2028Bcc: x@y.example"}, ValidationError, "subject"),
        ({**PLAIN, "headers": (("From", "x@y.example"),)}, ValidationError, "headers.From"),
        ({**PLAIN, "headers": (("X-A", "1\nBcc: x@y"),)}, ValidationError, "headers.X-A"),
        ({"text": "nobody to send it to"}, ValidationError, "to"),
        ({"to": ("a@b.example",)}, ValidationError, "text"),
        ({**PLAIN, "reply_to": ("Bad\r\n <x@y.example>",)}, ValidationError, "reply_to[0]"),
        ({**PLAIN, "list_unsubscribe": "http://example.com/u"}, ValidationError,
         "list_unsubscribe"),
        ({**PLAIN, "attachments": (AttachmentSpec("a", upload_id=UNKNOWN),)}, NotFound,
         "attachments[0].attachment_id"),
        ({**PLAIN, "attachments": (AttachmentSpec("big.bin", content=b"x" * (4 * 2**20 + 1)),)},
         AttachmentTooLarge, "attachments"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    world: World, fields: dict[str, Any], error: type[DomainError], field: str
) -> None:
    with pytest.raises(error) as refused:
        send(world.sending, world.organization_id, world.inbox.id, Compose(**fields))

    assert refused.value.field == field
    assert world.tables.messages == {}
    assert world.tables.threads == {}
    assert world.queue.jobs == []


def test_a_failure_after_the_key_is_taken_stores_neither_the_key_nor_a_thread(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(type(world.uow.tables.thread_index), "add_activity", broken)

    with pytest.raises(RuntimeError):
        _send_once(world, "k-1")

    assert world.uow.units[-1].committed is False
    assert world.tables.idempotency_keys == {}
    assert world.tables.threads == {}
    assert world.tables.messages == {}
    assert world.queue.jobs == []


def test_a_domain_not_verified_for_sending_is_refused(world: World) -> None:
    world.set_domain(ses_dkim_status="PENDING")

    with pytest.raises(DomainNotVerified):
        world.send()

    assert world.tables.messages == {}


def test_an_inbox_deleted_or_of_another_organisation_is_not_found(world: World) -> None:
    stranger = world.add_organization()
    with pytest.raises(NotFound):
        send(world.sending, stranger, world.inbox.id, Compose(**PLAIN))
    with world.uow(world.organization_id) as work:
        work.inboxes.soft_delete(world.inbox.id, world.clock.now())

    with pytest.raises(NotFound) as gone:
        world.send()

    assert gone.value.field == "inbox_id"
    assert world.tables.messages == {}


@pytest.mark.parametrize("everyone", [False, True])
def test_a_message_of_another_organisation_cannot_be_answered(world: World, everyone: bool) -> None:
    parent = world.received(make_mail())
    stranger = world.add_organization()

    with pytest.raises(NotFound) as refused:
        reply(world.sending, stranger, parent.id, Compose(**PLAIN), everyone=everyone)

    assert refused.value.field == "message_id"
    assert len(world.tables.messages) == 1


def test_list_unsubscribe_comes_from_the_domain_unless_the_message_has_its_own(
    world: World,
) -> None:
    world.set_domain(list_unsubscribe="https://example.com/u?l=news")

    defaulted = world.send()
    own = world.send(list_unsubscribe="mailto:u@example.com")
    without = world.send(list_unsubscribe="")

    assert defaulted.list_unsubscribe == "https://example.com/u?l=news"
    assert own.list_unsubscribe == "mailto:u@example.com"
    assert without.list_unsubscribe is None

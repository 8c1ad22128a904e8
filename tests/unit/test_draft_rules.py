"""Drafts' rules against the in-memory unit of work: in no thread until sent, changed only at
the version read, sent as the same message, refused whole when they cannot be."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from mailman.domain.errors import Conflict, DomainError, DomainNotVerified, NotFound
from mailman.domain.errors import ValidationError as Invalid
from mailman.domain.mailbox import MessageView
from mailman.domain.pagination import PageRequest
from mailman.services import mailbox, mailbox_trash, sending
from mailman.services.sending import AttachmentSpec, Compose, Idempotency, Submitted, drafts

from ..mail import make_mail
from .world import World


def _draft(world: World, in_reply_to: UUID | None = None, **fields: Any) -> MessageView:
    return sending.create_draft(
        world.sending,
        world.organization_id,
        world.inbox.id,
        Compose(**fields),
        in_reply_to=in_reply_to,
    )


def _send(world: World, draft_id: UUID, key: str | None = None) -> Submitted:
    idempotency = Idempotency.of(key, "send_draft", str(draft_id)) if key else None
    return sending.send_draft(world.sending, world.organization_id, draft_id, idempotency)


def _get(world: World, draft_id: UUID) -> MessageView:
    return sending.get_draft(world.uow, world.organization_id, draft_id)


def _edited_meanwhile(world: World, draft_id: UUID) -> None:
    """Another writer changes the draft, as an edit racing this one would."""
    world.row(draft_id).updated_at += timedelta(seconds=1)


def test_a_draft_is_in_no_thread_and_only_in_the_drafts_listing(world: World) -> None:
    draft = _draft(world, to=("jane@customer.example",), subject="Plan", text="First go")

    assert (draft.status, draft.thread_id) == ("draft", None)
    listed = sending.list_drafts(world.uow, world.organization_id, world.inbox.id, PageRequest())
    assert [d.id for d in listed.items] == [draft.id]
    page = PageRequest()
    messages = mailbox.list_messages(
        world.uow, world.organization_id, world.inbox.id, page, quarantined=False
    )
    threads = mailbox.list_threads(world.uow, world.organization_id, world.inbox.id, page)
    assert (messages.items, threads.items) == ([], [])
    assert _get(world, draft.id).text_body == "First go"
    assert world.queue.jobs == []


def test_a_draft_may_be_incomplete_but_is_not_sent_so(world: World) -> None:
    draft = _draft(world, subject="Ideas")

    with pytest.raises(Invalid) as refused:
        _send(world, draft.id)

    assert refused.value.field == "to"
    assert _get(world, draft.id).status == "draft"
    assert world.queue.jobs == []


def test_an_update_replaces_the_fields_given_and_keeps_the_rest(world: World) -> None:
    draft = _draft(
        world,
        to=("jane@customer.example",),
        subject="Plan",
        text="First go",
        attachments=(AttachmentSpec("plan.txt", content=b"plan\n"),),
        labels=("q4",),
    )

    changed = sending.update_draft(
        world.sending,
        world.organization_id,
        draft.id,
        {"text": "Second go", "cc": ("Bob Boss <bob@customer.example>",)},
    )

    assert (changed.text_body, changed.subject, changed.labels) == ("Second go", "Plan", ("q4",))
    assert [(r.kind, r.address, r.name) for r in changed.recipients] == [
        ("to", "jane@customer.example", None),
        ("cc", "bob@customer.example", "Bob Boss"),
    ]
    assert [a.filename for a in changed.attachments] == ["plan.txt"]
    assert changed.created_at == draft.created_at
    assert changed.updated_at > draft.updated_at
    cleared = sending.update_draft(
        world.sending, world.organization_id, draft.id, {"attachments": ()}
    )
    assert cleared.attachments == ()


def test_an_edit_of_a_version_changed_since_is_a_conflict_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _draft(world, to=("jane@customer.example",), text="v1")
    write_files = drafts.write_files

    def racing(*args: Any) -> Any:
        _edited_meanwhile(world, draft.id)
        return write_files(*args)

    monkeypatch.setattr(drafts, "write_files", racing)

    with pytest.raises(Conflict) as refused:
        sending.update_draft(world.sending, world.organization_id, draft.id, {"text": "v2"})

    assert refused.value.field == "draft_id"
    assert _get(world, draft.id).text_body == "v1"


def test_a_send_racing_an_edit_sends_and_stores_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _draft(world, to=("jane@customer.example",), text="v1")
    submit = drafts.submit

    def racing(*args: Any, **kwargs: Any) -> Any:
        _edited_meanwhile(world, draft.id)
        return submit(*args, **kwargs)

    monkeypatch.setattr(drafts, "submit", racing)

    with pytest.raises(Conflict) as refused:
        _send(world, draft.id, key="race-1")

    assert refused.value.field == "draft_id"
    assert _get(world, draft.id).status == "draft"
    assert world.queue.jobs == []
    assert world.tables.idempotency_keys == {}
    assert world.tables.threads == {}


def test_a_sent_draft_is_the_same_message_pending_in_its_thread(world: World) -> None:
    draft = _draft(
        world,
        to=("jane@customer.example",),
        subject="Plan",
        text="Final",
        attachments=(AttachmentSpec("plan.txt", content=b"plan\n"),),
    )

    sent = _send(world, draft.id).message

    assert (sent.id, sent.message_id, sent.status) == (draft.id, draft.message_id, "pending")
    assert sent.thread_id is not None
    assert [a.storage_key for a in sent.attachments] == [a.storage_key for a in draft.attachments]
    assert world.queue.bodies == [
        {"organization_id": str(world.organization_id), "message_id": str(draft.id)}
    ]
    thread = mailbox.get_thread(world.uow, world.organization_id, sent.thread_id)
    assert [m.id for m in thread.messages] == [draft.id]
    listed = sending.list_drafts(world.uow, world.organization_id, world.inbox.id, PageRequest())
    assert listed.items == []


def test_a_sent_draft_is_no_longer_a_draft(world: World) -> None:
    draft = _draft(world, to=("jane@customer.example",), text="Once")
    _send(world, draft.id)

    with pytest.raises(Conflict) as again:
        _send(world, draft.id)
    with pytest.raises(NotFound):
        _get(world, draft.id)
    with pytest.raises(Conflict):
        sending.update_draft(world.sending, world.organization_id, draft.id, {"text": "Twice"})
    with pytest.raises(Conflict):
        sending.delete_draft(world.uow, world.organization_id, draft.id)

    assert again.value.field == "draft_id"
    assert len(world.queue.jobs) == 1


def test_a_draft_answering_a_message_joins_its_thread_when_sent(world: World) -> None:
    parent = world.received(make_mail(extra="Reply-To: Alice Desk <desk@elsewhere.example>\r\n"))

    draft = _draft(world, in_reply_to=parent.id, text="Looking into it")

    assert draft.thread_id is None
    assert (draft.subject, draft.in_reply_to) == ("Re: Order 1234", parent.message_id)
    assert [r.address for r in draft.recipients] == ["desk@elsewhere.example"]
    sent = _send(world, draft.id).message
    assert sent.thread_id == parent.thread_id
    assert parent.thread_id is not None
    thread = mailbox.get_thread(world.uow, world.organization_id, parent.thread_id)
    assert [m.id for m in thread.messages] == [parent.id, draft.id]


def test_a_draft_cannot_answer_a_message_of_another_inbox(world: World) -> None:
    parent = world.received(make_mail())
    sales = world.add_inbox("sales")

    with pytest.raises(Invalid) as refused:
        sending.create_draft(
            world.sending, world.organization_id, sales.id, Compose(text="x"), in_reply_to=parent.id
        )

    assert refused.value.field == "in_reply_to"
    assert len(world.tables.messages) == 1


def test_a_draft_with_a_send_time_is_scheduled_when_sent(world: World) -> None:
    later = world.clock.now() + timedelta(hours=3)
    draft = _draft(world, to=("jane@customer.example",), text="Later", send_at=later)

    sent = _send(world, draft.id).message

    assert (sent.status, sent.send_at) == ("scheduled", later)
    assert world.queue.jobs == []


def test_a_draft_whose_send_time_passed_while_it_waited_is_sent_now(world: World) -> None:
    draft = _draft(
        world,
        to=("jane@customer.example",),
        text="Later",
        send_at=world.clock.now() + timedelta(hours=1),
    )
    world.clock.advance(timedelta(hours=2))

    sent = _send(world, draft.id).message

    assert (sent.status, sent.send_at) == ("pending", None)
    assert len(world.queue.jobs) == 1


def test_a_draft_written_with_a_send_time_long_past_is_refused(world: World) -> None:
    with pytest.raises(Invalid) as refused:
        _draft(world, to=("jane@customer.example",), send_at=world.clock.now() - timedelta(days=1))

    assert refused.value.field == "send_at"
    assert world.tables.messages == {}


def test_sending_a_draft_is_idempotent_with_a_key(world: World) -> None:
    first = _draft(world, to=("jane@customer.example",), text="One")
    second = _draft(world, to=("jane@customer.example",), text="Two")

    answers = [_send(world, first.id, key="draft-send-1") for _ in range(2)]

    assert [a.replayed for a in answers] == [False, True]
    assert answers[1].message.id == first.id
    with pytest.raises(Conflict) as other:
        _send(world, second.id, key="draft-send-1")
    assert other.value.field == "Idempotency-Key"
    assert len(world.queue.jobs) == 1


def test_a_draft_may_be_written_before_the_domain_can_send(world: World) -> None:
    world.set_domain(ses_dkim_status="PENDING")
    draft = _draft(world, to=("jane@customer.example",), text="Soon")

    with pytest.raises(DomainNotVerified):
        _send(world, draft.id)

    assert _get(world, draft.id).status == "draft"


def test_a_deleted_draft_is_gone(world: World) -> None:
    draft = _draft(world, text="Never mind")

    sending.delete_draft(world.uow, world.organization_id, draft.id)

    with pytest.raises(NotFound):
        _get(world, draft.id)
    with pytest.raises(NotFound):
        sending.delete_draft(world.uow, world.organization_id, draft.id)
    with pytest.raises(NotFound):
        _send(world, draft.id)
    assert world.tables.messages == {}


def test_drafts_of_another_organisation_are_not_found(world: World) -> None:
    draft = _draft(world, to=("jane@customer.example",), text="Mine")
    stranger = world.add_organization()

    for step in (
        lambda: sending.get_draft(world.uow, stranger, draft.id),
        lambda: sending.update_draft(world.sending, stranger, draft.id, {"text": "x"}),
        lambda: sending.send_draft(world.sending, stranger, draft.id),
        lambda: sending.delete_draft(world.uow, stranger, draft.id),
        lambda: sending.list_drafts(world.uow, stranger, world.inbox.id, PageRequest()),
    ):
        with pytest.raises(NotFound):
            step()
    assert _get(world, draft.id).text_body == "Mine"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"to": ("not an address",)}, "to[0]"),
        ({"subject": "Hi\r\nBcc: x@y.example"}, "subject"),
        ({"subject": "Hi\u2028Bcc: x@y.example"}, "subject"),
        ({"headers": (("Message-ID", "<x@y>"),)}, "headers.Message-ID"),
        ({"headers": (("X-SES-CONFIGURATION-SET", "other"),)}, "headers.X-SES-CONFIGURATION-SET"),
        ({"headers": (("X-Tag", "a\vb"),)}, "headers.X-Tag"),
        ({"to": tuple(f"a{n}@b.example" for n in range(30)),
          "bcc": tuple(f"c{n}@b.example" for n in range(30))}, "to"),
        ({"to": ("a" * 65 + "@b.example",)}, "to[0]"),
        ({"list_unsubscribe": "http://example.com/u"}, "list_unsubscribe"),
        ({"in_reply_to": uuid4()}, "in_reply_to"),
    ],
)  # fmt: skip
def test_a_bad_draft_is_refused_naming_the_field_and_nothing_is_stored(
    world: World, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        _draft(world, **fields)

    assert refused.value.field == field
    assert world.tables.messages == {}


def test_a_draft_sent_too_far_ahead_is_refused(world: World) -> None:
    with pytest.raises(Invalid) as refused:
        _draft(world, send_at=world.clock.now() + timedelta(days=31))

    assert refused.value.field == "send_at"
    assert world.tables.messages == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"cc": ("bad\r\nBcc: x@y",)}, "cc[0]"), ({"subject": "Plan\x85B"}, "subject")],
)
def test_a_bad_change_leaves_the_draft_as_it_was(
    world: World, change: dict[str, Any], field: str
) -> None:
    draft = _draft(world, to=("jane@customer.example",), subject="Plan", text="Keep me")

    with pytest.raises(Invalid) as refused:
        sending.update_draft(world.sending, world.organization_id, draft.id, change)

    assert refused.value.field == field
    assert _get(world, draft.id) == draft


def test_a_draft_stored_with_a_line_break_in_its_subject_is_not_sent(world: World) -> None:
    draft = _draft(world, to=("jane@customer.example",), subject="Plan", text="x")
    row = world.row(draft.id)  # as the API stored it before it refused U+2029
    row.message = replace(row.message, subject="Plan\u2029B")

    with pytest.raises(Invalid) as refused:
        _send(world, draft.id)

    assert refused.value.field == "subject"
    assert _get(world, draft.id).status == "draft"
    assert world.queue.jobs == []


def test_a_sent_draft_the_queue_refused_is_queued_by_the_dispatcher(world: World) -> None:
    draft = _draft(world, to=("jane@customer.example",), text="Later, by the dispatcher")
    world.queue.refusing = True

    assert _send(world, draft.id).message.status == "pending"

    world.queue.refusing = False
    assert world.dispatch().queued == 1
    assert world.queue.bodies == [
        {"organization_id": str(world.organization_id), "message_id": str(draft.id)}
    ]


def test_a_draft_in_trash_is_restored_before_it_is_sent(world: World) -> None:
    """Mail in trash is never sent (the dispatcher skips it): a trashed draft sent as it is
    would stay pending for ever, in trash."""
    draft = _draft(world, to=("jane@customer.example",), subject="Plan", text="x")
    mailbox_trash.trash_message(world.uow, world.clock, world.organization_id, draft.id)

    with pytest.raises(Conflict, match="in trash") as refused:
        _send(world, draft.id)

    assert refused.value.field == "draft_id"
    assert world.row(draft.id).message.status == "draft"
    assert world.queue.jobs == []
    mailbox_trash.restore_message(world.uow, world.organization_id, draft.id)
    assert _send(world, draft.id).message.status == "pending"


def test_a_draft_in_trash_is_restored_before_it_is_edited(world: World) -> None:
    """An edit writes the draft back into drafts: it would leave the trash unseen."""
    draft = _draft(world, to=("jane@customer.example",), subject="Plan", text="x")
    mailbox_trash.trash_message(world.uow, world.clock, world.organization_id, draft.id)

    with pytest.raises(Conflict, match="before editing") as refused:
        sending.update_draft(world.sending, world.organization_id, draft.id, {"subject": "New"})

    assert refused.value.field == "draft_id"
    assert world.row(draft.id).message.folder == "trash"
    assert world.row(draft.id).message.subject == "Plan"

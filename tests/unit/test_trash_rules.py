"""Trash, restore and erasure against the in-memory unit of work: where mail goes, what a
thread in trash looks like, what erasure leaves in storage, and retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from uuid import UUID, uuid4

import pytest

from mailman.adapters.memory.blobs import InMemoryBlobStore
from mailman.domain.errors import Conflict, NotFound, StorageError
from mailman.domain.folders import MailboxChange, SystemFolder
from mailman.domain.mailbox_state import MailboxFilter
from mailman.domain.models import DeliveryStatus
from mailman.domain.pagination import PageRequest
from mailman.domain.trash import ERASE_AT_ONCE, object_prefix, removable, restore_target
from mailman.services import inboxes, mailbox, mailbox_state, mailbox_trash

from ..mail import make_mail
from .world import World

PAGE = PageRequest.parse(50, None)


def _with_file(message_id: str, *, in_reply_to: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Alice <alice@elsewhere.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Re: Order 1234" if in_reply_to else "Order 1234"
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    mail["Date"] = "Sat, 21 Nov 2026 11:00:00 +0000"
    mail.set_content("Hello, the invoice is attached.")
    mail.add_attachment(
        b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="i.pdf"
    )
    return bytes(mail)


def _receive(world: World, raw: bytes, source_id: str) -> UUID:
    [stored] = world.receive(raw, source_id=source_id).stored
    return stored.id


def _thread_ids(world: World) -> set[UUID]:
    page = mailbox.list_threads(world.uow, world.organization_id, world.inbox.id, PAGE)
    return {t.id for t in page.items}


def _trash(world: World, message_id: UUID) -> None:
    mailbox_trash.trash_message(world.uow, world.clock, world.organization_id, message_id)


def _erase(world: World, message_id: UUID) -> None:
    mailbox_trash.erase_message(
        world.uow, world.blobs, world.clock, world.organization_id, message_id
    )


# -- the rules ------------------------------------------------------------------------------


def test_restored_mail_goes_back_to_its_folder_or_else_where_its_direction_puts_it() -> None:
    gone = str(uuid4())
    assert restore_target("archive", outgoing=False) == "archive"
    assert restore_target(gone, outgoing=False, existing={gone}) == gone
    assert restore_target(gone, outgoing=False) == SystemFolder.INBOX
    assert restore_target(gone, outgoing=True) == SystemFolder.SENT
    assert restore_target(None, outgoing=True) == SystemFolder.SENT
    assert restore_target("trash", outgoing=False) == SystemFolder.INBOX


def test_an_object_a_remaining_message_names_is_not_removable() -> None:
    assert removable(["b", "a", "b", "c"], {"c"}) == ["a", "b"]


# -- to trash and back ----------------------------------------------------------------------


def test_a_message_in_trash_stays_readable_by_id_and_remembers_its_folder(world: World) -> None:
    message_id = _receive(world, make_mail(), "ses-1")

    _trash(world, message_id)
    _trash(world, message_id)  # trashing trash changes nothing

    row = world.row(message_id)
    assert row.message.folder == SystemFolder.TRASH
    assert row.restore_folder == SystemFolder.INBOX
    assert row.deleted_at == world.clock.now()
    shown = mailbox.get_message(world.uow, world.organization_id, message_id)
    assert shown.folder == SystemFolder.TRASH


def test_an_unknown_message_or_thread_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        _trash(world, uuid4())
    with pytest.raises(NotFound):
        mailbox_trash.trash_thread(world.uow, world.clock, world.organization_id, uuid4())
    with pytest.raises(NotFound):
        mailbox_trash.restore_message(world.uow, world.organization_id, uuid4())


def test_a_thread_in_trash_leaves_the_list_and_answers_by_id_until_restored(
    world: World,
) -> None:
    first = world.received(make_mail(message_id="<a@x.example>"), source_id="ses-a")
    world.received(
        make_mail(message_id="<b@x.example>", extra="In-Reply-To: <a@x.example>\r\n"),
        source_id="ses-b",
    )
    assert first.thread_id is not None

    mailbox_trash.trash_thread(world.uow, world.clock, world.organization_id, first.thread_id)

    assert first.thread_id not in _thread_ids(world)
    view = mailbox.get_thread(world.uow, world.organization_id, first.thread_id)
    assert [m.folder for m in view.messages] == ["trash", "trash"]
    assert view.thread.message_count == 2
    restored = mailbox_trash.restore_thread(world.uow, world.organization_id, first.thread_id)
    assert [m.folder for m in restored.messages] == ["inbox", "inbox"]
    assert first.thread_id in _thread_ids(world)


def test_restoring_what_is_not_in_trash_is_a_conflict(world: World) -> None:
    message_id = _receive(world, make_mail(), "ses-1")

    with pytest.raises(Conflict, match="not in trash"):
        mailbox_trash.restore_message(world.uow, world.organization_id, message_id)


def test_a_message_filed_in_a_folder_deleted_since_is_restored_to_the_inbox(
    world: World,
) -> None:
    kept = mailbox_state.create_folder(
        world.uow, world.organization_id, world.inbox.id, "Receipts"
    ).id
    dropped = uuid4()
    first = _receive(world, make_mail(message_id="<a@x.example>"), "ses-a")
    second = _receive(world, make_mail(message_id="<b@x.example>"), "ses-b")
    for message_id, folder in ((first, kept), (second, dropped)):
        row = world.row(message_id)
        row.message = replace(row.message, folder=str(folder))
        _trash(world, message_id)

    back = mailbox_trash.restore_message(world.uow, world.organization_id, first)
    fallback = mailbox_trash.restore_message(world.uow, world.organization_id, second)

    assert back.folder == str(kept)
    assert fallback.folder == SystemFolder.INBOX
    assert world.row(first).restore_folder is None
    assert world.row(first).deleted_at is None


def test_mail_sent_comes_back_to_sent(world: World) -> None:
    sent = world.send(to=("jane@customer.example",))
    row = world.row(sent.id)
    row.message = replace(row.message, status=DeliveryStatus.SENT)

    _trash(world, sent.id)
    back = mailbox_trash.restore_message(world.uow, world.organization_id, sent.id)

    assert back.folder == SystemFolder.SENT


def test_mail_still_to_be_sent_is_cancelled_not_trashed(world: World) -> None:
    later = world.send(send_at=world.clock.now() + timedelta(hours=1))

    with pytest.raises(Conflict, match="cancel it"):
        _trash(world, later.id)
    assert world.row(later.id).message.folder == SystemFolder.SENT


def test_new_mail_brings_a_thread_in_trash_back_and_leaves_the_old_mail_there(
    world: World,
) -> None:
    first = world.received(make_mail(message_id="<a@x.example>"), source_id="ses-a")
    assert first.thread_id is not None
    mailbox_trash.trash_thread(world.uow, world.clock, world.organization_id, first.thread_id)

    reply = world.received(
        make_mail(message_id="<r@x.example>", extra="In-Reply-To: <a@x.example>\r\n"),
        source_id="ses-r",
    )

    assert reply.thread_id == first.thread_id
    assert first.thread_id in _thread_ids(world)
    view = mailbox.get_thread(world.uow, world.organization_id, first.thread_id)
    assert [m.id for m in view.messages] == [reply.id]
    assert view.thread.message_count == 1
    assert world.row(first.id).message.folder == SystemFolder.TRASH


# -- erasure --------------------------------------------------------------------------------


def test_only_mail_in_trash_is_erased(world: World) -> None:
    message_id = _receive(world, make_mail(), "ses-1")

    with pytest.raises(Conflict, match="only mail in trash"):
        _erase(world, message_id)
    assert message_id in world.tables.messages


def test_erasure_removes_the_rows_the_objects_and_logs_it(world: World) -> None:
    message_id = _receive(world, _with_file("<f@x.example>"), "ses-f")
    view = mailbox.get_message(world.uow, world.organization_id, message_id)
    mailbox.part_link(world.blobs, view, "text")  # a whole body written beside the files
    before = world.blobs.keys()
    prefix = object_prefix(view.message_id, view.created_at)
    assert view.raw_storage_key in before
    assert any(k.startswith(prefix + "text-") for k in before)

    _trash(world, message_id)
    _erase(world, message_id)

    assert message_id not in world.tables.messages
    left = world.blobs.keys()
    assert view.raw_storage_key not in left
    assert not any(k.startswith(prefix) for k in left)
    [event] = [e.event for e in world.tables.events if e.event.type == "message.erased"]
    assert event.payload["message_id"] == str(message_id)
    with pytest.raises(NotFound):
        mailbox.get_message(world.uow, world.organization_id, message_id)


def test_erasure_keeps_the_objects_another_inboxs_copy_still_uses(world: World) -> None:
    world.add_inbox("sales")
    received = world.receive(
        _with_file("<f@x.example>"),
        source_id="ses-f",
        envelope=("support@example.com", "sales@example.com"),
    )
    mine, theirs = (s.id for s in received.stored)
    shared = set(world.blobs.keys())

    _trash(world, mine)
    _erase(world, mine)

    kept = mailbox.get_message(world.uow, world.organization_id, theirs)
    assert {kept.raw_storage_key, *(a.storage_key for a in kept.attachments)} <= world.blobs.keys()
    assert world.blobs.keys() == shared


def test_a_reply_to_an_erased_message_still_joins_its_thread(world: World) -> None:
    first = world.received(make_mail(message_id="<a@x.example>"), source_id="ses-a")
    middle = world.received(
        make_mail(message_id="<b@x.example>", extra="In-Reply-To: <a@x.example>\r\n"),
        source_id="ses-b",
    )
    _trash(world, middle.id)
    _erase(world, middle.id)

    late = world.received(
        make_mail(message_id="<c@x.example>", extra="In-Reply-To: <b@x.example>\r\n"),
        source_id="ses-c",
    )

    assert late.thread_id == first.thread_id
    assert first.thread_id is not None
    view = mailbox.get_thread(world.uow, world.organization_id, first.thread_id)
    assert [m.id for m in view.messages] == [first.id, late.id]
    assert view.thread.message_count == 2


def test_a_thread_left_with_no_message_is_gone(world: World) -> None:
    only = world.received(make_mail(), source_id="ses-1")
    assert only.thread_id is not None
    _trash(world, only.id)
    _erase(world, only.id)

    assert only.thread_id not in _thread_ids(world)
    with pytest.raises(NotFound):
        mailbox.get_thread(world.uow, world.organization_id, only.thread_id)


def test_emptying_a_large_trash_erases_some_now_and_the_dispatcher_the_rest(
    world: World,
) -> None:
    ids = [
        _receive(world, make_mail(message_id=f"<m{n}@x.example>"), f"ses-{n}")
        for n in range(ERASE_AT_ONCE + 5)
    ]
    kept = _receive(world, make_mail(message_id="<kept@x.example>"), "ses-kept")
    for message_id in ids:
        _trash(world, message_id)

    done = mailbox_trash.empty_trash(
        world.uow, world.blobs, world.clock, world.organization_id, world.inbox.id
    )

    assert (done.erased, done.pending) == (ERASE_AT_ONCE, 5)
    waiting = set(world.tables.messages) - {kept}
    assert len(waiting) == 5
    with pytest.raises(Conflict, match="being erased"):
        mailbox_trash.restore_message(world.uow, world.organization_id, waiting.pop())
    with pytest.raises(NotFound):  # nor moved out of trash by a change
        mailbox_state.change_message(
            world.uow,
            world.clock,
            world.organization_id,
            waiting.pop(),
            MailboxChange.of(folder="inbox"),
        )
    folders = mailbox_state.list_folders(world.uow, world.organization_id, world.inbox.id)
    assert [f.total for f in folders if f.id == SystemFolder.TRASH] == [0]
    listed = mailbox.list_threads(
        world.uow,
        world.organization_id,
        world.inbox.id,
        PageRequest(),
        filters=MailboxFilter(folder=SystemFolder.TRASH),
    )
    assert listed.items == []
    run = mailbox_trash.erase_due(world.uow, world.blobs, world.clock)
    assert run.erased == 5
    assert set(world.tables.messages) == {kept}
    erased = [e for e in world.tables.events if e.event.type == "message.erased"]
    assert len(erased) == len(ids)


def test_trash_older_than_its_retention_is_erased_by_the_dispatcher(world: World) -> None:
    old = _receive(world, make_mail(message_id="<old@x.example>"), "ses-old")
    _trash(world, old)
    world.clock.advance(timedelta(days=29))
    recent = _receive(world, make_mail(message_id="<new@x.example>"), "ses-new")
    _trash(world, recent)
    world.clock.advance(timedelta(days=1, seconds=1))

    run = mailbox_trash.erase_due(world.uow, world.blobs, world.clock)

    assert (run.expired, run.erased) == (1, 1)
    assert old not in world.tables.messages
    assert recent in world.tables.messages


def test_a_shorter_retention_erases_sooner(world: World) -> None:
    inboxes.update_inbox(
        world.uow, world.organization_id, world.inbox.id, {"trash_retention_days": 1}
    )
    message_id = _receive(world, make_mail(), "ses-1")
    _trash(world, message_id)
    world.clock.advance(timedelta(days=1, seconds=1))

    assert mailbox_trash.erase_due(world.uow, world.blobs, world.clock).erased == 1
    assert message_id not in world.tables.messages


class _FailingDeletes(InMemoryBlobStore):
    """Objects that cannot be deleted, as when S3 refuses."""

    def delete_many(self, keys: Sequence[str]) -> None:
        raise StorageError("could not delete objects", transient=True)


def test_an_erasure_that_fails_midway_loses_nothing_and_the_dispatcher_finishes_it(
    world: World,
) -> None:
    message_id = _receive(world, _with_file("<f@x.example>"), "ses-f")
    failing, stored = _FailingDeletes(), world.blobs.keys()
    for key in stored:
        failing.put(key, world.blobs.get(key))
    _trash(world, message_id)

    with pytest.raises(StorageError):
        mailbox_trash.erase_message(
            world.uow, failing, world.clock, world.organization_id, message_id
        )

    assert world.row(message_id).erase_requested_at == world.clock.now()
    assert failing.keys() == world.blobs.keys()
    assert not [e for e in world.tables.events if e.event.type == "message.erased"]
    assert mailbox_trash.erase_due(world.uow, world.blobs, world.clock).erased == 1
    assert message_id not in world.tables.messages
    assert world.blobs.keys() == set()


class _SlowClock:
    """A clock that moves on a minute each time it is read."""

    def __init__(self, world: World) -> None:
        self.world = world

    def now(self) -> datetime:
        return self.world.clock.advance(timedelta(minutes=1))


def test_a_dispatcher_run_stops_erasing_when_its_time_is_up(world: World) -> None:
    for n in range(3):
        message_id = _receive(world, make_mail(message_id=f"<m{n}@x.example>"), f"ses-{n}")
        _trash(world, message_id)
    with world.uow(world.organization_id) as work:
        work.trash.mark_trash(world.inbox.id, world.clock.now())

    run = mailbox_trash.erase_due(world.uow, world.blobs, _SlowClock(world))

    assert run.erased == 0
    assert mailbox_trash.erase_due(world.uow, world.blobs, world.clock).erased == 3


def test_a_thread_merged_into_another_is_deleted_and_restored_by_its_old_id(
    world: World,
) -> None:
    """Its old id answers the thread it became (GET and PATCH /threads/{id}): DELETE and
    restore reach that thread too, rather than 404."""
    first = world.received(make_mail(message_id="<a@x.example>", subject="A"), source_id="ses-a")
    second = world.received(make_mail(message_id="<b@x.example>", subject="B"), source_id="ses-b")
    assert first.thread_id is not None
    assert second.thread_id is not None
    assert first.thread_id != second.thread_id
    world.tables.threads[first.thread_id].merged_into = second.thread_id
    world.row(first.id).message = replace(world.row(first.id).message, thread_id=second.thread_id)
    assert mailbox.get_thread(world.uow, world.organization_id, first.thread_id).thread.id == (
        second.thread_id
    )

    mailbox_trash.trash_thread(world.uow, world.clock, world.organization_id, first.thread_id)

    assert {world.row(m).message.folder for m in (first.id, second.id)} == {SystemFolder.TRASH}
    back = mailbox_trash.restore_thread(world.uow, world.organization_id, first.thread_id)
    assert back.thread.id == second.thread_id
    assert {world.row(m).message.folder for m in (first.id, second.id)} == {SystemFolder.INBOX}

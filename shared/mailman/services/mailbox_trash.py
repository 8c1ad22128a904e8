"""Trash, restore and erasure.

Trash is the soft delete: a message moved there keeps its row and stays readable by id
(`deleted_at`, and the folder it came from in `restore_folder`); a thread whose messages are
all in trash is gone from every list (`threads.deleted_at`) and answers by id. Restore brings
mail back to where it was. New mail that joins a thread wholly in trash brings the thread
back with it (`MessageRepository.note_in_thread`); the old mail stays in trash.

Erasure is separate and deliberate: only mail in trash is erased, and it is done in three
steps so that a failure anywhere loses nothing and orphans nothing:
1. mark the messages (`erase_requested_at`): a marked message can no longer be restored;
2. delete their objects from storage: the raw `.eml`, the attachments and the whole bodies
   written beside them, except what a message not being erased still names (one stored
   object may belong to several inboxes' messages, of several organisations). Deleting is
   idempotent: a retry deletes again;
3. delete the rows and append `message.erased`, in one transaction per organisation.
What fails after step 1 is finished by the dispatcher (`erase_due`), which also marks the
trash older than its inbox's retention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from itertools import groupby
from uuid import UUID

from mailman.domain.errors import Conflict, NotFound
from mailman.domain.events import NewEvent
from mailman.domain.mailbox import MessageView, ThreadView
from mailman.domain.trash import (
    ERASE_AT_ONCE,
    ERASE_CHUNK,
    ERASE_CHUNKS_PER_RUN,
    ERASE_SECONDS_PER_RUN,
    Emptied,
    ErasureRun,
    ErasureTarget,
    MessagePlace,
    ThreadPlace,
    removable,
    restore_target,
)
from mailman.ports import BlobStore, Clock, UnitOfWork, UnitOfWorkFactory

ERASED = "message.erased"


def _place(work: UnitOfWork, message_id: UUID) -> MessagePlace:
    found = work.trash.place(message_id)
    if found is None:
        raise NotFound("no such message", field="message_id")
    return found


def _refuse_waiting(places: Iterable[MessagePlace]) -> None:
    """Mail still to be sent is cancelled (`POST /messages/{id}/cancel`), not trashed: the
    dispatcher would never send a trashed message, nor say so."""
    for place in places:
        if place.waiting:
            raise Conflict(
                f"message {place.id} is still to be sent: cancel it before deleting it",
                field="message_id",
            )


def _refresh(work: UnitOfWork, thread_ids: Iterable[UUID | None]) -> None:
    for thread_id in {t for t in thread_ids if t is not None}:
        work.messages.refresh_thread(thread_id)


def trash_message(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, message_id: UUID
) -> None:
    """Move the message to trash; a message in trash already stays as it is."""
    with uow(organization_id) as work:
        place = _place(work, message_id)
        if place.in_trash:
            return
        _refuse_waiting([place])
        work.trash.move_to_trash([place.id], clock.now())
        _refresh(work, [place.thread_id])


def _thread_place(work: UnitOfWork, thread_id: UUID) -> ThreadPlace:
    """The thread and its messages' places; an id merged into another names the thread it
    became, as `GET /threads/{id}` answers it."""
    summary = work.mailbox.thread(thread_id)
    found = work.trash.thread_place(summary.id) if summary is not None else None
    if found is None:
        raise NotFound("no such thread", field="thread_id")
    return found


def trash_thread(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, thread_id: UUID
) -> None:
    """Move every message of the thread not in trash yet to trash: the thread leaves every
    list; it and its messages stay readable by id."""
    with uow(organization_id) as work:
        thread = _thread_place(work, thread_id)
        moving = [m for m in thread.messages if not m.in_trash]
        _refuse_waiting(moving)
        work.trash.move_to_trash([m.id for m in moving], clock.now())
        _refresh(work, [thread.id])


def _restorable(places: Sequence[MessagePlace], what: str, field: str) -> list[MessagePlace]:
    """The places restore moves; Conflict when there is nothing in trash to restore, or it
    is being erased."""
    in_trash = [p for p in places if p.in_trash]
    if not in_trash:
        where = f" (it is in {places[0].folder})" if len(places) == 1 else ""
        raise Conflict(f"the {what} is not in trash{where}", field=field)
    movable = [p for p in in_trash if not p.erasing]
    if not movable:
        raise Conflict(f"the {what} is being erased: it can no longer be restored", field=field)
    return movable


def _restore(work: UnitOfWork, places: Sequence[MessagePlace]) -> None:
    """Each message back to its folder (`restore_target`)."""
    custom = {p.restore_folder for p in places if p.restore_folder is not None}
    existing: set[str] = set()
    for inbox_id in {p.inbox_id for p in places}:
        existing |= work.trash.existing_folders(inbox_id, custom)
    work.trash.restore(
        {
            p.id: restore_target(p.restore_folder, outgoing=p.outgoing, existing=existing)
            for p in places
        }
    )
    _refresh(work, [p.thread_id for p in places])


def restore_message(uow: UnitOfWorkFactory, organization_id: UUID, message_id: UUID) -> MessageView:
    """Bring the message back from trash to where it was (its folder, if it still exists;
    else `inbox`, or `sent` for mail sent). Conflict when it is not in trash."""
    with uow(organization_id) as work:
        place = _place(work, message_id)
        _restore(work, _restorable([place], "message", "message_id"))
        found = work.mailbox.message(message_id)
    if found is None:
        raise NotFound("no such message", field="message_id")
    return found


def restore_thread(uow: UnitOfWorkFactory, organization_id: UUID, thread_id: UUID) -> ThreadView:
    """Bring every message of the thread in trash back to where it was; the thread is listed
    again. Conflict when none of its messages is in trash."""
    with uow(organization_id) as work:
        thread = _thread_place(work, thread_id)
        if not thread.messages:
            raise NotFound("no such thread", field="thread_id")
        _restore(work, _restorable(thread.messages, "thread", "thread_id"))
        summary = work.mailbox.thread(thread_id)
        if summary is None:
            raise NotFound("no such thread", field="thread_id")
        messages = work.mailbox.thread_messages(summary.id)
    return ThreadView(thread=summary, messages=tuple(messages))


def erase_message(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    clock: Clock,
    organization_id: UUID,
    message_id: UUID,
) -> None:
    """Erase a message in trash for good (Conflict when it is not in trash)."""
    with uow(organization_id) as work:
        place = _place(work, message_id)
        if not place.in_trash:
            raise Conflict(
                f"only mail in trash is erased: the message is in {place.folder}; "
                "delete it (to trash) first",
                field="permanent",
            )
        work.trash.mark_for_erasure([place.id], clock.now())
        targets = work.trash.marked(1, ids=[place.id])
    erase(uow, blobs, targets)


def empty_trash(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    clock: Clock,
    organization_id: UUID,
    inbox_id: UUID,
) -> Emptied:
    """Mark everything in the inbox's trash for erasure, erase up to `ERASE_AT_ONCE` of it
    now and leave the rest to the dispatcher; answer how many of each."""
    with uow(organization_id) as work:
        if work.inboxes.get(inbox_id) is None:
            raise NotFound("no such inbox", field="inbox_id")
        work.trash.mark_trash(inbox_id, clock.now())
        targets = work.trash.marked(ERASE_AT_ONCE, inbox_id=inbox_id)
    erase(uow, blobs, targets)
    with uow(organization_id) as work:
        pending = work.trash.count_marked(inbox_id)
    return Emptied(erased=len(targets), pending=pending)


def erase_due(uow: UnitOfWorkFactory, blobs: BlobStore, clock: Clock) -> ErasureRun:
    """The dispatcher's part: mark the trash past its inbox's retention, then erase what is
    marked, `ERASE_CHUNK` at a time, at most `ERASE_CHUNKS_PER_RUN` chunks and for
    `ERASE_SECONDS_PER_RUN` a run."""
    started = clock.now()
    with uow(None) as work:
        expired = work.trash.mark_expired(started, ERASE_CHUNK * ERASE_CHUNKS_PER_RUN)
    erased = objects = 0
    for _ in range(ERASE_CHUNKS_PER_RUN):
        if clock.now() - started > timedelta(seconds=ERASE_SECONDS_PER_RUN):
            break
        with uow(None) as work:
            targets = work.trash.marked(ERASE_CHUNK)
        objects += erase(uow, blobs, targets)
        erased += len(targets)
        if len(targets) < ERASE_CHUNK:
            break
    return ErasureRun(expired=expired, erased=erased, objects=objects)


def erase(uow: UnitOfWorkFactory, blobs: BlobStore, targets: Sequence[ErasureTarget]) -> int:
    """Steps 2 and 3 for marked messages (see the module's docstring); answer how many
    objects were deleted. What another remaining message names is kept: that is read in
    the system's unit of work, which sees every organisation's messages."""
    if not targets:
        return 0
    candidates = {k for t in targets for k in t.keys}
    for prefix in sorted({t.prefix for t in targets}):
        candidates.update(blobs.list_keys(prefix))
    with uow(None) as work:
        used = work.trash.still_used(candidates, {t.id for t in targets})
    doomed = removable(candidates, used)
    blobs.delete_many(doomed)
    for organization_id, group in groupby(
        sorted(targets, key=lambda t: str(t.organization_id)), key=lambda t: t.organization_id
    ):
        _forget(uow, organization_id, list(group))
    return len(doomed)


def _forget(
    uow: UnitOfWorkFactory, organization_id: UUID, targets: Sequence[ErasureTarget]
) -> None:
    """Delete the rows, refresh their threads and log each erasure, in one transaction."""
    with uow(organization_id) as work:
        work.trash.erase(targets)
        _refresh(work, [t.thread_id for t in targets])
        work.events.append_many([_erased(t) for t in targets])


def _erased(target: ErasureTarget) -> NewEvent:
    return NewEvent(
        target.organization_id,
        type=ERASED,
        subject_id=target.id,
        dedup_key=f"{ERASED}:{target.id}",
        payload={
            "message_id": str(target.id),
            "inbox_id": str(target.inbox_id),
            "thread_id": str(target.thread_id) if target.thread_id else None,
        },
    )

"""The mailbox's state: marking messages and threads read or starred, filing them into
folders, labelling them (one at a time or up to `MAX_BATCH` at once), an inbox's custom
folders, and the counts beside its folders and labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from mailman.domain.errors import Conflict, NotFound, ValidationError
from mailman.domain.folders import (
    MAX_BATCH,
    MailboxChange,
    SystemFolder,
    SystemLabel,
    folder_facet,
    folder_name,
)
from mailman.domain.mailbox import MessageView, ThreadSummary
from mailman.domain.mailbox_state import (
    NO_COUNT,
    BatchResult,
    Count,
    CustomFolder,
    FolderCount,
    LabelCount,
    Marked,
)
from mailman.domain.sending import MAX_LABELS
from mailman.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class Resolved:
    """A change with its folder as stored, and the inbox a custom folder belongs to."""

    change: MailboxChange
    inbox_id: UUID | None = None


def _system(value: str) -> SystemFolder | None:
    try:
        return SystemFolder(value.lower())
    except ValueError:
        return None


def resolve_folder(
    work: UnitOfWork, value: str, *, field: str = "folder"
) -> tuple[str, UUID | None]:
    """A folder as messages store it: a system folder's name (any case), or the id of a
    custom folder the caller sees, with that folder's inbox. ValidationError naming `field`
    for anything else."""
    system = _system(value)
    if system is not None:
        return system.value, None
    try:
        found = work.folders.get(UUID(value))
    except ValueError:
        found = None
    if found is None:
        raise ValidationError(f"no such folder: {value!r}", field=field)
    return str(found.id), found.inbox_id


def listing_folder(work: UnitOfWork, inbox_id: UUID, value: str | None) -> str | None:
    """A listing's `folder`: a system folder (`starred` too) or a custom folder of the inbox."""
    if value is None:
        return None
    folder, owner = resolve_folder(work, value)
    if owner is not None and owner != inbox_id:
        raise ValidationError(f"no such folder in this inbox: {value!r}", field="folder")
    return folder


def _resolve(work: UnitOfWork, change: MailboxChange, field: str) -> Resolved:
    if change.folder is None:
        return Resolved(change)
    folder, owner = resolve_folder(work, change.folder, field=field)
    if folder == SystemFolder.STARRED:
        raise ValidationError("starred is a virtual folder: star mail with `starred`", field=field)
    if folder == SystemFolder.DRAFTS:
        raise ValidationError("drafts holds drafts only (POST .../drafts)", field=field)
    return Resolved(replace(change, folder=folder), owner)


def _check(work: UnitOfWork, marked: Sequence[Marked], resolved: Resolved, field: str) -> None:
    """Refuse (undoing the change) a custom folder of another inbox, mail still to be sent
    moved to trash (as `mailbox_trash` refuses it), or labels past the limit; the unit of
    work rolls back what the statement wrote. A move (into trash or out of it, perhaps)
    recounts the listing columns of the threads it touched, as trashing does
    (`refresh_thread`: a thread all in trash is deleted)."""
    if resolved.inbox_id is not None and any(m.inbox_id != resolved.inbox_id for m in marked):
        raise ValidationError("the folder belongs to another inbox", field=field)
    if resolved.change.folder == SystemFolder.TRASH and any(m.waiting for m in marked):
        raise Conflict(
            "mail of it is still to be sent: cancel it before moving it to trash", field=field
        )
    if any(m.label_count > MAX_LABELS for m in marked):
        raise ValidationError(f"a message holds at most {MAX_LABELS} labels", field="labels")
    if resolved.change.folder is not None:
        for thread_id in dict.fromkeys(m.thread_id for m in marked if m.thread_id):
            work.messages.refresh_thread(thread_id)


def change_message(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    message_id: UUID,
    change: MailboxChange,
) -> MessageView:
    """Apply `change` to a message (live or in trash); answer it as it is now."""
    with uow(organization_id) as work:
        resolved = _resolve(work, change, "folder")
        marked = work.marks.mark([message_id], resolved.change, clock.now())
        if not marked:
            raise NotFound("no such message", field="message_id")
        _check(work, marked, resolved, "folder")
        view = work.mailbox.message(message_id)
    assert view is not None, "a message just changed is readable"
    return view


def change_thread(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    thread_id: UUID,
    change: MailboxChange,
) -> ThreadSummary:
    """Apply `change` to every message of a thread (an id merged into another names the
    thread it became); answer the thread as it is now."""
    with uow(organization_id) as work:
        thread = work.mailbox.thread(thread_id)
        if thread is None:
            raise NotFound("no such thread", field="thread_id")
        resolved = _resolve(work, change, "folder")
        marked = work.marks.mark_threads([thread.id], resolved.change, clock.now())
        _check(work, marked, resolved, "folder")
        after = work.mailbox.thread(thread.id)
    assert after is not None, "a thread just changed is readable"
    return after


@dataclass(frozen=True)
class Outcome:
    id: UUID
    result: BatchResult


def _batch_ids(ids: Sequence[UUID]) -> list[UUID]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValidationError("name at least one id", field="ids")
    if len(unique) > MAX_BATCH:
        raise ValidationError(f"at most {MAX_BATCH} ids at once", field="ids")
    return unique


def _outcomes(ids: Sequence[UUID], marked: Sequence[Marked]) -> list[Outcome]:
    found = {m.id for m in marked}
    return [Outcome(i, BatchResult.UPDATED if i in found else BatchResult.NOT_FOUND) for i in ids]


def change_messages(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    message_ids: Sequence[UUID],
    change: MailboxChange,
) -> list[Outcome]:
    """Apply `change` to up to `MAX_BATCH` messages in one statement, all or none: a change
    refused for one is refused for all. Each id (named twice: once) answers whether it was
    found."""
    ids = _batch_ids(message_ids)
    with uow(organization_id) as work:
        resolved = _resolve(work, change, "change.folder")
        marked = work.marks.mark(ids, resolved.change, clock.now())
        _check(work, marked, resolved, "change.folder")
    return _outcomes(ids, marked)


def change_threads(
    uow: UnitOfWorkFactory,
    clock: Clock,
    organization_id: UUID,
    thread_ids: Sequence[UUID],
    change: MailboxChange,
) -> list[Outcome]:
    """`change_messages` for whole threads (ids of threads merged into others are not found)."""
    ids = _batch_ids(thread_ids)
    with uow(organization_id) as work:
        resolved = _resolve(work, change, "change.folder")
        marked = work.marks.mark_threads(ids, resolved.change, clock.now())
        _check(work, marked, resolved, "change.folder")
    return _outcomes(ids, marked)


# -- custom folders and counts -------------------------------------------------------------


def _require_inbox(work: UnitOfWork, inbox_id: UUID) -> None:
    if work.inboxes.get(inbox_id) is None:
        raise NotFound("no such inbox", field="inbox_id")


def _inbox_folder(work: UnitOfWork, inbox_id: UUID, folder_id: UUID) -> CustomFolder:
    _require_inbox(work, inbox_id)
    found = work.folders.get(folder_id)
    if found is None or found.inbox_id != inbox_id:
        raise NotFound("no such folder", field="folder_id")
    return found


def create_folder(
    uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID, name: str
) -> FolderCount:
    """A new folder of the inbox (empty); Conflict when the inbox has one of that name."""
    checked = folder_name(name)
    with uow(organization_id) as work:
        _require_inbox(work, inbox_id)
        made = work.folders.add(inbox_id, checked)
    return _custom_count(made, NO_COUNT)


def get_folder(
    uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID, folder_id: UUID
) -> FolderCount:
    with uow(organization_id) as work:
        found = _inbox_folder(work, inbox_id, folder_id)
        counts = work.folders.counts(inbox_id, [folder_facet(str(found.id))])
    return _custom_count(found, counts.get(folder_facet(str(found.id)), NO_COUNT))


def rename_folder(
    uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID, folder_id: UUID, name: str
) -> FolderCount:
    checked = folder_name(name)
    with uow(organization_id) as work:
        _inbox_folder(work, inbox_id, folder_id)
        work.folders.rename(folder_id, checked)
    return get_folder(uow, organization_id, inbox_id, folder_id)


def delete_folder(
    uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID, folder_id: UUID
) -> None:
    """Delete a custom folder; its messages go back to the inbox (and those in trash that
    came from it will be restored there)."""
    with uow(organization_id) as work:
        _inbox_folder(work, inbox_id, folder_id)
        work.marks.refile(inbox_id, str(folder_id), SystemFolder.INBOX.value)
        work.folders.delete(folder_id)


def _custom_count(folder: CustomFolder, count: Count) -> FolderCount:
    return FolderCount(
        str(folder.id),
        folder.name,
        False,
        count.total,
        count.unread,
        folder.created_at,
        folder.updated_at,
    )


def list_folders(
    uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID
) -> list[FolderCount]:
    """The seven system folders in their fixed order, then the inbox's own by name, each with
    its messages and unread ones (read from the kept counts, never counted here)."""
    with uow(organization_id) as work:
        _require_inbox(work, inbox_id)
        custom = work.folders.list(inbox_id)
        wanted = [folder_facet(f.value) for f in SystemFolder]
        wanted += [folder_facet(str(f.id)) for f in custom]
        counts = work.folders.counts(inbox_id, wanted)
    system = [
        FolderCount(f.value, f.value, True, c.total, c.unread)
        for f in SystemFolder
        for c in [counts.get(folder_facet(f.value), NO_COUNT)]
    ]
    own = [_custom_count(f, counts.get(folder_facet(str(f.id)), NO_COUNT)) for f in custom]
    return system + own


def list_labels(uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID) -> list[LabelCount]:
    """The system labels (`unread`, `starred`, `important`), then every label the inbox's
    mail outside trash and spam carries, by name, each with its messages and unread ones."""
    with uow(organization_id) as work:
        _require_inbox(work, inbox_id)
        flags = work.folders.counts(inbox_id, ["is:unread", "is:starred"])
        labels = work.folders.label_counts(inbox_id)
    important = SystemLabel.IMPORTANT.value
    system = [
        (SystemLabel.UNREAD.value, flags.get("is:unread", NO_COUNT)),
        (SystemLabel.STARRED.value, flags.get("is:starred", NO_COUNT)),
        (important, labels.get(important, NO_COUNT)),
    ]
    custom = sorted(((n, c) for n, c in labels.items() if n != important), key=lambda e: e[0])
    return [LabelCount(n, True, c.total, c.unread) for n, c in system] + [
        LabelCount(n, False, c.total, c.unread) for n, c in custom
    ]

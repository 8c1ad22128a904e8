"""`InMemoryFolderRepository` and `InMemoryMailboxMarks`: custom folders, counts read from
the messages' facets (as migration 0020's trigger counts them), and changes to messages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.mailbox import facets
from mailman.adapters.memory.tables import MessageRow, ScopedRepository, ThreadRow
from mailman.domain.errors import Conflict
from mailman.domain.folders import MailboxChange, SystemFolder
from mailman.domain.mailbox_state import Count, CustomFolder, Marked
from mailman.domain.models import DeliveryStatus

_TRASH = SystemFolder.TRASH.value
WAITING = frozenset({DeliveryStatus.SCHEDULED, DeliveryStatus.PENDING, DeliveryStatus.SENDING})
"""Outgoing mail still to be sent: cancelled, never trashed."""


class InMemoryFolderRepository(ScopedRepository):
    def _mine(self) -> list[CustomFolder]:
        return [
            f
            for org, f in self._tables.folders.values()
            if self._scope.sees(org) and self._scope.reaches(f.inbox_id)
        ]

    def _refuse_clash(self, inbox_id: UUID, name: str, other_than: UUID | None = None) -> None:
        if any(
            f.inbox_id == inbox_id and f.name.lower() == name.lower() and f.id != other_than
            for _, f in self._tables.folders.values()
        ):
            raise Conflict("the inbox has a folder of this name", field="name")

    def add(self, inbox_id: UUID, name: str) -> CustomFolder:
        inbox = self._tables.inboxes[inbox_id]
        self._scope.check(inbox.organization_id)
        self._scope.check_inbox(inbox_id)
        self._refuse_clash(inbox_id, name)
        now = self._scope.stamp()
        folder = CustomFolder(uuid.uuid4(), inbox_id, name, now, now)
        self._tables.folders[folder.id] = (inbox.organization_id, folder)
        return folder

    def get(self, folder_id: UUID) -> CustomFolder | None:
        return next((f for f in self._mine() if f.id == folder_id), None)

    def list(self, inbox_id: UUID) -> Sequence[CustomFolder]:
        found = [f for f in self._mine() if f.inbox_id == inbox_id]
        return sorted(found, key=lambda f: (f.name.lower(), f.id))

    def rename(self, folder_id: UUID, name: str) -> CustomFolder | None:
        found = self.get(folder_id)
        if found is None:
            return None
        self._refuse_clash(found.inbox_id, name, other_than=folder_id)
        renamed = replace(found, name=name, updated_at=self._scope.stamp())
        org, _ = self._tables.folders[folder_id]
        self._tables.folders[folder_id] = (org, renamed)
        return renamed

    def delete(self, folder_id: UUID) -> bool:
        if self.get(folder_id) is None:
            return False
        del self._tables.folders[folder_id]
        return True

    def counts(self, inbox_id: UUID, facets: Sequence[str]) -> Mapping[str, Count]:
        every = _counts(self._rows(inbox_id))
        return {f: every[f] for f in facets if f in every}

    def label_counts(self, inbox_id: UUID) -> Mapping[str, Count]:
        every = _counts(self._rows(inbox_id))
        return {
            f.removeprefix("label:"): c
            for f, c in every.items()
            if f.startswith("label:") and c.total > 0
        }

    def _rows(self, inbox_id: UUID) -> Sequence[MessageRow]:
        return [
            r
            for r in self._tables.messages.values()
            if r.message.inbox_id == inbox_id
            and self._scope.sees(r.organization_id)
            and self._scope.reaches(inbox_id)
        ]


def _counts(rows: Iterable[MessageRow]) -> dict[str, Count]:
    found: dict[str, Count] = {}
    for row in rows:
        for facet in facets(row):
            was = found.get(facet, Count())
            found[facet] = Count(was.total + 1, was.unread + (not row.is_read))
    return found


class InMemoryMailboxMarks(ScopedRepository):
    def _found(self, rows: Iterable[MessageRow]) -> list[MessageRow]:
        return [
            r
            for r in rows
            if self._scope.sees(r.organization_id)
            and self._scope.reaches(r.message.inbox_id)
            and (r.deleted_at is None or r.message.folder == _TRASH)
            and r.erase_requested_at is None
        ]

    def mark(
        self, message_ids: Sequence[UUID], change: MailboxChange, at: datetime
    ) -> Sequence[Marked]:
        wanted = dict.fromkeys(message_ids)
        rows = self._found(r for i in wanted if (r := self._tables.messages.get(i)) is not None)
        for row in rows:
            _apply(row, change, at)
        return [
            Marked(
                r.id, r.message.inbox_id, len(r.message.labels), r.message.thread_id, _waiting(r)
            )
            for r in rows
        ]

    def mark_threads(
        self, thread_ids: Sequence[UUID], change: MailboxChange, at: datetime
    ) -> Sequence[Marked]:
        threads = [t for i in dict.fromkeys(thread_ids) if (t := self._thread(i)) is not None]
        marked = []
        for thread in threads:
            rows = _reach(
                self._found(
                    r for r in self._tables.messages.values() if r.message.thread_id == thread.id
                ),
                change,
            )
            for row in rows:
                _apply(row, change, at)
            _delete_or_revive(thread, change, at)
            most = max((len(r.message.labels) for r in rows), default=0)
            waiting = any(_waiting(r) for r in rows)
            marked.append(Marked(thread.id, thread.inbox_id, most, thread.id, waiting))
        return marked

    def _thread(self, thread_id: UUID) -> ThreadRow | None:
        found = self._tables.threads.get(thread_id)
        if found is None or found.merged_into is not None:
            return None
        visible = self._scope.sees(found.organization_id) and self._scope.reaches(found.inbox_id)
        return found if visible else None

    def refile(self, inbox_id: UUID, folder: str, to: str) -> int:
        moved = 0
        for row in self._tables.messages.values():
            if row.message.inbox_id != inbox_id or not self._scope.sees(row.organization_id):
                continue
            if folder not in (row.message.folder, row.restore_folder):
                continue
            if row.message.folder == folder:
                row.message = replace(row.message, folder=to)
            if row.restore_folder == folder:
                row.restore_folder = to
            row.updated_at = self._scope.stamp()
            moved += 1
        return moved


def _reach(rows: list[MessageRow], change: MailboxChange) -> list[MessageRow]:
    """A thread's messages a change reaches: a move out of the trash's way leaves those in
    trash there while any of the thread is live (`PostgresMailboxMarks._thread_reach`)."""
    if change.folder in (None, _TRASH) or all(r.deleted_at is not None for r in rows):
        return rows
    return [r for r in rows if r.message.folder != _TRASH]


def _waiting(row: MessageRow) -> bool:
    return row.message.status in WAITING


def _apply(row: MessageRow, change: MailboxChange, at: datetime) -> None:
    """`change` on one message, as `PostgresMailboxMarks`' UPDATE makes it."""
    row.updated_at = at
    if change.read is not None:
        row.is_read = change.read
    if change.starred is not None:
        row.starred = change.starred
    if change.add or change.remove:
        kept = [label for label in row.message.labels if label not in change.remove]
        labels = tuple(dict.fromkeys([*kept, *change.add]))
        row.message = replace(row.message, labels=labels)
    if change.folder is not None:
        _move(row, change.folder, at)


def _move(row: MessageRow, folder: str, at: datetime) -> None:
    was = row.message.folder
    if folder == _TRASH:
        if was != _TRASH:
            row.restore_folder, row.deleted_at = was, at
    else:
        row.restore_folder, row.deleted_at = None, None
    row.message = replace(row.message, folder=folder)


def _delete_or_revive(thread: ThreadRow, change: MailboxChange, at: datetime) -> None:
    if change.folder == _TRASH:
        thread.deleted_at = thread.deleted_at or at
    elif change.folder is not None:
        thread.deleted_at = None

"""`InMemoryTrashRepository`: the trash over the in-memory tables."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from mailman.adapters.memory.folders import WAITING
from mailman.adapters.memory.tables import MessageRow, ScopedRepository
from mailman.domain.folders import SystemFolder
from mailman.domain.models import Direction
from mailman.domain.trash import ErasureTarget, MessagePlace, ThreadPlace


class InMemoryTrashRepository(ScopedRepository):
    def _visible(self, row: MessageRow) -> bool:
        return self._scope.sees(row.organization_id) and self._scope.reaches(row.message.inbox_id)

    def _rows(self, ids: Collection[UUID]) -> list[MessageRow]:
        found = (self._tables.messages.get(i) for i in ids)
        return [r for r in found if r is not None and self._visible(r)]

    def place(self, message_id: UUID) -> MessagePlace | None:
        found = self._rows([message_id])
        return _place(found[0]) if found else None

    def thread_place(self, thread_id: UUID) -> ThreadPlace | None:
        thread = self._tables.threads.get(thread_id)
        if (
            thread is None
            or thread.merged_into is not None
            or not self._scope.sees(thread.organization_id)
            or not self._scope.reaches(thread.inbox_id)
        ):
            return None
        rows = sorted(
            (r for r in self._tables.messages.values() if r.message.thread_id == thread_id),
            key=lambda r: (r.created_at, r.id),
        )
        return ThreadPlace(
            thread.id, thread.inbox_id, thread.deleted_at is not None, tuple(map(_place, rows))
        )

    def move_to_trash(self, message_ids: Collection[UUID], at: datetime) -> None:
        for row in self._rows(message_ids):
            if row.message.folder != SystemFolder.TRASH:
                row.restore_folder = row.message.folder
                row.message = replace(row.message, folder=SystemFolder.TRASH)
                row.deleted_at, row.updated_at = at, self._scope.stamp()

    def restore(self, moves: Mapping[UUID, str]) -> None:
        for row in self._rows(moves):
            if row.message.folder == SystemFolder.TRASH and row.erase_requested_at is None:
                row.message = replace(row.message, folder=moves[row.id])
                row.restore_folder = row.deleted_at = None
                row.updated_at = self._scope.stamp()

    def existing_folders(self, inbox_id: UUID, candidates: Collection[str]) -> set[str]:
        live = {str(f.id) for _, f in self._tables.folders.values() if f.inbox_id == inbox_id}
        return live & set(candidates)

    def mark_for_erasure(self, message_ids: Collection[UUID], at: datetime) -> None:
        for row in self._rows(message_ids):
            if row.message.folder == SystemFolder.TRASH and row.erase_requested_at is None:
                row.erase_requested_at = at

    def _trash(self) -> list[MessageRow]:
        return [
            r
            for r in self._tables.messages.values()
            if self._visible(r)
            and r.message.folder == SystemFolder.TRASH
            and r.erase_requested_at is None
        ]

    def mark_trash(self, inbox_id: UUID, at: datetime) -> int:
        rows = [r for r in self._trash() if r.message.inbox_id == inbox_id]
        for row in rows:
            row.erase_requested_at = at
        return len(rows)

    def mark_expired(self, at: datetime, limit: int) -> int:
        inboxes = self._tables.inboxes
        rows = [
            r
            for r in self._trash()
            if r.deleted_at is not None
            and r.message.inbox_id in inboxes
            and r.deleted_at < at - timedelta(days=inboxes[r.message.inbox_id].trash_retention_days)
        ]
        rows.sort(key=lambda r: (r.deleted_at, r.id))
        for row in rows[:limit]:
            row.erase_requested_at = at
        return len(rows[:limit])

    def _marked(self) -> list[MessageRow]:
        rows = [
            r
            for r in self._tables.messages.values()
            if self._visible(r) and r.erase_requested_at is not None
        ]
        return sorted(rows, key=lambda r: (r.erase_requested_at, r.id))

    def marked(
        self, limit: int, *, inbox_id: UUID | None = None, ids: Collection[UUID] | None = None
    ) -> Sequence[ErasureTarget]:
        rows = [
            r
            for r in self._marked()
            if (inbox_id is None or r.message.inbox_id == inbox_id) and (ids is None or r.id in ids)
        ]
        return [_target(r) for r in rows[:limit]]

    def count_marked(self, inbox_id: UUID) -> int:
        return sum(r.message.inbox_id == inbox_id for r in self._marked())

    def still_used(self, keys: Collection[str], erasing: Collection[UUID]) -> set[str]:
        used: set[str] = set()
        for row in self._tables.messages.values():
            if row.erase_requested_at is None and row.id not in erasing:
                used.update(_target(row).keys)
        used.update(u.raw_storage_key for u in self._tables.unroutable.values())
        return used & set(keys)

    def erase(self, targets: Sequence[ErasureTarget]) -> None:
        ids = {t.id for t in targets}
        for row in self._rows(ids):
            if row.erase_requested_at is not None:
                self._scope.check(row.organization_id)
                del self._tables.messages[row.id]
        for key, event in list(self._tables.delivery_events.items()):
            if event.message_pk in ids and event.message_pk not in self._tables.messages:
                del self._tables.delivery_events[key]


def _place(row: MessageRow) -> MessagePlace:
    m = row.message
    return MessagePlace(
        id=row.id,
        organization_id=m.organization_id,
        inbox_id=m.inbox_id,
        thread_id=m.thread_id,
        folder=m.folder,
        restore_folder=row.restore_folder,
        outgoing=m.direction == Direction.OUTBOUND,
        waiting=m.status in WAITING,
        erasing=row.erase_requested_at is not None,
    )


def _target(row: MessageRow) -> ErasureTarget:
    m = row.message
    return ErasureTarget(
        id=row.id,
        organization_id=m.organization_id,
        inbox_id=m.inbox_id,
        thread_id=m.thread_id,
        message_id=m.message_id,
        created_at=row.created_at,
        raw_storage_key=m.raw_storage_key,
        attachment_keys=tuple(sorted(a.storage_key for a in m.attachments)),
    )

"""`InMemoryMessageRepository`: stored messages, their threads' listing columns, and mail no
inbox took."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import MessageRow, ScopedRepository, Unroutable
from mailman.domain.errors import StorageError
from mailman.domain.inbound import UnroutableMail
from mailman.domain.messages import NewMessage, StoredMessage, ThreadEntry, first_of_each


def stored(row: MessageRow, *, created: bool) -> StoredMessage:
    m = row.message
    return StoredMessage(row.id, m.inbox_id, m.thread_id, m.quarantine_reason is not None, created)


class InMemoryMessageRepository(ScopedRepository):
    def _visible(self) -> list[MessageRow]:
        return [
            r
            for r in self._tables.messages.values()
            if self._scope.sees(r.organization_id) and self._scope.reaches(r.message.inbox_id)
        ]

    def find_many(
        self, identities: Sequence[tuple[UUID, str, str]]
    ) -> dict[tuple[UUID, str, str], StoredMessage]:
        wanted = set(identities)
        found: dict[tuple[UUID, str, str], StoredMessage] = {}
        for row in self._visible():
            m = row.message
            identity = (m.inbox_id, m.message_id, m.content_sha256)
            if identity in wanted:
                found.setdefault(identity, stored(row, created=False))
        return found

    def find_content(self, inbox_id: UUID, content_sha256: str) -> StoredMessage | None:
        return next(
            (
                stored(r, created=False)
                for r in self._visible()
                if r.message.inbox_id == inbox_id and r.message.content_sha256 == content_sha256
            ),
            None,
        )

    def add(self, message: NewMessage) -> StoredMessage:
        """Recipients named twice (same kind and address) are kept once, as the unique key of
        `message_recipients` keeps them."""
        self._scope.check(message.organization_id)
        self._scope.check_inbox(message.inbox_id)
        pk = message.id or uuid.uuid4()
        identity = (message.inbox_id, message.message_id, message.content_sha256)
        if pk in self._tables.messages or identity in self.find_many([identity]):
            raise StorageError("the database refused the operation: 23505")
        now = message.created_at or self._scope.stamp()
        row = MessageRow(
            replace(message, id=pk, recipients=first_of_each(message.recipients)),
            pk,
            created_at=now,
            updated_at=now,
            is_read=message.is_read,
            actor=self._scope.actor(),
        )
        self._tables.messages[pk] = row
        return stored(row, created=True)

    def refresh_thread(self, thread_id: UUID) -> None:
        thread = self._tables.threads[thread_id]
        every = [r for r in self._tables.messages.values() if r.message.thread_id == thread_id]
        live = [r for r in every if r.deleted_at is None]
        rows = live or every
        newest = max(rows, key=_activity, default=None)
        first = min(
            rows,
            key=lambda r: r.message.sent_at or r.message.received_at or r.created_at,
            default=None,
        )
        thread.message_count = len(rows)
        thread.last_message_at = _activity(newest) if newest else None
        thread.last_message_id = newest.id if newest else None
        thread.preview = newest.message.preview if newest else None
        thread.subject = thread.subject or (first.message.subject if first else None)
        if live:
            thread.deleted_at = None
        elif every:
            thread.deleted_at = thread.deleted_at or self._scope.stamp()

    def note_in_thread(self, entry: ThreadEntry) -> None:
        thread = self._tables.threads[entry.thread_id]
        if thread.deleted_at is not None:
            # Wholly in trash, it counted its trashed mail: it starts again from this one.
            thread.message_count, thread.last_message_at = 0, None
            thread.deleted_at = None
        thread.message_count += 1
        if thread.last_message_at is None or thread.last_message_at <= entry.at:
            thread.last_message_id, thread.preview = entry.message_pk, entry.preview
            thread.last_message_at = entry.at
        thread.subject = thread.subject or entry.subject

    def add_unroutable(self, mail: UnroutableMail) -> bool:
        self._scope.check(mail.organization_id)
        key = (mail.organization_id, mail.source_id, mail.domain_id)
        if key in self._tables.unroutable:
            return False
        self._tables.unroutable[key] = Unroutable(
            mail.recipients, mail.message_id, mail.raw_storage_key, mail.reason
        )
        return True


def _activity(row: MessageRow) -> datetime:
    return row.message.received_at or row.message.sent_at or row.created_at

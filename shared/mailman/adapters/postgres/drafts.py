"""Drafts: message rows in state `draft`, edited in place and promoted to outgoing mail.

Every change names the version (`updated_at`) the caller read, so an edit and a send racing
for one draft cannot both win: the loser changes nothing and is told so.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.messages import PostgresMessageRepository
from mailman.domain.messages import NewMessage


class PostgresDraftRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._messages = PostgresMessageRepository(conn)

    def replace(self, draft: NewMessage, *, version: datetime) -> bool:
        # The row goes and comes back under the same id (its recipients and attachments
        # with it, by cascade): one statement set instead of an update per column.
        assert draft.id is not None, "a draft is replaced under its own id"
        gone = self._conn.execute(
            "DELETE FROM messages WHERE id = %s AND status = 'draft' AND updated_at = %s "
            "RETURNING created_at",
            [draft.id, version],
        ).fetchone()
        if gone is None:
            return False
        self._messages.add(draft)
        self._conn.execute(
            "UPDATE messages SET created_at = %s WHERE id = %s", [gone["created_at"], draft.id]
        )
        return True

    def promote(self, message: NewMessage, *, version: datetime) -> bool:
        assert message.status is not None, "a promoted draft has its new state"
        assert message.id is not None, "a draft is promoted under its own id"
        row = self._conn.execute(
            "WITH moved AS ("
            "  UPDATE messages SET status = %(status)s, thread_id = %(thread)s, "
            "    match_reason = %(reason)s, send_at = %(send_at)s, queued_at = %(queued_at)s, "
            "    from_name = %(from_name)s, folder = %(folder)s, updated_at = now() "
            "  WHERE id = %(pk)s AND status = 'draft' AND updated_at = %(version)s "
            "  RETURNING id, inbox_id, message_id), "
            "indexed AS ("
            "  UPDATE message_references r SET message_pk = moved.id FROM moved "
            "  WHERE r.inbox_id = moved.inbox_id AND r.message_id = moved.message_id "
            "  AND r.message_pk IS NULL) "
            "SELECT count(*) AS n FROM moved",
            {
                "pk": message.id,
                "version": version,
                "status": message.status.value,
                "thread": message.thread_id,
                "reason": message.match_reason.value,
                "send_at": message.send_at,
                "queued_at": message.queued_at,
                "from_name": message.from_name,
                "folder": message.folder,
            },
        ).fetchone()
        return bool(row and row["n"])

    def delete(self, draft_id: UUID) -> bool:
        return (
            self._conn.execute(
                "DELETE FROM messages WHERE id = %s AND status = 'draft'", [draft_id]
            ).rowcount
            == 1
        )

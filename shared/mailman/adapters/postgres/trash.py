"""`PostgresTrashRepository`: mail moved into and out of trash, and erased."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.trash import ErasureTarget, MessagePlace, ThreadPlace

_PLACE: LiteralString = (
    "SELECT id, organization_id, inbox_id, thread_id, folder, restore_folder, "
    "direction = 'outbound' AS outgoing, "
    "status IS NOT NULL AND status IN ('scheduled', 'pending', 'sending') AS waiting, "
    "erase_requested_at IS NOT NULL AS erasing FROM messages "
)
_TARGET: LiteralString = (
    "SELECT m.id, m.organization_id, m.inbox_id, m.thread_id, m.message_id, m.created_at, "
    "m.raw_storage_key, ARRAY(SELECT a.storage_key FROM attachments a "
    "  WHERE a.message_id = m.id ORDER BY a.storage_key) AS attachment_keys "
    "FROM messages m WHERE m.erase_requested_at IS NOT NULL "
)


class PostgresTrashRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def place(self, message_id: UUID) -> MessagePlace | None:
        row = self._conn.execute(_PLACE + "WHERE id = %s", [message_id]).fetchone()
        return MessagePlace(**row) if row else None

    def thread_place(self, thread_id: UUID) -> ThreadPlace | None:
        thread = self._conn.execute(
            "SELECT id, inbox_id, deleted_at IS NOT NULL AS deleted FROM threads "
            "WHERE id = %s AND merged_into_id IS NULL",
            [thread_id],
        ).fetchone()
        if thread is None:
            return None
        rows = self._conn.execute(
            _PLACE + "WHERE thread_id = %s ORDER BY created_at, id", [thread_id]
        ).fetchall()
        return ThreadPlace(**thread, messages=tuple(MessagePlace(**r) for r in rows))

    def move_to_trash(self, message_ids: Collection[UUID], at: datetime) -> None:
        self._conn.execute(
            "UPDATE messages SET restore_folder = folder, folder = 'trash', deleted_at = %s, "
            "updated_at = now() WHERE id = ANY(%s) AND folder <> 'trash'",
            [at, list(message_ids)],
        )

    def restore(self, moves: Mapping[UUID, str]) -> None:
        if not moves:
            return
        self._conn.execute(
            "UPDATE messages m SET folder = v.folder, restore_folder = NULL, deleted_at = NULL, "
            "updated_at = now() FROM unnest(%s::uuid[], %s::text[]) AS v(id, folder) "
            "WHERE m.id = v.id AND m.folder = 'trash' AND m.erase_requested_at IS NULL",
            [list(moves), list(moves.values())],
        )

    def existing_folders(self, inbox_id: UUID, candidates: Collection[str]) -> set[str]:
        rows = self._conn.execute(
            "SELECT id::text AS id FROM folders WHERE inbox_id = %s AND id::text = ANY(%s)",
            [inbox_id, list(candidates)],
        ).fetchall()
        return {r["id"] for r in rows}

    def mark_for_erasure(self, message_ids: Collection[UUID], at: datetime) -> None:
        self._conn.execute(
            "UPDATE messages SET erase_requested_at = %s WHERE id = ANY(%s) "
            "AND folder = 'trash' AND erase_requested_at IS NULL",
            [at, list(message_ids)],
        )

    def mark_trash(self, inbox_id: UUID, at: datetime) -> int:
        cursor = self._conn.execute(
            "UPDATE messages SET erase_requested_at = %s WHERE inbox_id = %s "
            "AND folder = 'trash' AND erase_requested_at IS NULL",
            [at, inbox_id],
        )
        return cursor.rowcount

    def mark_expired(self, at: datetime, limit: int) -> int:
        # Walks messages_trash (deleted_at, folder = 'trash') from the oldest.
        cursor = self._conn.execute(
            "UPDATE messages SET erase_requested_at = %(at)s WHERE id IN ("
            "  SELECT m.id FROM messages m JOIN inboxes i ON i.id = m.inbox_id "
            "  WHERE m.folder = 'trash' AND m.erase_requested_at IS NULL "
            "  AND m.deleted_at < %(at)s - make_interval(days => i.trash_retention_days) "
            "  ORDER BY m.deleted_at LIMIT %(limit)s)",
            {"at": at, "limit": limit},
        )
        return cursor.rowcount

    def marked(
        self, limit: int, *, inbox_id: UUID | None = None, ids: Collection[UUID] | None = None
    ) -> Sequence[ErasureTarget]:
        rows = self._conn.execute(
            _TARGET + "AND (%(inbox)s::uuid IS NULL OR m.inbox_id = %(inbox)s) "
            "AND (%(ids)s::uuid[] IS NULL OR m.id = ANY(%(ids)s)) "
            "ORDER BY m.erase_requested_at, m.id LIMIT %(limit)s",
            {"inbox": inbox_id, "ids": None if ids is None else list(ids), "limit": limit},
        ).fetchall()
        return [
            ErasureTarget(**{**r, "attachment_keys": tuple(r["attachment_keys"])}) for r in rows
        ]

    def count_marked(self, inbox_id: UUID) -> int:
        row = self._conn.execute(
            "SELECT count(*) AS n FROM messages WHERE inbox_id = %s "
            "AND erase_requested_at IS NOT NULL",
            [inbox_id],
        ).fetchone()
        return int(row["n"]) if row else 0

    def still_used(self, keys: Collection[str], erasing: Collection[UUID]) -> set[str]:
        if not keys:
            return set()
        rows = self._conn.execute(
            "SELECT raw_storage_key AS key FROM messages WHERE raw_storage_key = ANY(%(keys)s) "
            "AND erase_requested_at IS NULL AND id <> ALL(%(erasing)s) "
            "UNION SELECT a.storage_key FROM attachments a JOIN messages m ON m.id = a.message_id "
            "WHERE a.storage_key = ANY(%(keys)s) AND m.erase_requested_at IS NULL "
            "AND m.id <> ALL(%(erasing)s) "
            # Mail of the same delivery no inbox took keeps its raw form (it has no erasure).
            "UNION SELECT raw_storage_key FROM unroutable_messages "
            "WHERE raw_storage_key = ANY(%(keys)s)",
            {"keys": list(keys), "erasing": list(erasing)},
        ).fetchall()
        return {r["key"] for r in rows}

    def erase(self, targets: Sequence[ErasureTarget]) -> None:
        """What points at the messages first, then the messages (their recipients and
        attachments go with them: ON DELETE CASCADE)."""
        if not targets:
            return
        ids = [t.id for t in targets]
        self._conn.execute(
            "UPDATE message_references SET message_pk = NULL WHERE message_pk = ANY(%s)", [ids]
        )
        self._conn.execute("DELETE FROM delivery_events WHERE message_id = ANY(%s)", [ids])
        self._conn.execute(
            "DELETE FROM messages WHERE id = ANY(%s) AND erase_requested_at IS NOT NULL", [ids]
        )

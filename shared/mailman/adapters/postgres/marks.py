"""`PostgresMailboxMarks`: read, starred, folder and label changes, one UPDATE each (the
trigger of migration 0020 keeps the counts and the thread facets)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.folders import MailboxChange, SystemFolder
from mailman.domain.mailbox_state import Marked

_FOUND: LiteralString = "erase_requested_at IS NULL AND (deleted_at IS NULL OR folder = 'trash')"
"""A message a change reaches: live, or in trash, and not being erased."""

_LABELS: LiteralString = (
    "labels = ARRAY(SELECT l FROM unnest(labels || %(add)s::text[]) WITH ORDINALITY AS u(l, n) "
    "WHERE l <> ALL (%(remove)s::text[]) GROUP BY l ORDER BY min(n))"
)
"""The labels kept in their order, those added after them, each once."""

_WAITING: LiteralString = (
    "(status IS NOT NULL AND status IN ('scheduled', 'pending', 'sending')) AS waiting"
)
"""Mail still to be sent (as `PostgresTrashRepository` reads it)."""

_INTO_TRASH: tuple[LiteralString, ...] = (
    "folder = 'trash'",
    "restore_folder = CASE WHEN folder = 'trash' THEN restore_folder ELSE folder END",
    "deleted_at = CASE WHEN folder = 'trash' THEN deleted_at ELSE %(at)s END",
)
_ELSEWHERE: tuple[LiteralString, ...] = (
    "folder = %(folder)s",
    "restore_folder = NULL",
    "deleted_at = NULL",
)


def _assignments(change: MailboxChange) -> LiteralString:
    """The SET list of `change` (the right-hand sides read the row as it was)."""
    parts: list[LiteralString] = ["updated_at = %(at)s"]
    if change.read is not None:
        parts.append("is_read = %(read)s")
    if change.starred is not None:
        parts.append("starred = %(starred)s")
    if change.add or change.remove:
        parts.append(_LABELS)
    if change.folder == SystemFolder.TRASH:
        parts.extend(_INTO_TRASH)
    elif change.folder is not None:
        parts.extend(_ELSEWHERE)
    return ", ".join(parts)


def _params(ids: Sequence[UUID], change: MailboxChange, at: datetime) -> dict[str, object]:
    return {
        "ids": list(dict.fromkeys(ids)),
        "at": at,
        "read": change.read,
        "starred": change.starred,
        "folder": change.folder,
        "add": list(change.add),
        "remove": list(change.remove),
    }


def _thread_reach(change: MailboxChange) -> LiteralString:
    """Which of a thread's messages a change reaches beyond `_FOUND`: a move out of the
    trash's way leaves the thread's mail in trash there while any of it is live (as the
    thread shows it: `PostgresMailboxReader.thread_messages`)."""
    if change.folder is None or change.folder == SystemFolder.TRASH:
        return ""
    return (
        " AND (folder <> 'trash' OR NOT EXISTS (SELECT 1 FROM messages l "
        "WHERE l.thread_id = messages.thread_id AND l.deleted_at IS NULL))"
    )


def _thread_deletion(change: MailboxChange) -> LiteralString:
    """What a thread's `deleted_at` becomes: deleted with its messages moved into trash, live
    again when they leave it, else as it was."""
    if change.folder == SystemFolder.TRASH:
        return "coalesce(deleted_at, %(at)s)"
    if change.folder is not None:
        return "NULL"
    return "deleted_at"


class PostgresMailboxMarks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def mark(
        self, message_ids: Sequence[UUID], change: MailboxChange, at: datetime
    ) -> Sequence[Marked]:
        rows = self._conn.execute(
            f"UPDATE messages SET {_assignments(change)} "
            f"WHERE id = ANY (%(ids)s::uuid[]) AND {_FOUND} "
            f"RETURNING id, inbox_id, cardinality(labels) AS label_count, thread_id, {_WAITING}",
            _params(message_ids, change, at),
        ).fetchall()
        return [
            Marked(r["id"], r["inbox_id"], r["label_count"], r["thread_id"], r["waiting"])
            for r in rows
        ]

    def mark_threads(
        self, thread_ids: Sequence[UUID], change: MailboxChange, at: datetime
    ) -> Sequence[Marked]:
        rows = self._conn.execute(
            "WITH t AS (SELECT id, inbox_id FROM threads WHERE id = ANY (%(ids)s::uuid[]) "
            "  AND merged_into_id IS NULL), "
            f"m AS (UPDATE messages SET {_assignments(change)} "
            f"  WHERE thread_id IN (SELECT id FROM t) AND {_FOUND}{_thread_reach(change)} "
            f"  RETURNING thread_id, cardinality(labels) AS n, {_WAITING}), "
            f"d AS (UPDATE threads SET deleted_at = {_thread_deletion(change)}, "
            "  updated_at = %(at)s WHERE id IN (SELECT id FROM t) RETURNING id) "
            "SELECT t.id, t.inbox_id, coalesce(max(m.n), 0) AS label_count, "
            "coalesce(bool_or(m.waiting), false) AS waiting "
            "FROM t LEFT JOIN m ON m.thread_id = t.id "
            "WHERE t.id IN (SELECT id FROM d) GROUP BY t.id, t.inbox_id",
            _params(thread_ids, change, at),
        ).fetchall()
        return [
            Marked(r["id"], r["inbox_id"], r["label_count"], r["id"], r["waiting"]) for r in rows
        ]

    def refile(self, inbox_id: UUID, folder: str, to: str) -> int:
        cursor = self._conn.execute(
            "UPDATE messages SET updated_at = now(), "
            "folder = CASE WHEN folder = %(f)s THEN %(to)s ELSE folder END, "
            "restore_folder = CASE WHEN restore_folder = %(f)s THEN %(to)s ELSE restore_folder END "
            "WHERE inbox_id = %(inbox)s AND (folder = %(f)s OR restore_folder = %(f)s)",
            {"inbox": inbox_id, "f": folder, "to": to},
        )
        return cursor.rowcount

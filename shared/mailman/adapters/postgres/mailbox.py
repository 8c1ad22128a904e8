"""Reading threads and messages back, newest activity first, with keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.mailbox import (
    Attachment,
    MessageListing,
    MessageView,
    RecipientView,
    ThreadSummary,
)
from mailman.domain.pagination import Cursor

_THREAD_COLUMNS: LiteralString = (
    "t.id, t.inbox_id, t.subject, t.message_count, t.unread_count, t.preview, "
    "t.last_message_at, t.created_at, "
    "ARRAY(SELECT p.address FROM thread_participants p WHERE p.thread_id = t.id "
    "      ORDER BY p.address) AS participants"
)
_MESSAGE_COLUMNS: LiteralString = (
    "id, inbox_id, thread_id, message_id, direction, status, from_address, from_name, "
    'reply_to, subject, sent_at, received_at, in_reply_to, "references", text_body, '
    "html_body, extracted_text, preview, headers, raw_storage_key, match_reason, verdicts, "
    "quarantined, quarantine_reason, defects, plus_tags, labels, is_read, size_bytes, created_at, "
    "status_reason, send_at, ses_message_id, metadata, list_unsubscribe, updated_at"
)


class PostgresMailboxReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def threads(self, inbox_id: UUID, limit: int, after: Cursor | None) -> Sequence[ThreadSummary]:
        """Live threads, newest activity first; `after` is the last row of the previous page."""
        rows = self._conn.execute(
            f"SELECT {_THREAD_COLUMNS} FROM threads t WHERE t.inbox_id = %(inbox)s "
            "AND t.deleted_at IS NULL AND t.merged_into_id IS NULL "
            "AND t.last_message_at IS NOT NULL "
            "AND (%(at)s::timestamptz IS NULL OR (t.last_message_at, t.id) < (%(at)s, %(id)s)) "
            "ORDER BY t.last_message_at DESC, t.id DESC LIMIT %(limit)s",
            {
                "inbox": inbox_id,
                "at": after.created_at if after else None,
                "id": after.id if after else None,
                "limit": limit,
            },
        ).fetchall()
        return [ThreadSummary.model_validate(r) for r in rows]

    def thread(self, thread_id: UUID) -> ThreadSummary | None:
        """A thread by id; an id merged into another answers the thread it became."""
        row = self._conn.execute(
            f"WITH RECURSIVE chain(id, depth) AS ("
            "  SELECT %s::uuid, 0 UNION ALL "
            "  SELECT t.merged_into_id, c.depth + 1 FROM threads t JOIN chain c ON t.id = c.id "
            "  WHERE t.merged_into_id IS NOT NULL AND c.depth < 32) "
            f"SELECT {_THREAD_COLUMNS} FROM threads t "
            "WHERE t.id = (SELECT id FROM chain ORDER BY depth DESC LIMIT 1) "
            "AND t.deleted_at IS NULL",
            [thread_id],
        ).fetchone()
        return ThreadSummary.model_validate(row) if row else None

    def thread_messages(self, thread_id: UUID) -> Sequence[MessageView]:
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE thread_id = %s AND deleted_at IS NULL "
            "ORDER BY COALESCE(received_at, sent_at, created_at), created_at, id",
            [thread_id],
        ).fetchall()
        return self._complete(rows)

    def message(self, message_id: UUID) -> MessageView | None:
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = %s AND deleted_at IS NULL",
            [message_id],
        ).fetchall()
        found = self._complete(rows)
        return found[0] if found else None

    def messages(self, listing: MessageListing) -> Sequence[MessageView]:
        # Written out, as the partial index messages_inbox_drafts is: a bound flag would keep
        # the planner from using it.
        kind: LiteralString = (
            "status = 'draft'" if listing.drafts else "status IS DISTINCT FROM 'draft'"
        )
        after = listing.after
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE inbox_id = %(inbox)s "
            f"AND deleted_at IS NULL AND quarantined = %(quarantined)s AND {kind} "
            "AND (%(at)s::timestamptz IS NULL OR (created_at, id) < (%(at)s, %(id)s)) "
            "ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
            {
                "inbox": listing.inbox_id,
                "quarantined": listing.quarantined,
                "at": after.created_at if after else None,
                "id": after.id if after else None,
                "limit": listing.limit,
            },
        ).fetchall()
        return self._complete(rows)

    def soft_delete_thread(self, thread_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE threads SET deleted_at = %s, updated_at = %s "
            "WHERE id = %s AND deleted_at IS NULL AND merged_into_id IS NULL RETURNING id",
            [at, at, thread_id],
        ).fetchone()
        return row is not None

    def _complete(self, rows: list[dict[str, Any]]) -> list[MessageView]:
        """Messages with their recipients and attachments (two queries for all of them)."""
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        recipients: dict[UUID, list[RecipientView]] = {i: [] for i in ids}
        for r in self._conn.execute(
            "SELECT message_id, kind, address, name, status, status_reason FROM message_recipients "
            "WHERE message_id = ANY(%s) ORDER BY message_id, position",
            [ids],
        ).fetchall():
            recipients[r["message_id"]].append(RecipientView.model_validate(r))
        attachments: dict[UUID, list[Attachment]] = {i: [] for i in ids}
        for a in self._conn.execute(
            "SELECT message_id, id, filename, content_type, size_bytes, sha256, content_id, "
            "inline, storage_key FROM attachments WHERE message_id = ANY(%s) "
            "ORDER BY message_id, created_at, id",
            [ids],
        ).fetchall():
            attachments[a["message_id"]].append(Attachment.model_validate(a))
        return [
            MessageView.model_validate(
                {**r, "recipients": recipients[r["id"]], "attachments": attachments[r["id"]]}
            )
            for r in rows
        ]

"""Stored messages: rows, recipients, attachments, thread listing columns, unroutable mail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from psycopg.types.json import Json, Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.inbound import UnroutableMail
from mailman.domain.messages import (
    NewMessage,
    StoredMessage,
    ThreadEntry,
    attachment_row_id,
)


class PostgresMessageRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find_many(
        self, identities: Sequence[tuple[UUID, str, str]]
    ) -> dict[tuple[UUID, str, str], StoredMessage]:
        if not identities:
            return {}
        rows = self._conn.execute(
            # One probe of the identity index per key, planned on every call (once per batch):
            # a plan kept from when the table was small scans the whole tenant.
            "SELECT m.* FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS k(inbox, mid, sha) "
            "CROSS JOIN LATERAL (SELECT id, inbox_id, thread_id, quarantined, message_id, "
            "  content_sha256 FROM messages WHERE inbox_id = k.inbox AND message_id = k.mid "
            "  AND content_sha256 = k.sha LIMIT 1) m",
            [[i[0] for i in identities], [i[1] for i in identities], [i[2] for i in identities]],
            prepare=False,
        ).fetchall()
        return {
            (r["inbox_id"], r["message_id"], r["content_sha256"]): StoredMessage(
                r["id"], r["inbox_id"], r["thread_id"], r["quarantined"], False
            )
            for r in rows
        }

    def find_content(self, inbox_id: UUID, content_sha256: str) -> StoredMessage | None:
        row = self._conn.execute(
            "SELECT id, inbox_id, thread_id, quarantined FROM messages "
            "WHERE inbox_id = %s AND content_sha256 = %s LIMIT 1",
            [inbox_id, content_sha256],
        ).fetchone()
        if row is None:
            return None
        return StoredMessage(
            row["id"], row["inbox_id"], row["thread_id"], row["quarantined"], False
        )

    def add(self, message: NewMessage) -> StoredMessage:
        """Insert the message with its recipients and attachments in one statement, answering
        nothing back from the server: in a pipeline the statements queue behind each other.
        The caller holds the inbox's lock and has found no such message, so the insert cannot
        conflict. A threaded message's own id in the thread index is pointed at the row.

        Recipients and attachments travel as two JSON documents rather than an array per
        column: psycopg adapts arrays element by element in Python, and eleven of them cost
        both sides more than two `json.dumps` and `json_to_recordset` (bench/ingest.py)."""
        m = message
        pk = m.id or uuid.uuid4()
        self._conn.execute(
            "WITH m AS ("
            "  INSERT INTO messages (id, organization_id, inbox_id, thread_id, message_id, "
            "  message_id_generated, content_sha256, direction, source, source_id, "
            "  from_address, from_name, reply_to, subject, sent_at, received_at, in_reply_to, "
            '  "references", text_body, html_body, extracted_text, preview, headers, '
            "  raw_storage_key, size_bytes, match_reason, verdicts, quarantined, "
            "  quarantine_reason, scan, defects, plus_tags, status, send_at, queued_at, labels, "
            "  metadata, list_unsubscribe, folder, is_read, attachment_count, recipients_text, "
            "  attachment_names, created_at, updated_at) "
            "  VALUES (%(pk)s, %(org)s, %(inbox)s, "
            "  %(thread)s, %(message_id)s, %(generated)s, %(sha)s, %(direction)s, %(source)s, "
            "  %(source_id)s, %(from_address)s, %(from_name)s, %(reply_to)s, %(subject)s, "
            "  %(sent_at)s, %(received_at)s, %(in_reply_to)s, %(references)s, %(text)s, "
            "  %(html)s, %(extracted)s, %(preview)s, %(headers)s, %(raw_key)s, %(size)s, "
            "  %(reason)s, %(verdicts)s, %(quarantined)s, %(quarantine_reason)s, "
            "  %(scan)s, %(defects)s, %(plus_tags)s, %(status)s, %(send_at)s, %(queued_at)s, "
            "  %(labels)s, %(metadata)s, %(list_unsubscribe)s, %(folder)s, %(is_read)s, "
            "  %(attachment_count)s, "
            # What search finds of the people it was sent to (migration 0020).
            "  (SELECT string_agg(coalesce(r.name, '') || ' ' || mailman_address_words(r.address), "
            "     ' ') FROM json_to_recordset(%(recipients)s) AS r(kind text, address text, "
            "     name text) WHERE r.kind IN ('to', 'cc')), "
            "  (SELECT string_agg(a.filename, ' ') FROM json_to_recordset(%(attachments)s) "
            "     AS a(filename text)), "
            "  COALESCE(%(created)s, now()), "
            "  COALESCE(%(created)s, now())) RETURNING id, thread_id), "
            "recipients AS ("
            "  INSERT INTO message_recipients (organization_id, message_id, kind, address, "
            "  name, position) SELECT %(org)s, m.id, r.kind, r.address, r.name, r.position - 1 "
            "  FROM m, ROWS FROM (json_to_recordset(%(recipients)s) "
            "    AS (kind text, address text, name text)) "
            "    WITH ORDINALITY AS r(kind, address, name, position) "
            "  ON CONFLICT DO NOTHING), "
            # One stored object may belong to several inboxes' messages: the row id is the
            # object's id made unique per inbox.
            "files AS ("
            "  INSERT INTO attachments (id, organization_id, message_id, filename, "
            "  content_type, size_bytes, sha256, content_id, inline, storage_key) "
            "  SELECT a.id, %(org)s, m.id, a.filename, a.content_type, a.size_bytes, a.sha256, "
            "    a.content_id, a.inline, a.storage_key "
            "  FROM m, json_to_recordset(%(attachments)s) AS a(id uuid, filename text, "
            "    content_type text, size_bytes bigint, sha256 text, content_id text, "
            "    inline boolean, storage_key text)) "
            "UPDATE message_references SET message_pk = m.id FROM m "
            "WHERE m.thread_id IS NOT NULL AND inbox_id = %(inbox)s "
            "AND message_id = %(message_id)s "
            "AND message_pk IS NULL",
            {
                "pk": pk,
                "org": m.organization_id,
                "inbox": m.inbox_id,
                "thread": m.thread_id,
                "message_id": m.message_id,
                "generated": m.message_id_generated,
                "sha": m.content_sha256,
                "direction": m.direction.value,
                "source": m.source,
                "source_id": m.source_id,
                "from_address": m.from_address,
                "from_name": m.from_name,
                "reply_to": list(m.reply_to),
                "subject": m.subject,
                "sent_at": m.sent_at,
                "received_at": m.received_at,
                "in_reply_to": m.in_reply_to,
                "references": list(m.references),
                "text": m.text_body,
                "html": m.html_body,
                "extracted": m.extracted_text,
                "preview": m.preview,
                "headers": Jsonb([{"name": n, "value": v} for n, v in m.headers]),
                "raw_key": m.raw_storage_key,
                "size": m.size_bytes,
                "reason": m.match_reason.value,
                "verdicts": Jsonb(m.verdicts),
                "quarantined": m.quarantine_reason is not None,
                "quarantine_reason": m.quarantine_reason,
                "scan": Jsonb(m.scan.as_json()) if m.scan else None,
                "defects": list(m.defects),
                "plus_tags": list(m.plus_tags),
                "status": m.status.value if m.status else None,
                "send_at": m.send_at,
                "queued_at": m.queued_at,
                "labels": list(m.labels),
                "metadata": Jsonb(m.metadata),
                "list_unsubscribe": m.list_unsubscribe,
                "folder": m.folder,
                "is_read": m.is_read,
                "attachment_count": m.attachment_count,
                "created": m.created_at,
                "recipients": Json(
                    [{"kind": r.kind, "address": r.address, "name": r.name} for r in m.recipients]
                ),
                "attachments": Json(
                    [
                        {
                            "id": str(attachment_row_id(a.id, m.inbox_id)),
                            "filename": a.filename,
                            "content_type": a.content_type,
                            "size_bytes": a.size_bytes,
                            "sha256": a.sha256,
                            "content_id": a.content_id,
                            "inline": a.inline,
                            "storage_key": a.storage_key,
                        }
                        for a in m.attachments
                    ]
                ),
            },
        )
        return StoredMessage(pk, m.inbox_id, m.thread_id, m.quarantine_reason is not None, True)

    def refresh_thread(self, thread_id: UUID) -> None:
        self._conn.execute(
            "UPDATE threads t SET message_count = s.n, "
            "  last_message_at = s.last_at, last_message_id = s.last_id, preview = s.preview, "
            "  subject = COALESCE(t.subject, s.first_subject), "
            "  deleted_at = CASE WHEN s.live THEN NULL WHEN s.n > 0 "
            "    THEN COALESCE(t.deleted_at, now()) ELSE t.deleted_at END, updated_at = now() "
            "FROM (SELECT count(*) AS n, bool_or(deleted_at IS NULL) AS live, "
            "        max(COALESCE(received_at, sent_at, created_at)) AS last_at, "
            "        (array_agg(id ORDER BY COALESCE(received_at, sent_at, created_at) DESC))[1] "
            "          AS last_id, "
            "        (array_agg(preview ORDER BY COALESCE(received_at, sent_at, created_at) DESC))"
            "          [1] AS preview, "
            "        (array_agg(subject ORDER BY COALESCE(sent_at, received_at, created_at)))[1] "
            "          AS first_subject "
            "      FROM messages WHERE thread_id = %(thread)s AND (deleted_at IS NULL "
            "        OR NOT EXISTS (SELECT 1 FROM messages l WHERE l.thread_id = %(thread)s "
            "          AND l.deleted_at IS NULL))) s "
            "WHERE t.id = %(thread)s",
            {"thread": thread_id},
        )

    def note_in_thread(self, entry: ThreadEntry) -> None:
        # A thread wholly in trash (`deleted_at`) counted its trashed mail: it starts again.
        self._conn.execute(
            "UPDATE threads SET "
            "  message_count = CASE WHEN deleted_at IS NULL THEN message_count + 1 ELSE 1 END, "
            "  last_message_id = CASE WHEN deleted_at IS NOT NULL OR last_message_at IS NULL "
            "    OR last_message_at <= %(at)s THEN %(pk)s ELSE last_message_id END, "
            "  preview = CASE WHEN deleted_at IS NOT NULL OR last_message_at IS NULL "
            "    OR last_message_at <= %(at)s THEN %(preview)s ELSE preview END, "
            "  last_message_at = CASE WHEN deleted_at IS NOT NULL THEN %(at)s "
            "    ELSE GREATEST(last_message_at, %(at)s) END, "
            "  subject = COALESCE(subject, %(subject)s), deleted_at = NULL, updated_at = now() "
            "WHERE id = %(thread)s",
            {
                "thread": entry.thread_id,
                "pk": entry.message_pk,
                "at": entry.at,
                "preview": entry.preview,
                "subject": entry.subject,
            },
        )

    def add_unroutable(self, mail: UnroutableMail) -> bool:
        row = self._conn.execute(
            "INSERT INTO unroutable_messages (organization_id, domain_id, recipients, "
            "message_id, source_id, raw_storage_key, reason) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (organization_id, source_id, domain_id) DO NOTHING RETURNING id",
            [
                mail.organization_id,
                mail.domain_id,
                list(mail.recipients),
                mail.message_id,
                mail.source_id,
                mail.raw_storage_key,
                mail.reason,
            ],
        ).fetchone()
        return row is not None

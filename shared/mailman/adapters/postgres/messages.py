"""Stored messages: rows, recipients, attachments, thread listing columns, unroutable mail."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.messages import NewMessage, StoredMessage


class PostgresMessageRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, inbox_id: UUID, message_id: str, content_sha256: str) -> StoredMessage | None:
        row = self._conn.execute(
            "SELECT id, inbox_id, thread_id, quarantined FROM messages "
            "WHERE inbox_id = %s AND message_id = %s AND content_sha256 = %s",
            [inbox_id, message_id, content_sha256],
        ).fetchone()
        if row is None:
            return None
        return StoredMessage(
            row["id"], row["inbox_id"], row["thread_id"], row["quarantined"], False
        )

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
        m = message
        row = self._conn.execute(
            "INSERT INTO messages (organization_id, inbox_id, thread_id, message_id, "
            "message_id_generated, content_sha256, direction, source, source_id, from_address, "
            'from_name, reply_to, subject, sent_at, received_at, in_reply_to, "references", '
            "text_body, html_body, extracted_text, preview, headers, raw_storage_key, "
            "size_bytes, match_reason, verdicts, quarantined, quarantine_reason, defects, "
            "plus_tags) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (inbox_id, message_id, content_sha256) DO NOTHING RETURNING id",
            [
                m.organization_id,
                m.inbox_id,
                m.thread_id,
                m.message_id,
                m.message_id_generated,
                m.content_sha256,
                m.direction.value,
                m.source,
                m.source_id,
                m.from_address,
                m.from_name,
                list(m.reply_to),
                m.subject,
                m.sent_at,
                m.received_at,
                m.in_reply_to,
                list(m.references),
                m.text_body,
                m.html_body,
                m.extracted_text,
                m.preview,
                Jsonb([{"name": n, "value": v} for n, v in m.headers]),
                m.raw_storage_key,
                m.size_bytes,
                m.match_reason.value,
                Jsonb(m.verdicts),
                m.quarantine_reason is not None,
                m.quarantine_reason,
                list(m.defects),
                list(m.plus_tags),
            ],
        ).fetchone()
        if row is None:
            found = self.find(m.inbox_id, m.message_id, m.content_sha256)
            assert found is not None
            return found
        pk: UUID = row["id"]
        with self._conn.cursor() as cursor:
            if m.recipients:
                cursor.executemany(
                    "INSERT INTO message_recipients (organization_id, message_id, kind, address, "
                    "name, position) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [
                        [m.organization_id, pk, r.kind, r.address, r.name, i]
                        for i, r in enumerate(m.recipients)
                    ],
                )
            if m.attachments:
                cursor.executemany(
                    "INSERT INTO attachments (id, organization_id, message_id, filename, "
                    "content_type, size_bytes, sha256, content_id, inline, storage_key) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        [
                            a.id,
                            m.organization_id,
                            pk,
                            a.filename,
                            a.content_type,
                            a.size_bytes,
                            a.sha256,
                            a.content_id,
                            a.inline,
                            a.storage_key,
                        ]
                        for a in m.attachments
                    ],
                )
        if m.thread_id is not None:
            self._conn.execute(
                "UPDATE message_references SET message_pk = %s "
                "WHERE inbox_id = %s AND message_id = %s AND message_pk IS NULL",
                [pk, m.inbox_id, m.message_id],
            )
        return StoredMessage(pk, m.inbox_id, m.thread_id, m.quarantine_reason is not None, True)

    def refresh_thread(self, thread_id: UUID) -> None:
        self._conn.execute(
            "UPDATE threads t SET message_count = s.n, unread_count = s.unread, "
            "  last_message_at = s.last_at, last_message_id = s.last_id, preview = s.preview, "
            "  subject = COALESCE(t.subject, s.first_subject), updated_at = now() "
            "FROM (SELECT count(*) AS n, count(*) FILTER (WHERE NOT is_read) AS unread, "
            "        max(COALESCE(received_at, sent_at, created_at)) AS last_at, "
            "        (array_agg(id ORDER BY COALESCE(received_at, sent_at, created_at) DESC))[1] "
            "          AS last_id, "
            "        (array_agg(preview ORDER BY COALESCE(received_at, sent_at, created_at) DESC))"
            "          [1] AS preview, "
            "        (array_agg(subject ORDER BY COALESCE(sent_at, received_at, created_at)))[1] "
            "          AS first_subject "
            "      FROM messages WHERE thread_id = %(thread)s AND deleted_at IS NULL) s "
            "WHERE t.id = %(thread)s",
            {"thread": thread_id},
        )

    def add_unroutable(
        self,
        organization_id: UUID,
        *,
        domain_id: UUID,
        recipients: Sequence[str],
        message_id: str,
        source_id: str,
        raw_storage_key: str,
    ) -> bool:
        row = self._conn.execute(
            "INSERT INTO unroutable_messages (organization_id, domain_id, recipients, "
            "message_id, source_id, raw_storage_key, reason) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'no inbox for the address') "
            "ON CONFLICT (organization_id, source_id) DO NOTHING RETURNING id",
            [organization_id, domain_id, list(recipients), message_id, source_id, raw_storage_key],
        ).fetchone()
        return row is not None

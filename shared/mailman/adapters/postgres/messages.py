"""Stored messages: rows, recipients, attachments, thread listing columns, unroutable mail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.messages import NewMessage, StoredMessage


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
        """Insert the message with its recipients and attachments, answering nothing back from
        the server: in a pipeline the statements queue behind each other. The caller holds the
        inbox's lock and has found no such message, so the insert cannot conflict."""
        m = message
        pk = uuid.uuid4()
        self._conn.execute(
            "INSERT INTO messages (id, organization_id, inbox_id, thread_id, message_id, "
            "message_id_generated, content_sha256, direction, source, source_id, from_address, "
            'from_name, reply_to, subject, sent_at, received_at, in_reply_to, "references", '
            "text_body, html_body, extracted_text, preview, headers, raw_storage_key, "
            "size_bytes, match_reason, verdicts, quarantined, quarantine_reason, defects, "
            "plus_tags) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                pk,
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
        )
        if m.recipients:
            self._conn.execute(
                "INSERT INTO message_recipients (organization_id, message_id, kind, address, "
                "name, position) SELECT %s, %s, r.kind, r.address, r.name, r.position - 1 "
                "FROM unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY "
                "  AS r(kind, address, name, position) "
                "ON CONFLICT DO NOTHING",
                [
                    m.organization_id,
                    pk,
                    [r.kind for r in m.recipients],
                    [r.address for r in m.recipients],
                    [r.name for r in m.recipients],
                ],
            )
        if m.attachments:
            # One stored object may belong to several inboxes' messages: the row id is the
            # object's id made unique per inbox.
            self._conn.execute(
                "INSERT INTO attachments (id, organization_id, message_id, filename, "
                "content_type, size_bytes, sha256, content_id, inline, storage_key) "
                "SELECT a.id, %s, %s, a.filename, a.content_type, a.size_bytes, a.sha256, "
                "  a.content_id, a.inline, a.storage_key "
                "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::bigint[], %s::text[], "
                "  %s::text[], %s::boolean[], %s::text[]) "
                "  AS a(id, filename, content_type, size_bytes, sha256, content_id, inline, "
                "  storage_key)",
                [
                    m.organization_id,
                    pk,
                    [uuid.uuid5(a.id, str(m.inbox_id)) for a in m.attachments],
                    [a.filename for a in m.attachments],
                    [a.content_type for a in m.attachments],
                    [a.size_bytes for a in m.attachments],
                    [a.sha256 for a in m.attachments],
                    [a.content_id for a in m.attachments],
                    [a.inline for a in m.attachments],
                    [a.storage_key for a in m.attachments],
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

    def note_in_thread(
        self,
        thread_id: UUID,
        message_pk: UUID,
        *,
        at: datetime,
        preview: str | None,
        subject: str | None,
        unread: bool,
    ) -> None:
        self._conn.execute(
            "UPDATE threads SET message_count = message_count + 1, "
            "  unread_count = unread_count + %(unread)s::int, "
            "  last_message_id = CASE WHEN last_message_at IS NULL OR last_message_at <= %(at)s "
            "    THEN %(pk)s ELSE last_message_id END, "
            "  preview = CASE WHEN last_message_at IS NULL OR last_message_at <= %(at)s "
            "    THEN %(preview)s ELSE preview END, "
            "  last_message_at = GREATEST(last_message_at, %(at)s), "
            "  subject = COALESCE(subject, %(subject)s), updated_at = now() "
            "WHERE id = %(thread)s",
            {
                "thread": thread_id,
                "pk": message_pk,
                "at": at,
                "preview": preview,
                "subject": subject,
                "unread": unread,
            },
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
        reason: str,
    ) -> bool:
        row = self._conn.execute(
            "INSERT INTO unroutable_messages (organization_id, domain_id, recipients, "
            "message_id, source_id, raw_storage_key, reason) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (organization_id, source_id, domain_id) DO NOTHING RETURNING id",
            [
                organization_id,
                domain_id,
                list(recipients),
                message_id,
                source_id,
                raw_storage_key,
                reason,
            ],
        ).fetchone()
        return row is not None

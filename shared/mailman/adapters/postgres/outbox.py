"""`PostgresOutbox`: outgoing mail on its way, the state moves of sending.

Every state move is one UPDATE whose WHERE names the states it may start from (from
`DeliveryStatus`), so two workers racing for one message cannot both win it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.messages import (
    DueMessage,
    NewRecipient,
    OutgoingFile,
    OutgoingMail,
    SentConfirmation,
    SentRecord,
)
from mailman.domain.models import DeliveryStatus
from mailman.domain.reputation import hour_of

_S = DeliveryStatus
_WAITING = _S.sources_of(_S.CANCELLED)
"""Mail not yet handed to SES: what may still be cancelled, or rescheduled."""
_REQUEUE_AFTER = timedelta(minutes=15)
"""A waiting message queued longer ago than this, and still waiting, is queued again: its
queue message was lost, or went to the dead-letter queue."""


def _record(row: dict[str, Any] | None, *, newly: bool) -> SentRecord | None:
    if row is None:
        return None
    return SentRecord(
        row["organization_id"], row["inbox_id"], row["thread_id"], newly, row.get("actor")
    )


_RECORD_SENT: LiteralString = (
    "WITH given AS ("
    "  SELECT * FROM unnest(%(pks)b::uuid[], %(ses)b::text[], %(header_ids)b::text[], "
    "    %(at)b::timestamptz[], %(hours)b::timestamptz[]) WITH ORDINALITY "
    "    AS g(pk, ses, header_id, at, hour, n)), "
    # Of two confirmations of one message, the first is the one that may move it.
    "first AS (SELECT DISTINCT ON (pk) * FROM given ORDER BY pk, n), "
    "moved AS ("
    "  UPDATE messages m SET status = 'sent', status_reason = NULL, "
    "    ses_message_id = f.ses, sent_at = f.at, updated_at = now() "
    "  FROM first f "
    "  WHERE m.id = f.pk AND m.id = ANY(%(pks)b) "
    "  AND m.status = ANY(%(sources)b) AND m.ses_message_id IS NULL "
    "  RETURNING m.id, m.organization_id, m.inbox_id, m.thread_id, m.actor, f.ses, f.header_id, "
    "    f.at, f.hour), "
    "refs AS ("
    "  INSERT INTO message_references (organization_id, inbox_id, message_id, "
    "    thread_id, message_pk, kind) "
    "  SELECT organization_id, inbox_id, header_id, thread_id, id, 'ses' FROM moved "
    "  WHERE thread_id IS NOT NULL "
    "  ON CONFLICT (inbox_id, message_id) DO UPDATE SET message_pk = EXCLUDED.message_pk, "
    "    kind = 'ses'), "
    "recipients AS ("
    "  UPDATE message_recipients r SET status = 'sent', sent_at = LEAST(r.sent_at, moved.at) "
    "  FROM moved WHERE r.message_id = moved.id "
    "  AND (r.status IS NULL OR r.status = 'pending') "
    "  RETURNING r.message_id, lower(r.address) AS address), "
    "counted AS ("
    "  INSERT INTO delivery_counts (organization_id, domain_id, inbox_id, hour, sent) "
    "  SELECT moved.organization_id, i.domain_id, moved.inbox_id, moved.hour, "
    "    count(DISTINCT (r.message_id, r.address)) "
    "  FROM recipients r JOIN moved ON moved.id = r.message_id "
    "  JOIN inboxes i ON i.id = moved.inbox_id "
    "  GROUP BY moved.organization_id, i.domain_id, moved.inbox_id, moved.hour "
    "  ON CONFLICT (inbox_id, hour) DO UPDATE "
    "    SET sent = delivery_counts.sent + EXCLUDED.sent) "
    "SELECT id AS pk, ses, organization_id, inbox_id, thread_id, actor, true AS newly "
    "FROM moved "
    "UNION ALL "
    # A message recorded before (its SES id known as this one) is a repeat.
    "SELECT m.id, m.ses_message_id, m.organization_id, m.inbox_id, m.thread_id, m.actor, "
    "  false "
    "FROM given g JOIN messages m ON m.id = g.pk AND m.ses_message_id = g.ses "
    "WHERE m.id = ANY(%(pks)b)"
)


def _confirmed(
    sent: Sequence[SentConfirmation], rows: Sequence[dict[str, Any]]
) -> list[SentRecord | None]:
    """Each confirmation's record: a message named again after a confirmation of it is a
    repeat."""
    found = {(r["pk"], r["ses"]): r for r in rows}
    records: list[SentRecord | None] = []
    seen: set[tuple[UUID, str]] = set()
    for s in sent:
        key = (s.message_pk, s.ses_message_id)
        row = found.get(key)
        records.append(_record(row, newly=bool(row and row["newly"]) and key not in seen))
        seen.add(key)
    return records


class PostgresOutbox:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def claim(self, message_pk: UUID, at: datetime) -> OutgoingMail | None:
        row = self._conn.execute(
            "UPDATE messages SET status = 'sending', handed_off_at = %(at)s, "
            "  send_attempts = send_attempts + 1, updated_at = %(at)s "
            "WHERE id = %(pk)s AND direction = 'outbound' AND status = ANY(%(sources)s) "
            "AND (send_at IS NULL OR send_at <= %(at)s) AND deleted_at IS NULL "
            "RETURNING id, organization_id, inbox_id, thread_id, message_id, from_address, "
            '  from_name, reply_to, subject, text_body, html_body, in_reply_to, "references", '
            "  headers, created_at, raw_storage_key, list_unsubscribe, "
            "  (SELECT d.sending_paused_at IS NOT NULL FROM inboxes i "
            "    JOIN domains d ON d.id = i.domain_id WHERE i.id = messages.inbox_id) "
            "    AS sending_paused",
            {"pk": message_pk, "at": at, "sources": _S.sources_of(_S.SENDING)},
        ).fetchone()
        if row is None:
            return None
        recipients = self._conn.execute(
            "SELECT kind, address, name, status FROM message_recipients WHERE message_id = %s "
            "ORDER BY position",
            [message_pk],
        ).fetchall()
        files = self._conn.execute(
            "SELECT filename, content_type, content_id, storage_key FROM attachments "
            "WHERE message_id = %s ORDER BY created_at, id",
            [message_pk],
        ).fetchall()
        return OutgoingMail(
            id=row["id"],
            organization_id=row["organization_id"],
            inbox_id=row["inbox_id"],
            thread_id=row["thread_id"],
            message_id=row["message_id"],
            from_address=row["from_address"],
            from_name=row["from_name"],
            reply_to=tuple(row["reply_to"]),
            subject=row["subject"],
            text_body=row["text_body"],
            html_body=row["html_body"],
            in_reply_to=row["in_reply_to"],
            references=tuple(row["references"]),
            headers=tuple((h["name"], h["value"]) for h in row["headers"]),
            recipients=tuple(NewRecipient(**r) for r in recipients),
            attachments=tuple(OutgoingFile(**f) for f in files),
            created_at=row["created_at"],
            raw_storage_key=row["raw_storage_key"],
            list_unsubscribe=row["list_unsubscribe"],
            sending_paused=bool(row["sending_paused"]),
        )

    def mark_recipients(self, message_pk: UUID, status: str, reasons: Mapping[str, str]) -> None:
        self._conn.execute(
            "UPDATE message_recipients r SET status = %(status)s, status_reason = u.reason "
            "FROM unnest(%(addresses)s::text[], %(reasons)s::text[]) AS u(address, reason) "
            "WHERE r.message_id = %(pk)s AND lower(r.address) = u.address",
            {
                "pk": message_pk,
                "status": status,
                "addresses": [a.lower() for a in reasons],
                "reasons": list(reasons.values()),
            },
        )

    def hand_back(self, message_pk: UUID, at: datetime) -> None:
        self._conn.execute(
            "UPDATE messages SET status = 'pending', queued_at = %(at)s, updated_at = %(at)s "
            "WHERE id = %(pk)s AND status = 'sending'",
            {"pk": message_pk, "at": at},
        )

    def fail(
        self, message_pk: UUID, reason: str, *, sources: Sequence[DeliveryStatus]
    ) -> SentRecord | None:
        row = self._conn.execute(
            "UPDATE messages SET status = 'failed', status_reason = %(reason)s, "
            "  updated_at = now() WHERE id = %(pk)s AND status = ANY(%(sources)s) "
            "RETURNING organization_id, inbox_id, thread_id, actor",
            {"pk": message_pk, "reason": reason, "sources": [s.value for s in sources]},
        ).fetchone()
        return _record(row, newly=True)

    def record_sent(self, sent: SentConfirmation) -> SentRecord | None:
        [record] = self.record_sent_many([sent])()
        return record

    def record_built(self, message_pk: UUID, size_bytes: int, digests: Mapping[str, str]) -> None:
        self._conn.execute(
            "WITH sized AS (UPDATE messages SET size_bytes = %(size)s WHERE id = %(pk)s) "
            "UPDATE attachments a SET sha256 = d.sha "
            "FROM unnest(%(keys)s::text[], %(shas)s::text[]) AS d(key, sha) "
            "WHERE a.message_id = %(pk)s AND a.storage_key = d.key AND a.sha256 = ''",
            {
                "pk": message_pk,
                "size": size_bytes,
                "keys": list(digests),
                "shas": list(digests.values()),
            },
        )

    def record_sent_many(
        self, sent: Sequence[SentConfirmation]
    ) -> Callable[[], list[SentRecord | None]]:
        # A message is updated only from a state that may become Sent, and only while SES's
        # id is unknown (a message Failed with it is its recipients' summary, not a hand-off
        # never confirmed); a repeat finds it with the same SES id, and answers `newly`
        # False. Its recipients not left out as suppressed become Sent, and are counted in
        # the hour. One statement for them all, its answer read when asked for.
        if not sent:
            return list
        cursor = self._conn.execute(
            _RECORD_SENT,
            {
                "pks": [s.message_pk for s in sent],
                "ses": [s.ses_message_id for s in sent],
                "header_ids": [s.ses_header_id for s in sent],
                "at": [s.at for s in sent],
                "hours": [hour_of(s.at) for s in sent],
                "sources": _S.sources_of(_S.SENT),
            },
        )
        return lambda: _confirmed(sent, cursor.fetchall())

    def set_queued(self, message_pks: Sequence[UUID], at: datetime | None) -> None:
        self._conn.execute(
            "UPDATE messages SET queued_at = %s WHERE id = ANY(%s)", [at, list(message_pks)]
        )

    def cancel(self, message_pk: UUID, at: datetime) -> SentRecord | None:
        row = self._conn.execute(
            "UPDATE messages SET status = 'cancelled', queued_at = NULL, updated_at = %(at)s "
            "WHERE id = %(pk)s AND direction = 'outbound' AND status = ANY(%(sources)s) "
            "RETURNING organization_id, inbox_id, thread_id, actor",
            {"pk": message_pk, "at": at, "sources": _WAITING},
        ).fetchone()
        return _record(row, newly=True)

    def reschedule(
        self, message_pk: UUID, send_at: datetime | None, *, queued_at: datetime | None
    ) -> bool:
        # A queue message already on its way for the old time finds the message not due (or
        # sent) and is dropped; the dispatcher queues it again for the new time.
        return (
            self._conn.execute(
                "UPDATE messages SET send_at = %(send_at)s, queued_at = %(queued_at)s, "
                "  status = CASE WHEN %(send_at)s::timestamptz IS NULL THEN 'pending' "
                "    ELSE 'scheduled' END, updated_at = now() "
                "WHERE id = %(pk)s AND direction = 'outbound' AND status = ANY(%(sources)s)",
                {
                    "pk": message_pk,
                    "send_at": send_at,
                    "queued_at": queued_at,
                    "sources": _WAITING,
                },
            ).rowcount
            == 1
        )

    def due(self, at: datetime, *, horizon_seconds: int, limit: int) -> Sequence[DueMessage]:
        rows: list[dict[str, Any]] = self._conn.execute(
            "UPDATE messages m SET queued_at = %(at)s FROM ("
            # Written out, as the partial index messages_outbound_due is: a bound array would
            # keep the planner from using it.
            "  SELECT id FROM messages WHERE status IN ('pending', 'scheduled') "
            "  AND COALESCE(send_at, created_at) <= %(horizon)s "
            "  AND (queued_at IS NULL OR queued_at < %(requeue)s) AND deleted_at IS NULL "
            "  ORDER BY COALESCE(send_at, created_at) LIMIT %(limit)s "
            "  FOR UPDATE SKIP LOCKED) due "
            "WHERE m.id = due.id RETURNING m.organization_id, m.id, m.send_at",
            {
                "at": at,
                "horizon": at + timedelta(seconds=horizon_seconds),
                "requeue": at - _REQUEUE_AFTER,
                "limit": limit,
            },
        ).fetchall()
        return [
            DueMessage(
                r["organization_id"],
                r["id"],
                # Rounded up: a job that arrived before its time would be skipped, and wait
                # for the re-queue a quarter of an hour later.
                max(0, math.ceil((r["send_at"] - at).total_seconds())) if r["send_at"] else 0,
            )
            for r in rows
        ]

    def unconfirmed(self, before: datetime, limit: int) -> Sequence[tuple[UUID, UUID]]:
        rows = self._conn.execute(
            "SELECT organization_id, id FROM messages WHERE status = 'sending' "
            "AND handed_off_at < %s ORDER BY handed_off_at LIMIT %s",
            [before, limit],
        ).fetchall()
        return [(r["organization_id"], r["id"]) for r in rows]

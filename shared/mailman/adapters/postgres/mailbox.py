"""Reading threads and messages back, newest activity first, with keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.delivery_history import DeliveryEventView, DeliveryOverview
from mailman.domain.folders import SystemFolder
from mailman.domain.mailbox import (
    ANY_TIME,
    WAITING,
    DeliveryFilter,
    MessageListing,
    MessageView,
    ThreadSummary,
    TimeWindow,
)
from mailman.domain.mailbox_state import NO_FILTER, MailboxFilter
from mailman.domain.pagination import Cursor

_THREAD_COLUMNS: LiteralString = (
    "t.id, t.inbox_id, t.subject, t.message_count, t.unread_count, t.preview, "
    "t.last_message_at, t.created_at, "
    "ARRAY(SELECT p.address FROM thread_participants p WHERE p.thread_id = t.id "
    "      ORDER BY p.address) AS participants, "
    "ARRAY(SELECT f.facet FROM thread_facets f WHERE f.thread_id = t.id "
    "      AND (starts_with(f.facet, 'label:') OR starts_with(f.facet, 'in:') "
    "           OR f.facet = 'is:starred') ORDER BY f.facet) AS facets"
)
_READABLE: LiteralString = "erase_requested_at IS NULL AND (deleted_at IS NULL OR folder = 'trash')"
"""A message readable by id: live, or in trash (until it is erased)."""
_RECIPIENTS: LiteralString = (
    "(SELECT coalesce(json_agg(r ORDER BY r.position), '[]') FROM (SELECT kind, address, name, "
    "  status, status_reason, position, status_at, sent_at, delivered_at, bounced_at, "
    "  complained_at, rejected_at, failed_at, delayed_at, delay_type, delay_expires_at, "
    "  bounce_type, bounce_sub_type, smtp_status, diagnostic_code, complaint_feedback_type "
    "  FROM message_recipients WHERE message_id = messages.id) r) AS recipients"
)
"""A message's recipients with their delivery state, as JSON (`RecipientView`s)."""
_MESSAGE_COLUMNS: LiteralString = (
    "id, inbox_id, thread_id, message_id, direction, status, from_address, from_name, "
    'reply_to, subject, sent_at, received_at, in_reply_to, "references", text_body, '
    "html_body, extracted_text, preview, headers, raw_storage_key, match_reason, verdicts, "
    "quarantined, quarantine_reason, scan, defects, plus_tags, labels, folder, starred, is_read, "
    "size_bytes, created_at, "
    "status_reason, send_at, ses_message_id, metadata, list_unsubscribe, updated_at, "
    f"{_RECIPIENTS}, "
    "(SELECT coalesce(json_agg(a ORDER BY a.created_at, a.id), '[]') FROM (SELECT id, "
    "  filename, content_type, size_bytes, sha256, content_id, inline, storage_key, created_at "
    "  FROM attachments WHERE message_id = messages.id) a) AS attachments"
)
"""A message's columns, its recipients and attachments with it (JSON): one statement."""


def _delivery_match(wanted: DeliveryFilter | None) -> tuple[LiteralString, dict[str, object]]:
    """The condition (`AND ...`) a row of `messages` meets when `wanted` lists it
    (`DeliveryFilter.matches`), with its parameters; nothing when nothing is asked."""
    if wanted is None:
        return "", {}
    recipient: LiteralString = (
        "r.delayed_at IS NOT NULL AND (r.status IS NULL OR r.status = ANY(%(waiting)s))"
        if wanted is DeliveryFilter.DELAYED
        else "r.status = %(recipient_status)s"
    )
    condition: LiteralString = (
        " AND (messages.status = %(message_status)s OR EXISTS (SELECT 1 FROM message_recipients r "
        f"WHERE r.message_id = messages.id AND {recipient}))"
    )
    return condition, {
        "message_status": wanted.message_status,
        "recipient_status": wanted.recipient_status,
        "waiting": [w for w in WAITING if w is not None],
    }


def _thread_conditions(wanted: MailboxFilter, window: TimeWindow) -> LiteralString:
    """The conditions (`AND ...`) on a listed facet row `f` beyond its facet: the facets the
    thread must and must not carry, and the window on the facet's newest time."""
    found: LiteralString = ""
    if wanted.required():
        found += (
            " AND (SELECT count(*) FROM thread_facets g WHERE g.thread_id = f.thread_id "
            "AND g.facet = ANY (%(required)s::text[])) = cardinality(%(required)s::text[])"
        )
    if wanted.excluded():
        found += (
            " AND NOT EXISTS (SELECT 1 FROM thread_facets g WHERE g.thread_id = f.thread_id "
            "AND g.facet = ANY (%(excluded)s::text[]))"
        )
    if window.since is not None:
        found += " AND f.last_at >= %(since)s"
    if window.until is not None:
        found += " AND f.last_at < %(until)s"
    return found


def _where(listing: MessageListing) -> LiteralString:
    """Which messages a listing walks: a folder's (trash: its deleted ones; `starred`: the
    starred outside trash and spam), else the live ones outside spam, drafts or the rest.
    Written out, as the partial indexes (messages_inbox_folder, messages_inbox_drafts) are:
    a bound flag would keep the planner from using them."""
    folder = listing.filters.folder
    if folder == SystemFolder.TRASH:
        return "folder = 'trash' AND erase_requested_at IS NULL"
    if folder == SystemFolder.STARRED:
        return "deleted_at IS NULL AND starred AND folder NOT IN ('trash', 'spam')"
    if folder is not None:
        return "deleted_at IS NULL AND folder = %(folder)s"
    if listing.drafts:
        return "deleted_at IS NULL AND status = 'draft'"
    return "deleted_at IS NULL AND status IS DISTINCT FROM 'draft' AND folder <> 'spam'"


_LABEL_MATCH: dict[str, LiteralString] = {
    "unread": " AND NOT is_read",
    "starred": " AND starred",
    **{f.value: " AND folder = %(label)s" for f in SystemFolder if f != SystemFolder.STARRED},
}


def _flags(wanted: MailboxFilter) -> LiteralString:
    """A message listing's conditions for the filters beyond its folder."""
    found: LiteralString = ""
    if wanted.label is not None:
        found += _LABEL_MATCH.get(wanted.label, " AND %(label)s = ANY (labels)")
    if wanted.unread is not None:
        found += " AND is_read <> %(unread)s"
    if wanted.starred is not None:
        found += " AND starred = %(starred)s"
    if wanted.has_attachment is not None:
        found += " AND (attachment_count > 0) = %(has_attachment)s"
    if wanted.direction is not None:
        found += " AND direction = %(direction)s"
    if wanted.from_address is not None:
        found += " AND lower(from_address) = %(from)s"
    return found


class PostgresMailboxReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def threads(
        self,
        inbox_id: UUID,
        limit: int,
        after: Cursor | None,
        *,
        delivery_status: DeliveryFilter | None = None,
        filters: MailboxFilter | None = None,
        window: TimeWindow | None = None,
    ) -> Sequence[ThreadSummary]:
        """One facet's rows of `thread_facets` in index order (`thread_facets_listing`), the
        other filters checked on each thread's own rows. A deleted thread (trashed whole) is
        listed in trash only."""
        wanted = filters or NO_FILTER
        match, params = _delivery_match(delivery_status)
        conditions = _thread_conditions(wanted, window or ANY_TIME)
        # Only when there is a cursor: an index condition then, where a bound NULL would not be.
        keyset: LiteralString = (
            " AND (f.last_at, f.thread_id) < (%(at)s, %(id)s)" if after is not None else ""
        )
        if match:
            conditions += (
                " AND EXISTS (SELECT 1 FROM messages WHERE messages.thread_id = t.id "
                f"AND messages.deleted_at IS NULL{match})"
            )
        rows = self._conn.execute(
            f"SELECT {_THREAD_COLUMNS}, f.last_at AS listed_at FROM thread_facets f "
            "JOIN threads t ON t.id = f.thread_id "
            "WHERE f.inbox_id = %(inbox)s AND f.facet = %(facet)s "
            "AND (t.deleted_at IS NULL OR f.facet = 'in:trash') "
            f"AND t.merged_into_id IS NULL{conditions}{keyset} "
            "ORDER BY f.last_at DESC, f.thread_id DESC LIMIT %(limit)s",
            {
                "inbox": inbox_id,
                "facet": wanted.driving_facet(),
                "required": list(wanted.required()),
                "excluded": list(wanted.excluded()),
                "since": (window or ANY_TIME).since,
                "until": (window or ANY_TIME).until,
                "at": after.created_at if after else None,
                "id": after.id if after else None,
                "limit": limit,
                **params,
            },
        ).fetchall()
        return [ThreadSummary.model_validate(r) for r in rows]

    def thread(self, thread_id: UUID) -> ThreadSummary | None:
        """A thread by id, one wholly in trash too (one left with no message is gone); an id
        merged into another answers the thread it became."""
        row = self._conn.execute(
            f"WITH RECURSIVE chain(id, depth) AS ("
            "  SELECT %s::uuid, 0 UNION ALL "
            "  SELECT t.merged_into_id, c.depth + 1 FROM threads t JOIN chain c ON t.id = c.id "
            "  WHERE t.merged_into_id IS NOT NULL AND c.depth < 32) "
            f"SELECT {_THREAD_COLUMNS} FROM threads t "
            "WHERE t.id = (SELECT id FROM chain ORDER BY depth DESC LIMIT 1) "
            "AND (t.deleted_at IS NULL OR t.message_count > 0)",
            [thread_id],
        ).fetchone()
        return ThreadSummary.model_validate(row) if row else None

    def thread_messages(self, thread_id: UUID) -> Sequence[MessageView]:
        """Its messages outside trash; all of them when every one is in trash (but those
        being erased)."""
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE thread_id = %(thread)s "
            "AND erase_requested_at IS NULL AND (deleted_at IS NULL "
            "  OR NOT EXISTS (SELECT 1 FROM messages l WHERE l.thread_id = %(thread)s "
            "    AND l.deleted_at IS NULL)) "
            "ORDER BY COALESCE(received_at, sent_at, created_at), created_at, id",
            {"thread": thread_id},
        ).fetchall()
        return [MessageView.model_validate(r) for r in rows]

    def message(self, message_id: UUID) -> MessageView | None:
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = %s AND {_READABLE}",
            [message_id],
        ).fetchall()
        return MessageView.model_validate(rows[0]) if rows else None

    def messages(self, listing: MessageListing) -> Sequence[MessageView]:
        match, params = _delivery_match(listing.delivery_status)
        window = listing.window
        since: LiteralString = " AND created_at >= %(since)s" if window.since else ""
        until: LiteralString = " AND created_at < %(until)s" if window.until else ""
        wanted = listing.filters
        after = listing.after
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE inbox_id = %(inbox)s "
            f"AND quarantined = %(quarantined)s AND {_where(listing)}{_flags(wanted)}"
            f"{match}{since}{until} "
            "AND (%(at)s::timestamptz IS NULL OR (created_at, id) < (%(at)s, %(id)s)) "
            "ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
            {
                "inbox": listing.inbox_id,
                "quarantined": listing.quarantined,
                "at": after.created_at if after else None,
                "id": after.id if after else None,
                "limit": listing.limit,
                "since": window.since,
                "until": window.until,
                "folder": wanted.folder,
                "label": wanted.label,
                "unread": wanted.unread,
                "starred": wanted.starred,
                "has_attachment": wanted.has_attachment,
                "direction": wanted.direction.value if wanted.direction else None,
                "from": wanted.from_address.lower() if wanted.from_address else None,
                **params,
            },
        ).fetchall()
        return [MessageView.model_validate(r) for r in rows]

    def delivery(self, message_id: UUID) -> DeliveryOverview | None:
        row = self._conn.execute(
            f"SELECT id, direction, status, {_RECIPIENTS} FROM messages WHERE id = %s",
            [message_id],
        ).fetchone()
        return DeliveryOverview.model_validate(row) if row else None

    def delivery_events(
        self, message_id: UUID, limit: int, after: Cursor | None
    ) -> Sequence[DeliveryEventView]:
        rows = self._conn.execute(
            "SELECT id, message_id, event_type AS type, recipient, occurred_at, details, "
            "ses_message_id, created_at FROM delivery_events WHERE message_id = %(message)s "
            "AND (%(at)s::timestamptz IS NULL OR (occurred_at, id) > (%(at)s, %(id)s)) "
            "ORDER BY occurred_at, id LIMIT %(limit)s",
            {
                "message": message_id,
                "at": after.created_at if after else None,
                "id": after.id if after else None,
                "limit": limit,
            },
        ).fetchall()
        return [DeliveryEventView.model_validate(r) for r in rows]

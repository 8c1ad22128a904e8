"""`InMemoryMailboxReader`: threads and messages read back as the API shows them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import MessageRow, ScopedRepository, ThreadRow
from mailman.domain.mailbox import (
    MessageListing,
    MessageView,
    RecipientView,
    ThreadSummary,
)
from mailman.domain.messages import NewRecipient
from mailman.domain.models import DeliveryStatus
from mailman.domain.pagination import Cursor

_MERGES_FOLLOWED = 32


class InMemoryMailboxReader(ScopedRepository):
    def threads(self, inbox_id: UUID, limit: int, after: Cursor | None) -> Sequence[ThreadSummary]:
        listed = [
            (t.last_message_at, t.id, t)
            for t in self._tables.threads.values()
            if t.inbox_id == inbox_id
            and self._scope.sees(t.organization_id)
            and t.deleted_at is None
            and t.merged_into is None
            and t.last_message_at is not None
        ]
        listed.sort(key=lambda entry: entry[:2], reverse=True)
        if after is not None:
            listed = [e for e in listed if e[:2] < (after.created_at, after.id)]
        return [self._summary(t) for _, _, t in listed[:limit]]

    def thread(self, thread_id: UUID) -> ThreadSummary | None:
        """A thread by id; an id merged into another answers the thread it became."""
        found = self._tables.threads.get(thread_id)
        for _ in range(_MERGES_FOLLOWED):
            if found is None or found.merged_into is None:
                break
            found = self._tables.threads.get(found.merged_into)
        if found is None or found.deleted_at is not None:
            return None
        return self._summary(found) if self._scope.sees(found.organization_id) else None

    def _summary(self, thread: ThreadRow) -> ThreadSummary:
        participants = self._tables.thread_index.participants(thread.inbox_id, thread.id)
        return ThreadSummary(
            id=thread.id,
            inbox_id=thread.inbox_id,
            subject=thread.subject,
            participants=tuple(sorted(participants)),
            message_count=thread.message_count,
            unread_count=thread.unread_count,
            preview=thread.preview,
            last_message_at=thread.last_message_at,
            created_at=thread.created_at,
        )

    def _live(self) -> list[MessageRow]:
        return [
            r
            for r in self._tables.messages.values()
            if r.deleted_at is None and self._scope.sees(r.organization_id)
        ]

    def thread_messages(self, thread_id: UUID) -> Sequence[MessageView]:
        rows = [r for r in self._live() if r.message.thread_id == thread_id]
        rows.sort(
            key=lambda r: (
                r.message.received_at or r.message.sent_at or r.created_at,
                r.created_at,
                r.id,
            )
        )
        return [message_view(r) for r in rows]

    def message(self, message_id: UUID) -> MessageView | None:
        found = self._tables.messages.get(message_id)
        if found is None or found.deleted_at is not None:
            return None
        return message_view(found) if self._scope.sees(found.organization_id) else None

    def messages(self, listing: MessageListing) -> Sequence[MessageView]:
        rows = [
            r
            for r in self._live()
            if r.message.inbox_id == listing.inbox_id
            and (r.message.quarantine_reason is not None) == listing.quarantined
            and (r.message.status == DeliveryStatus.DRAFT) == listing.drafts
        ]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        after = listing.after
        if after is not None:
            rows = [r for r in rows if (r.created_at, r.id) < (after.created_at, after.id)]
        return [message_view(r) for r in rows[: listing.limit]]

    def soft_delete_thread(self, thread_id: UUID, at: datetime) -> bool:
        found = self._tables.threads.get(thread_id)
        if (
            found is None
            or found.deleted_at is not None
            or found.merged_into is not None
            or not self._scope.sees(found.organization_id)
        ):
            return False
        found.deleted_at = at
        return True


def message_view(row: MessageRow) -> MessageView:
    """The row as the API reads it, with its recipients and attachments."""
    m = row.message
    return MessageView(
        id=row.id,
        inbox_id=m.inbox_id,
        thread_id=m.thread_id,
        message_id=m.message_id,
        direction=m.direction.value,
        status=m.status.value if m.status else None,
        status_reason=row.status_reason,
        send_at=m.send_at,
        ses_message_id=row.ses_message_id,
        metadata=m.metadata,
        list_unsubscribe=m.list_unsubscribe,
        from_address=m.from_address,
        from_name=m.from_name,
        reply_to=m.reply_to,
        subject=m.subject,
        sent_at=m.sent_at,
        received_at=m.received_at,
        in_reply_to=m.in_reply_to,
        references=m.references,
        text_body=m.text_body,
        html_body=m.html_body,
        extracted_text=m.extracted_text,
        preview=m.preview,
        headers=tuple({"name": n, "value": v} for n, v in m.headers),
        raw_storage_key=m.raw_storage_key,
        match_reason=m.match_reason.value,
        verdicts=m.verdicts,
        quarantined=m.quarantine_reason is not None,
        quarantine_reason=m.quarantine_reason,
        defects=m.defects,
        plus_tags=m.plus_tags,
        labels=m.labels,
        is_read=row.is_read,
        size_bytes=m.size_bytes,
        recipients=tuple(_recipient(row, r) for r in m.recipients),
        attachments=tuple(
            a.model_copy(update={"id": uuid.uuid5(a.id, str(m.inbox_id))}) for a in m.attachments
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _recipient(row: MessageRow, recipient: NewRecipient) -> RecipientView:
    status, reason = row.recipient_states.get(recipient.address.lower(), (None, None))
    return RecipientView(
        kind=recipient.kind,
        address=recipient.address,
        name=recipient.name,
        status=status,
        status_reason=reason,
    )

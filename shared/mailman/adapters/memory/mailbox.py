"""`InMemoryMailboxReader`: threads and messages read back as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import (
    DeliveryEventRow,
    MessageRow,
    ScopedRepository,
    ThreadRow,
)
from mailman.domain.delivery_history import DeliveryEventView, DeliveryOverview
from mailman.domain.folders import (
    HIDDEN_FOLDERS,
    FacetSource,
    SystemFolder,
    SystemLabel,
    facets_of,
)
from mailman.domain.mailbox import (
    ANY_TIME,
    DeliveryFilter,
    MessageListing,
    MessageView,
    RecipientDelivery,
    RecipientView,
    ThreadSummary,
    TimeWindow,
)
from mailman.domain.mailbox_state import NO_FILTER, MailboxFilter
from mailman.domain.messages import written_view
from mailman.domain.models import DeliveryStatus
from mailman.domain.pagination import Cursor

_MERGES_FOLLOWED = 32


class InMemoryMailboxReader(ScopedRepository):
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
        wanted = filters or NO_FILTER
        matching = None
        if delivery_status is not None:
            matching = {r.message.thread_id for r in self._live() if _matches(r, delivery_status)}
        listed = []
        for thread_id, kept in self._thread_facets(inbox_id).items():
            thread = self._tables.threads[thread_id]
            at = kept.get(wanted.driving_facet())
            if (
                at is None
                or (thread.deleted_at is not None and wanted.folder != SystemFolder.TRASH)
                or thread.merged_into is not None
                or not (window or ANY_TIME).holds(at)
                or not set(wanted.required()) <= kept.keys()
                or set(wanted.excluded()) & kept.keys()
                or (matching is not None and thread_id not in matching)
            ):
                continue
            listed.append((at, thread_id, thread))
        listed.sort(key=lambda entry: entry[:2], reverse=True)
        if after is not None:
            listed = [e for e in listed if e[:2] < (after.created_at, after.id)]
        return [self._summary(t, at) for at, _, t in listed[:limit]]

    def _thread_facets(self, inbox_id: UUID) -> dict[UUID, dict[str, datetime]]:
        """Each thread's facets with the newest time of each (`thread_facets`): of every
        message, trashed ones too, as the trigger keeps them."""
        found: dict[UUID, dict[str, datetime]] = {}
        for row in self._tables.messages.values():
            m = row.message
            if m.inbox_id != inbox_id or m.thread_id is None or not self._visible(row):
                continue
            at = m.received_at or m.sent_at or row.created_at
            kept = found.setdefault(m.thread_id, {})
            for facet in facets(row):
                kept[facet] = max(at, kept.get(facet, at))
        return found

    def thread(self, thread_id: UUID) -> ThreadSummary | None:
        """A thread by id, one wholly in trash too (one left with no message is gone); an id
        merged into another answers the thread it became."""
        found = self._tables.threads.get(thread_id)
        for _ in range(_MERGES_FOLLOWED):
            if found is None or found.merged_into is None:
                break
            found = self._tables.threads.get(found.merged_into)
        if found is None or (found.deleted_at is not None and found.message_count == 0):
            return None
        return self._summary(found) if self._visible(found) else None

    def _visible(self, row: ThreadRow | MessageRow) -> bool:
        """Of the organisation and, for a bound caller, of its inboxes."""
        inbox_id = row.inbox_id if isinstance(row, ThreadRow) else row.message.inbox_id
        return self._scope.sees(row.organization_id) and self._scope.reaches(inbox_id)

    def _summary(self, thread: ThreadRow, listed_at: datetime | None = None) -> ThreadSummary:
        participants = self._tables.thread_index.participants(thread.inbox_id, thread.id)
        kept = self._thread_facets(thread.inbox_id).get(thread.id, {})
        return ThreadSummary(
            id=thread.id,
            inbox_id=thread.inbox_id,
            subject=thread.subject,
            participants=tuple(sorted(participants)),
            message_count=thread.message_count,
            unread_count=sum(
                "is:unread" in facets(r) for r in self._live() if r.message.thread_id == thread.id
            ),
            preview=thread.preview,
            last_message_at=thread.last_message_at,
            created_at=thread.created_at,
            facets=tuple(sorted(f for f in kept if _shown(f))),
            listed_at=listed_at,
        )

    def _live(self) -> list[MessageRow]:
        return [
            r for r in self._tables.messages.values() if r.deleted_at is None and self._visible(r)
        ]

    def thread_messages(self, thread_id: UUID) -> Sequence[MessageView]:
        """Its messages outside trash; all of them when every one is in trash (but those
        being erased)."""
        every = [
            r
            for r in self._tables.messages.values()
            if r.message.thread_id == thread_id
            and self._visible(r)
            and r.erase_requested_at is None
        ]
        rows = [r for r in every if r.deleted_at is None] or every
        rows.sort(
            key=lambda r: (
                r.message.received_at or r.message.sent_at or r.created_at,
                r.created_at,
                r.id,
            )
        )
        return [message_view(r) for r in rows]

    def message(self, message_id: UUID) -> MessageView | None:
        """A live message, or one in trash."""
        found = self._tables.messages.get(message_id)
        if found is None or not _readable(found):
            return None
        return message_view(found) if self._visible(found) else None

    def messages(self, listing: MessageListing) -> Sequence[MessageView]:
        rows = [
            r
            for r in self._tables.messages.values()
            if r.message.inbox_id == listing.inbox_id
            and self._visible(r)
            and _walked(r, listing)
            and (r.message.quarantine_reason is not None) == listing.quarantined
            and listing.window.holds(r.created_at)
            and _flags_hold(r, listing.filters)
            and (listing.delivery_status is None or _matches(r, listing.delivery_status))
        ]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        after = listing.after
        if after is not None:
            rows = [r for r in rows if (r.created_at, r.id) < (after.created_at, after.id)]
        return [message_view(r) for r in rows[: listing.limit]]

    def delivery(self, message_id: UUID) -> DeliveryOverview | None:
        found = self.message(message_id)
        if found is None:
            return None
        return DeliveryOverview(
            id=found.id, direction=found.direction, status=found.status, recipients=found.recipients
        )

    def delivery_events(
        self, message_id: UUID, limit: int, after: Cursor | None
    ) -> Sequence[DeliveryEventView]:
        rows = sorted(
            (
                r
                for r in self._tables.delivery_events.values()
                if r.message_pk == message_id and self._scope.sees(r.organization_id)
            ),
            key=lambda r: (r.occurred_at, r.id),
        )
        if after is not None:
            rows = [r for r in rows if (r.occurred_at, r.id) > (after.created_at, after.id)]
        return [_event_view(r) for r in rows[:limit]]


def facets(row: MessageRow) -> frozenset[str]:
    """The facets the row is listed and counted under (`facets_of`): none, as for
    quarantined mail, once it is marked for erasure (migration 0023)."""
    m = row.message
    return facets_of(
        FacetSource(
            folder=m.folder,
            quarantined=m.quarantine_reason is not None or row.erase_requested_at is not None,
            is_read=row.is_read,
            starred=row.starred,
            labels=m.labels,
            attachment_count=m.attachment_count,
            direction=m.direction.value,
            from_address=m.from_address,
        )
    )


def message_view(row: MessageRow) -> MessageView:
    """The row as the API reads it, with its recipients and attachments."""
    view = written_view(replace(row.message, id=row.id, created_at=row.created_at))
    return view.model_copy(
        update={
            "status_reason": row.status_reason,
            "ses_message_id": row.ses_message_id,
            "is_read": row.is_read,
            "starred": row.starred,
            "recipients": tuple(_recipient(row, r) for r in view.recipients),
            "updated_at": row.updated_at,
        }
    )


def _recipient(row: MessageRow, recipient: RecipientView) -> RecipientView:
    address = recipient.address.lower()
    status, reason = row.recipient_states.get(address, (None, None))
    delivery = row.tracks.get(address)
    reported = (
        dict(RecipientDelivery.model_validate(delivery, from_attributes=True))
        if delivery is not None
        else {}
    )
    return recipient.model_copy(update={**reported, "status": status, "status_reason": reason})


def _event_view(row: DeliveryEventRow) -> DeliveryEventView:
    return DeliveryEventView(
        id=row.id,
        message_id=row.message_pk,
        type=row.event_type,
        recipient=row.recipient,
        occurred_at=row.occurred_at,
        details=row.details,
        ses_message_id=row.ses_message_id,
        created_at=row.created_at,
    )


def _matches(row: MessageRow, wanted: DeliveryFilter) -> bool:
    status = row.message.status.value if row.message.status else None
    return wanted.matches(status, message_view(row).recipients)


def _readable(row: MessageRow) -> bool:
    """Live, or in trash until it is erased."""
    return row.erase_requested_at is None and (
        row.deleted_at is None or row.message.folder == SystemFolder.TRASH
    )


def _shown(facet: str) -> bool:
    """The facets a thread summary shows: labels, folders and the star."""
    return facet.startswith(("label:", "in:")) or facet == "is:starred"


def _walked(row: MessageRow, listing: MessageListing) -> bool:
    """Whether the row is among those a message listing walks (`PostgresMailboxReader`'s
    `_where`)."""
    folder = listing.filters.folder
    m = row.message
    if folder == SystemFolder.TRASH:
        return m.folder == folder
    if row.deleted_at is not None:
        return False
    if folder == SystemFolder.STARRED:
        return row.starred and m.folder not in HIDDEN_FOLDERS
    if folder is not None:
        return m.folder == folder
    return (m.status == DeliveryStatus.DRAFT) == listing.drafts and m.folder != SystemFolder.SPAM


def _label_holds(row: MessageRow, label: str) -> bool:
    if label == SystemLabel.UNREAD:
        return not row.is_read
    if label == SystemLabel.STARRED:
        return row.starred
    if label in set(SystemFolder):
        return row.message.folder == label
    return label in row.message.labels


def _flags_hold(row: MessageRow, wanted: MailboxFilter) -> bool:
    m = row.message
    sender = m.from_address.lower()
    return (
        (wanted.label is None or _label_holds(row, wanted.label))
        and (wanted.unread is None or row.is_read != wanted.unread)
        and (wanted.starred is None or row.starred == wanted.starred)
        and (wanted.has_attachment is None or (m.attachment_count > 0) == wanted.has_attachment)
        and (wanted.direction is None or m.direction.value == wanted.direction)
        and (wanted.from_address is None or sender == wanted.from_address.lower())
    )

"""Threads and messages as the API reads them back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.delivery import RecipientStatus
from mailman.domain.errors import ValidationError
from mailman.domain.mailbox_state import NO_FILTER, MailboxFilter
from mailman.domain.models import DeliveryStatus
from mailman.domain.pagination import Cursor
from mailman.domain.scanning import ScanReport


class DeliveryFilter(StrEnum):
    """What `?delivery_status=` asks of a listing. A message matches when its own status is
    the value, or any of its recipients' is (a partially delivered message with a bounced
    recipient is listed under `bounced` and under `delivered`); a thread matches when any of
    its messages does. `delayed` is a note, not a status: a recipient SES reported delayed
    that has no outcome yet. `partially_delivered` is a message's status only, `suppressed`
    a recipient's only."""

    SENT = "sent"
    DELIVERED = "delivered"
    PARTIALLY_DELIVERED = "partially_delivered"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    REJECTED = "rejected"
    FAILED = "failed"
    DELAYED = "delayed"
    SUPPRESSED = "suppressed"

    @property
    def message_status(self) -> DeliveryStatus | None:
        """The message status that matches, if a message's own status can."""
        return _MESSAGE_MATCH.get(self)

    @property
    def recipient_status(self) -> RecipientStatus | None:
        """The recipient status that matches, if a recipient's status can."""
        return _RECIPIENT_MATCH.get(self)

    def matches(self, status: str | None, recipients: Iterable[RecipientView]) -> bool:
        """Whether a message of `status` with `recipients` is listed under this value."""
        if status is not None and status == self.message_status:
            return True
        return any(self.matches_recipient(r.status, r.delayed_at) for r in recipients)

    def matches_recipient(self, status: str | None, delayed_at: datetime | None) -> bool:
        if self is DeliveryFilter.DELAYED:
            return delayed_at is not None and status in WAITING
        return status is not None and status == self.recipient_status


WAITING = (None, RecipientStatus.PENDING.value, RecipientStatus.SENT.value)
"""A recipient's status while SES has not said how it ended (None: not yet sent)."""

_F = DeliveryFilter
_MESSAGE_MATCH = {
    _F.SENT: DeliveryStatus.SENT,
    _F.DELIVERED: DeliveryStatus.DELIVERED,
    _F.PARTIALLY_DELIVERED: DeliveryStatus.PARTIALLY_DELIVERED,
    _F.BOUNCED: DeliveryStatus.BOUNCED,
    _F.COMPLAINED: DeliveryStatus.COMPLAINED,
    _F.REJECTED: DeliveryStatus.REJECTED,
    _F.FAILED: DeliveryStatus.FAILED,
}
_RECIPIENT_MATCH = {
    _F.SENT: RecipientStatus.SENT,
    _F.DELIVERED: RecipientStatus.DELIVERED,
    _F.BOUNCED: RecipientStatus.BOUNCED,
    _F.COMPLAINED: RecipientStatus.COMPLAINED,
    _F.REJECTED: RecipientStatus.REJECTED,
    _F.FAILED: RecipientStatus.FAILED,
    _F.SUPPRESSED: RecipientStatus.SUPPRESSED,
}


@dataclass(frozen=True)
class TimeWindow:
    """Messages created from `since` (inclusive) to `until` (exclusive), either end open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> TimeWindow:
        """The window asked for; a time without an offset is UTC, and an empty window (`until`
        not after `since`) is a mistake, refused."""
        window = cls(_aware(since), _aware(until))
        if window.since is not None and window.until is not None and window.until <= window.since:
            raise ValidationError("until must be later than since", field="until")
        return window

    def holds(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)


ANY_TIME = TimeWindow()


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


@dataclass(frozen=True)
class MessageListing:
    """A page of an inbox's messages, newest first (`MailboxReader.messages`): its drafts
    only, or everything else, narrowed by delivery status and creation time."""

    inbox_id: UUID
    quarantined: bool
    limit: int
    after: Cursor | None
    drafts: bool = False
    delivery_status: DeliveryFilter | None = None
    window: TimeWindow = ANY_TIME
    filters: MailboxFilter = NO_FILTER


class View(BaseModel):
    """Each view's validator is built when first used: a function builds those its requests
    read, not all of them at import."""

    model_config = ConfigDict(frozen=True, defer_build=True)


class ThreadSummary(View):
    id: UUID
    inbox_id: UUID
    subject: str | None
    participants: tuple[str, ...]
    message_count: int
    unread_count: int
    preview: str | None
    last_message_at: datetime | None
    created_at: datetime
    facets: tuple[str, ...] = ()
    """The facets of its messages (`thread_facets`): its labels, stars and folders."""
    listed_at: datetime | None = None
    """The newest time of the facet a listing walked (`last_message_at` outside one)."""

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels of any of its messages outside trash and spam."""
        return tuple(sorted(f[6:] for f in self.facets if f.startswith("label:")))

    @property
    def starred(self) -> bool:
        return "is:starred" in self.facets

    @property
    def folders(self) -> tuple[str, ...]:
        """The folders its messages are in (system folders' names, custom folders' ids)."""
        return tuple(sorted(f.removeprefix("in:") for f in self.facets if f.startswith("in:")))

    @property
    def position(self) -> datetime | None:
        """The time a listing of it is ordered by."""
        return self.listed_at or self.last_message_at


class Attachment(View):
    id: UUID
    filename: str | None
    content_type: str
    size_bytes: int
    sha256: str
    content_id: str | None
    inline: bool
    storage_key: str


@dataclass(frozen=True)
class Bounce:
    type: str | None
    sub_type: str | None
    smtp_status: str | None
    diagnostic_code: str | None


@dataclass(frozen=True)
class Complaint:
    feedback_type: str | None


@dataclass(frozen=True)
class Delay:
    type: str | None
    delayed_at: datetime
    expires_at: datetime | None


class RecipientDelivery(View):
    """What SES reported of one recipient of a sent message (`message_recipients`' delivery
    columns): when its status was decided, the first time of each outcome, what the bounce
    or complaint said, and the latest delay."""

    status_at: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    complained_at: datetime | None = None
    rejected_at: datetime | None = None
    failed_at: datetime | None = None
    delayed_at: datetime | None = None
    delay_type: str | None = None
    delay_expires_at: datetime | None = None
    bounce_type: str | None = None
    bounce_sub_type: str | None = None
    smtp_status: str | None = None
    diagnostic_code: str | None = None
    complaint_feedback_type: str | None = None

    @property
    def bounce(self) -> Bounce | None:
        """What the bounce said, once the recipient bounced (it stays after a complaint)."""
        if self.bounced_at is None and self.bounce_type is None:
            return None
        return Bounce(
            self.bounce_type, self.bounce_sub_type, self.smtp_status, self.diagnostic_code
        )

    @property
    def complaint(self) -> Complaint | None:
        if self.complained_at is None and self.complaint_feedback_type is None:
            return None
        return Complaint(self.complaint_feedback_type)

    @property
    def delay(self) -> Delay | None:
        """The latest delay SES reported, kept beside whatever outcome followed it."""
        if self.delayed_at is None:
            return None
        return Delay(self.delay_type, self.delayed_at, self.delay_expires_at)


class RecipientView(RecipientDelivery):
    kind: str
    address: str
    name: str | None
    status: str | None = None
    """Outgoing mail's recipients: pending, sent, delivered, bounced, complained, rejected,
    failed or suppressed (`RecipientStatus`); None for mail received."""
    status_reason: str | None = None


class ScanView(View):
    """What our virus scanner said of a received message (`mailman.domain.scanning`)."""

    verdict: str
    engine: str | None = None
    signature: str | None = None
    unscanned: tuple[str, ...] = ()

    @classmethod
    def of(cls, report: ScanReport | None) -> ScanView | None:
        return None if report is None else cls.model_validate(report.as_json())


class MessageView(View):
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str
    direction: str
    status: str | None
    status_reason: str | None = None
    send_at: datetime | None = None
    ses_message_id: str | None = None
    metadata: dict[str, Any] = {}
    list_unsubscribe: str | None = None
    from_address: str
    from_name: str | None
    reply_to: tuple[str, ...]
    subject: str | None
    sent_at: datetime | None
    received_at: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    text_body: str | None
    html_body: str | None
    extracted_text: str | None
    preview: str | None
    headers: tuple[dict[str, str], ...]
    raw_storage_key: str | None
    match_reason: str
    verdicts: dict[str, Any]
    quarantined: bool
    quarantine_reason: str | None
    scan: ScanView | None = None
    """What our scanner said of mail received; None for mail sent and mail received before
    scanning."""
    defects: tuple[str, ...]
    plus_tags: tuple[str, ...]
    labels: tuple[str, ...]
    folder: str = "inbox"
    """A system folder's name, or a custom folder's id."""
    starred: bool = False
    is_read: bool
    size_bytes: int | None
    recipients: tuple[RecipientView, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    created_at: datetime
    updated_at: datetime


class ThreadView(View):
    thread: ThreadSummary
    messages: tuple[MessageView, ...]

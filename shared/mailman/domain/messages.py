"""Messages as receiving stores them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from mailman.domain.models import DeliveryStatus, Direction, MatchReason


@dataclass(frozen=True)
class NewAttachment:
    id: UUID
    filename: str | None
    content_type: str
    size_bytes: int
    sha256: str
    content_id: str | None
    inline: bool
    storage_key: str


@dataclass(frozen=True)
class NewRecipient:
    kind: str
    """to, cc, bcc or envelope"""
    address: str
    name: str | None = None


@dataclass(frozen=True)
class NewMessage:
    organization_id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str
    message_id_generated: bool
    content_sha256: str
    direction: Direction
    source: str
    source_id: str
    from_address: str
    from_name: str | None
    subject: str | None
    sent_at: datetime | None
    received_at: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    text_body: str | None
    html_body: str | None
    extracted_text: str | None
    preview: str | None
    headers: list[tuple[str, str]]
    raw_storage_key: str | None
    size_bytes: int
    match_reason: MatchReason
    verdicts: dict[str, Any] = field(default_factory=dict)
    quarantine_reason: str | None = None
    defects: tuple[str, ...] = ()
    plus_tags: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    recipients: tuple[NewRecipient, ...] = ()
    attachments: tuple[NewAttachment, ...] = ()
    status: DeliveryStatus | None = None
    """Outgoing mail's state; None for mail received."""
    send_at: datetime | None = None
    queued_at: datetime | None = None
    """When its id was put on the outbound queue (set as it is stored, for mail due now)."""
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    list_unsubscribe: str | None = None
    id: UUID | None = None
    """The row's id when the caller chose it; else one is made."""


@dataclass(frozen=True)
class StoredMessage:
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    quarantined: bool
    created: bool
    """False when the message was stored already (a redelivery)."""


@dataclass(frozen=True)
class OutgoingFile:
    """An attachment of outgoing mail, where its bytes wait."""

    filename: str | None
    content_type: str
    content_id: str | None
    storage_key: str


@dataclass(frozen=True)
class OutgoingMail:
    """An outgoing message as stored, claimed for the hand-off to the mail service."""

    id: UUID
    organization_id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str
    from_address: str
    from_name: str | None
    reply_to: tuple[str, ...]
    subject: str | None
    text_body: str | None
    html_body: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    recipients: tuple[NewRecipient, ...]
    attachments: tuple[OutgoingFile, ...]
    created_at: datetime
    raw_storage_key: str | None
    list_unsubscribe: str | None = None


@dataclass(frozen=True)
class SentRecord:
    """What a state move answers: where the message lives, for its event."""

    organization_id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    newly: bool
    """False when the hand-off was recorded already (the other of the function and SES's
    Send event got there first)."""


@dataclass(frozen=True)
class DueMessage:
    """Outgoing mail the dispatcher queues, with how long the queue should hold it."""

    organization_id: UUID
    id: UUID
    delay_seconds: int


@dataclass(frozen=True)
class Upload:
    id: UUID
    filename: str
    content_type: str
    storage_key: str
    expires_at: datetime


@dataclass(frozen=True)
class ThreadEntry:
    """One more message in a thread's listing (`MessageRepository.note_in_thread`)."""

    thread_id: UUID
    message_pk: UUID
    at: datetime
    preview: str | None
    subject: str | None
    unread: bool


@dataclass(frozen=True)
class SentConfirmation:
    """The mail service took a message (`Outbox.record_sent`)."""

    message_pk: UUID
    ses_message_id: str
    """The service's id for the mail."""
    ses_header_id: str
    """The Message-ID the service gives the mail in its header (`<ses-id@region.amazonses.com>`)."""
    at: datetime

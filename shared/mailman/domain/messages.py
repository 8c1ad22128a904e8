"""Messages as they are stored: received, sent, drafts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from mailman.domain.addresses import Mailbox
from mailman.domain.folders import SystemFolder, initial_folder
from mailman.domain.inbound import InboundMail, sent_raw_key
from mailman.domain.mailbox import Attachment, MessageView, RecipientView, ScanView
from mailman.domain.models import DeliveryStatus, Direction, Inbox, MatchReason
from mailman.domain.routing import Destination
from mailman.domain.scanning import ScanReport

if TYPE_CHECKING:
    from mailman.domain.outbound import Outgoing


@dataclass(frozen=True)
class NewRecipient:
    kind: str
    """to, cc, bcc or envelope"""
    address: str
    name: str | None = None
    status: str | None = None
    """As stored: `suppressed` for one a send left out (`claim` reads it); None when new."""


class ReceivedContent(Protocol):
    """What a received message's row takes of the parsed mail (`mailman.mime.ParsedMail`)."""

    @property
    def message_id(self) -> str: ...
    @property
    def message_id_generated(self) -> bool: ...
    @property
    def in_reply_to(self) -> str | None: ...
    @property
    def references(self) -> tuple[str, ...]: ...
    @property
    def subject(self) -> str: ...
    @property
    def from_(self) -> Mailbox | None: ...
    @property
    def to(self) -> tuple[Mailbox, ...]: ...
    @property
    def cc(self) -> tuple[Mailbox, ...]: ...
    @property
    def reply_to(self) -> tuple[Mailbox, ...]: ...
    @property
    def date(self) -> datetime | None: ...
    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str | None: ...
    @property
    def extracted_text(self) -> str: ...
    @property
    def preview(self) -> str: ...
    @property
    def defects(self) -> tuple[str, ...]: ...
    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class Stored:
    """Where a received message's content went: its hash, its raw form's key, and its
    attachments (none when it is quarantined, for `quarantine_reason`)."""

    content_sha256: str
    raw_storage_key: str
    quarantine_reason: str | None
    attachments: tuple[Attachment, ...]
    scan: ScanReport | None = None
    """What our scanner said of it (`mailman.domain.scanning`)."""


@dataclass(frozen=True)
class OutgoingOptions:
    """What an outgoing message asks of its row beyond the mail: when to send it, its
    labels and metadata, its List-Unsubscribe."""

    send_at: datetime | None
    labels: tuple[str, ...]
    metadata: dict[str, Any]
    list_unsubscribe: str | None


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
    scan: ScanReport | None = None
    """What our scanner said of mail received; None for mail sent."""
    defects: tuple[str, ...] = ()
    plus_tags: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    recipients: tuple[NewRecipient, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    status: DeliveryStatus | None = None
    """Outgoing mail's state; None for mail received."""
    send_at: datetime | None = None
    queued_at: datetime | None = None
    """When its id was put on the outbound queue (set as it is stored, for mail due now)."""
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    list_unsubscribe: str | None = None
    folder: str = SystemFolder.INBOX
    """Where it lands (`initial_folder`): a system folder's name."""
    id: UUID | None = None
    """The row's id when the caller chose it; else one is made."""
    created_at: datetime | None = None
    """When the row is written (and last changed); None: the database's time, `now()`."""

    @classmethod
    def received(
        cls,
        content: ReceivedContent,
        mail: InboundMail,
        destination: Destination,
        stored: Stored,
        *,
        thread_id: UUID | None,
        reason: MatchReason,
    ) -> NewMessage:
        """The row of mail received for one inbox, in `thread_id` (with why), or in none."""
        sender = content.from_
        return cls(
            organization_id=destination.inbox.organization_id,
            inbox_id=destination.inbox.inbox_id,
            thread_id=thread_id,
            message_id=content.message_id,
            message_id_generated=content.message_id_generated,
            content_sha256=stored.content_sha256,
            direction=Direction.INBOUND,
            source=mail.source,
            source_id=mail.source_id,
            from_address=sender.address if sender else "",
            from_name=sender.name if sender else None,
            subject=content.subject or None,
            sent_at=content.date,
            received_at=mail.received_at,
            in_reply_to=content.in_reply_to,
            references=content.references,
            text_body=content.text or None,
            html_body=content.html,
            extracted_text=content.extracted_text or None,
            preview=content.preview or None,
            headers=list(content.headers),
            raw_storage_key=stored.raw_storage_key,
            size_bytes=content.size,
            match_reason=reason,
            verdicts=dict(mail.verdicts),
            quarantine_reason=stored.quarantine_reason,
            scan=stored.scan,
            defects=content.defects,
            plus_tags=destination.tags,
            reply_to=tuple(m.address for m in content.reply_to),
            recipients=(
                *(NewRecipient("to", m.address.lower(), m.name) for m in content.to),
                *(NewRecipient("cc", m.address.lower(), m.name) for m in content.cc),
                *(NewRecipient("envelope", a.lower()) for a in mail.envelope_recipients),
            ),
            attachments=stored.attachments,
            folder=initial_folder(
                outgoing=False, draft=False, verdicts=mail.verdicts, dmarc_policy=mail.dmarc_policy
            ),
        )

    @property
    def is_read(self) -> bool:
        """Mail the inbox sends (or drafts) is read; mail received is not, until marked."""
        return self.direction is Direction.OUTBOUND

    @property
    def attachment_count(self) -> int:
        """Its attachments a reader sees as files (not those shown inline)."""
        return sum(not a.inline for a in self.attachments)

    @classmethod
    def outgoing(
        cls,
        pk: UUID,
        inbox: Inbox,
        mail: Outgoing,
        options: OutgoingOptions,
        *,
        message_id: str,
        now: datetime,
        extracted_text: str | None,
        preview: str | None,
        attachments: tuple[Attachment, ...],
        thread: tuple[UUID, MatchReason] | None,
    ) -> NewMessage:
        """The row of mail the inbox sends: in `thread` (with why), Pending (queued now) or
        Scheduled for its `send_at`; or, in no thread, a draft. `extracted_text` is its
        text (or its HTML's), `preview` that text's start."""
        if thread is None:
            status, queued_at = DeliveryStatus.DRAFT, None
        elif options.send_at is None:
            status, queued_at = DeliveryStatus.PENDING, now
        else:
            status, queued_at = DeliveryStatus.SCHEDULED, None
        return cls(
            id=pk,
            organization_id=inbox.organization_id,
            inbox_id=inbox.id,
            thread_id=thread[0] if thread else None,
            message_id=message_id,
            message_id_generated=True,
            content_sha256="",
            direction=Direction.OUTBOUND,
            source="api",
            source_id=str(pk),
            from_address=mail.sender.address,
            from_name=mail.sender.name,
            subject=mail.subject or None,
            sent_at=None,
            received_at=None,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            text_body=mail.text,
            html_body=mail.html,
            extracted_text=extracted_text,
            preview=preview,
            headers=list(mail.headers),
            raw_storage_key=sent_raw_key(message_id, now),
            size_bytes=0,
            match_reason=thread[1] if thread else MatchReason.NEW,
            reply_to=tuple(a.address for a in mail.reply_to),
            recipients=(
                *(NewRecipient("to", a.address, a.name) for a in mail.to),
                *(NewRecipient("cc", a.address, a.name) for a in mail.cc),
                *(NewRecipient("bcc", a.address, a.name) for a in mail.bcc),
            ),
            attachments=attachments,
            status=status,
            send_at=options.send_at,
            queued_at=queued_at,
            labels=options.labels,
            metadata=options.metadata,
            list_unsubscribe=options.list_unsubscribe,
            folder=initial_folder(
                outgoing=True, draft=thread is None, verdicts={}, dmarc_policy=None
            ),
        )


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
    sending_paused: bool = False
    """The sender's domain has its sending paused (the reputation brake): the mail waits."""


@dataclass(frozen=True)
class SentRecord:
    """What a state move answers: where the message lives, for its event."""

    organization_id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    newly: bool
    """False when the hand-off was recorded already (the other of the function and SES's
    Send event got there first)."""
    actor: dict[str, str] | None = None
    """The caller whose request stored the message (`Caller.actor`), if any."""


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


@dataclass(frozen=True)
class SentConfirmation:
    """The mail service took a message (`Outbox.record_sent`)."""

    message_pk: UUID
    ses_message_id: str
    """The service's id for the mail."""
    ses_header_id: str
    """The Message-ID the service gives the mail in its header (`<ses-id@region.amazonses.com>`)."""
    at: datetime


def attachment_row_id(object_id: UUID, inbox_id: UUID) -> UUID:
    """One stored object may belong to several inboxes' messages: an attachment's row id is
    its object's id made unique per inbox."""
    return uuid.uuid5(object_id, str(inbox_id))


def first_of_each(recipients: Sequence[NewRecipient]) -> tuple[NewRecipient, ...]:
    """Each recipient once (by kind and address), the first time it is named, in order: what
    `message_recipients` keeps of a list that names one twice."""
    kept: dict[tuple[str, str], NewRecipient] = {}
    for r in recipients:
        kept.setdefault((r.kind, r.address), r)
    return tuple(kept.values())


def written_view(message: NewMessage) -> MessageView:
    """The message as the API reads it back once stored, built from what was written (its
    `id` and `created_at` chosen): recipients named twice (same kind and address) kept once,
    attachments in the order of their row ids, as a read orders them."""
    assert message.id is not None, "an id chosen"
    assert message.created_at is not None, "a time chosen"
    m = message
    recipients = first_of_each(m.recipients)
    return MessageView(
        id=m.id,
        inbox_id=m.inbox_id,
        thread_id=m.thread_id,
        message_id=m.message_id,
        direction=m.direction.value,
        status=m.status.value if m.status else None,
        send_at=m.send_at.astimezone(UTC) if m.send_at else None,
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
        scan=ScanView.of(m.scan),
        defects=m.defects,
        plus_tags=m.plus_tags,
        labels=m.labels,
        folder=m.folder,
        is_read=m.is_read,
        size_bytes=m.size_bytes,
        recipients=tuple(
            RecipientView(kind=r.kind, address=r.address, name=r.name) for r in recipients
        ),
        attachments=tuple(
            sorted(
                (
                    a.model_copy(update={"id": attachment_row_id(a.id, m.inbox_id)})
                    for a in m.attachments
                ),
                key=lambda a: a.id,
            )
        ),
        created_at=m.created_at,
        updated_at=m.created_at,
    )

"""Bodies of `routes/mailbox.py`: threads and messages as an answer holds them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AliasPath, Field, field_validator

from mailman.domain.documents import within_metadata_limits
from mailman.domain.mailbox import MessageView

from .. import budget
from .common import Out


class ThreadOut(Out):
    id: UUID
    inbox_id: UUID
    subject: str | None
    participants: list[str]
    message_count: int
    # A path, not a name: the name would clash with `unread_count` in `__init__`'s signature.
    unread: bool = Field(validation_alias=AliasPath("unread_count"))
    unread_count: int
    preview: str | None = Field(description="The latest message's preview.")
    last_message_at: datetime | None
    created_at: datetime

    @field_validator("unread", mode="before")
    @classmethod
    def _any_unread(cls, unread_count: int) -> bool:
        return unread_count > 0


class AttachmentOut(Out):
    """A file of a message; GET /messages/{id}/attachments/{attachment_id} gives a link to it."""

    id: UUID = Field(description="The attachment's id in this message")
    filename: str | None = Field(description="Its file name, as the mail or the sender gave it")
    content_type: str = Field(description="Its media type, e.g. application/pdf")
    size_bytes: int = Field(description="Its size once decoded")
    sha256: str = Field(description="The SHA-256 of its bytes, hex ('' where not computed)")
    content_id: str | None = Field(description="Its Content-ID, which an HTML body may cite")
    inline: bool = Field(description="Whether it is shown in the body rather than attached")


class SenderOut(Out):
    kind: str
    address: str
    name: str | None


class RecipientOut(SenderOut):
    status: str | None = Field(
        default=None, description="For outgoing mail: `suppressed` when it was not sent to."
    )
    status_reason: str | None = None


class MessageOut(Out):
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str = Field(description="The RFC 5322 Message-ID.")
    direction: str
    status: str | None = Field(
        description="Outgoing mail: draft, scheduled, pending, sending, sent, delivered, "
        "bounced, complained, failed or cancelled; null for mail received."
    )
    status_reason: str | None
    send_at: datetime | None = Field(description="When a scheduled message is to be sent.")
    ses_message_id: str | None
    metadata: dict[str, Any]
    list_unsubscribe: str | None
    from_: SenderOut = Field(serialization_alias="from")
    reply_to: list[str]
    recipients: list[RecipientOut]
    subject: str | None
    sent_at: datetime | None
    received_at: datetime | None
    in_reply_to: str | None
    references: list[str]
    text: str | None
    html: str | None
    extracted_text: str | None = Field(
        description="The new part of a reply: quoted history and signature removed."
    )
    preview: str | None
    headers: list[dict[str, str]]
    attachments: list[AttachmentOut]
    match_reason: str = Field(description="Why it joined its thread.")
    verdicts: dict[str, Any]
    quarantined: bool
    quarantine_reason: str | None
    defects: list[str]
    plus_tags: list[str]
    labels: list[str]
    is_read: bool
    size_bytes: int | None
    created_at: datetime
    updated_at: datetime
    truncated: list[str] = Field(
        default=[],
        description="The fields this answer cuts short to fit a response (`text`, `html`, "
        "`extracted_text`, `headers`, `metadata`); empty when the message is whole. "
        "`GET /messages/{id}` links the full text and HTML.",
    )
    text_url: str | None = Field(
        default=None, description="When `text` is cut short: a presigned link to all of it."
    )
    html_url: str | None = Field(
        default=None, description="When `html` is cut short: a presigned link to all of it."
    )

    @classmethod
    def of(cls, m: MessageView, *, light: bool = False) -> MessageOut:
        """The message within the inline budgets; `light` leaves its bodies and headers out
        (a thread too long to answer whole)."""
        cut: list[str] = []

        def part(name: str, value: str | None) -> str | None:
            if value is None:
                return None
            kept, clipped = (None, True) if light else budget.clip(value)
            if clipped:
                cut.append(name)
            return kept

        within: dict[str, Any] = {
            "text": part("text", m.text_body),
            "html": part("html", m.html_body),
            "extracted_text": part("extracted_text", m.extracted_text),
        }
        limit = 0 if light else budget.MAX_INLINE_HEADERS_BYTES
        within["headers"], more = budget.clip_list(m.headers, limit)
        if more:
            cut.append("headers")
        within["metadata"] = m.metadata
        if not within_metadata_limits(m.metadata):
            within["metadata"] = {}
            cut.append("metadata")
        sender = SenderOut(kind="from", address=m.from_address, name=m.from_name)
        return cls.model_validate({**dict(m), **within, "from_": sender, "truncated": cut})


class ThreadWithMessagesOut(ThreadOut):
    messages: list[MessageOut] = Field(
        description="In order. Messages past what one answer holds come without their bodies "
        "and headers (see each one's `truncated`); a thread longer still answers its first "
        "messages only: read the rest with `GET /messages/{id}`."
    )


class LinkOut(Out):
    url: str = Field(description="A presigned URL; download it before `expires_at`.")
    expires_at: datetime
    filename: str | None = None
    content_type: str | None = None
    size_bytes: int | None = None

"""Bodies of `routes/mailbox.py`: threads and messages as an answer holds them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AliasPath, Field, field_validator

from mailman.domain.delivery_history import DETAIL_FIELDS
from mailman.domain.documents import within_metadata_limits
from mailman.domain.mailbox import MessageView

from .. import budget
from .common import Body, Out


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
    labels: list[str] = Field(
        description="The labels of any of its messages (outside trash and spam)."
    )
    starred: bool = Field(
        description="Whether any of its messages (outside trash and spam) is starred."
    )
    folders: list[str] = Field(
        description="The folders its messages are in (system folders' names, custom folders' ids)."
    )

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


class ScanOut(Out):
    """What our virus scanner (ClamAV) said of a received message (docs/scanning.md)."""

    verdict: str = Field(
        description="`pass` (every part scanned, nothing found), `fail` (a signature found: "
        "quarantined, reason `virus`), `unscanned` (nothing found, but the parts in "
        "`unscanned` were over the scanner's limits), `failed` (the scanner stayed down: "
        "quarantined, reason `scan_failed`) or `off` (no scanner configured)."
    )
    engine: str | None = Field(description="The scanner and its definitions' version.")
    signature: str | None = Field(description="The signature found, for `fail`.")
    unscanned: list[str] = Field(
        description="The parts left unscanned: `message` or `attachment N (name)`."
    )


class SenderOut(Out):
    kind: str
    address: str
    name: str | None


class BounceOut(Out):
    """What SES's bounce said of the recipient."""

    type: str | None = Field(description="Permanent, Transient or Undetermined.")
    sub_type: str | None = Field(description="SES's bounce sub-type, e.g. General, NoEmail.")
    smtp_status: str | None = Field(description="The enhanced status code, e.g. 5.1.1.")
    diagnostic_code: str | None = Field(description="The receiving server's reply.")


class ComplaintOut(Out):
    feedback_type: str | None = Field(
        description="The feedback type the complaint carried (abuse, fraud, ...), if any."
    )


class DelayOut(Out):
    """The latest delay SES reported: a note beside the status, kept after the outcome."""

    type: str | None = Field(description="SES's delay type, e.g. TransientCommunicationFailure.")
    delayed_at: datetime
    expires_at: datetime | None = Field(description="When SES stops trying.")


class RecipientOut(SenderOut):
    """A recipient; for outgoing mail, with where its delivery stands. Every delivery field is
    null for mail received."""

    status: str | None = Field(
        default=None,
        description="Outgoing mail: pending, sent (SES took it), delivered, bounced, "
        "complained, rejected, failed, or suppressed (not sent to: see `status_reason`).",
    )
    status_reason: str | None = None
    status_at: datetime | None = Field(
        default=None, description="When the event that set `status` happened."
    )
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    complained_at: datetime | None = None
    rejected_at: datetime | None = None
    failed_at: datetime | None = None
    bounce: BounceOut | None = Field(default=None, description="Once the recipient bounced.")
    complaint: ComplaintOut | None = Field(
        default=None, description="Once the recipient complained."
    )
    delay: DelayOut | None = Field(default=None, description="Once SES reported a delay.")


class MessageOut(Out):
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    message_id: str = Field(description="The RFC 5322 Message-ID.")
    direction: str
    status: str | None = Field(
        description="Outgoing mail: draft, scheduled, pending, sending, sent, delivered, "
        "partially_delivered, bounced, complained, rejected, failed or cancelled; null for "
        "mail received. Once sent, it sums up the recipients' statuses."
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
    scan: ScanOut | None = Field(
        description="What our virus scanner said of mail received; null for mail sent and "
        "mail received before scanning."
    )
    defects: list[str]
    plus_tags: list[str]
    labels: list[str] = Field(description="Its own labels (`important` among them), as stored.")
    system_labels: list[str] = Field(
        default=[],
        description="What it is as the system labels say: its folder (a system folder's name or "
        "a custom folder's id), then `unread` and `starred` when they hold, then `important` if "
        "among its labels.",
    )
    folder: str = Field(
        description="The folder it is in: a system folder's name (`trash` once deleted) or a "
        "custom folder's id."
    )
    read: bool = Field(validation_alias=AliasPath("is_read"))
    is_read: bool = Field(description="The same as `read`.")
    starred: bool
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
        shown = {"from_": sender, "truncated": cut, "system_labels": system_labels(m)}
        return cls.model_validate({**dict(m), **within, **shown})


def system_labels(m: MessageView) -> list[str]:
    """The system labels that hold of `m` (`MessageOut.system_labels`)."""
    flags = {"unread": not m.is_read, "starred": m.starred, "important": "important" in m.labels}
    return [m.folder, *(label for label, holds in flags.items() if holds)]


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


class DeliveryEventOut(Out):
    id: UUID
    type: str = Field(
        description="send, delivery, bounce, complaint, reject, delivery_delay, "
        "rendering_failure, open or click."
    )
    recipient: str
    occurred_at: datetime = Field(description="When SES says it happened.")
    details: dict[str, Any] = Field(
        validation_alias="summary",
        description="What the event says of the recipient; the fields of each type (those "
        "SES gave): "
        + "; ".join(
            f"{kind}: {', '.join(fields) or 'none'}" for kind, fields in DETAIL_FIELDS.items()
        )
        + ".",
    )


class DeliveryOut(Body):
    message_id: UUID
    status: str | None = Field(description="The message's status (see `GET /messages/{id}`).")
    recipients: list[RecipientOut] = Field(description="Each recipient's current state.")
    data: list[DeliveryEventOut] = Field(description="The events, oldest first.")
    next_page_token: str | None = Field(
        default=None, description="Pass as page_token for the next page; null on the last one."
    )

"""Threads and messages as the API reads them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from mailman.domain.pagination import Cursor


@dataclass(frozen=True)
class MessageListing:
    """A page of an inbox's messages, newest first (`MailboxReader.messages`): its drafts
    only, or everything else."""

    inbox_id: UUID
    quarantined: bool
    limit: int
    after: Cursor | None
    drafts: bool = False


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


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


class Attachment(View):
    id: UUID
    filename: str | None
    content_type: str
    size_bytes: int
    sha256: str
    content_id: str | None
    inline: bool
    storage_key: str


class RecipientView(View):
    kind: str
    address: str
    name: str | None
    status: str | None = None
    status_reason: str | None = None


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
    defects: tuple[str, ...]
    plus_tags: tuple[str, ...]
    labels: tuple[str, ...]
    is_read: bool
    size_bytes: int | None
    recipients: tuple[RecipientView, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    created_at: datetime
    updated_at: datetime


class ThreadView(View):
    thread: ThreadSummary
    messages: tuple[MessageView, ...]

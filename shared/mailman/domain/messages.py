"""Messages as receiving stores them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from mailman.domain.models import Direction, MatchReason


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


@dataclass(frozen=True)
class StoredMessage:
    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    quarantined: bool
    created: bool
    """False when the message was stored already (a redelivery)."""

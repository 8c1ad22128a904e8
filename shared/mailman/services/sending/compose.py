"""What a caller asks to send, and what a reply, a forward or a draft fills in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from mailman.domain.mailbox import MessageView
from mailman.domain.models import Direction, Inbox
from mailman.domain.sending import reference_chain, reply_subject, without


@dataclass(frozen=True)
class AttachmentSpec:
    """An attachment as asked for: its bytes, an upload's id, or (forwards) a stored file."""

    filename: str
    content_type: str | None = None
    content: bytes | None = None
    upload_id: UUID | None = None
    content_id: str | None = None


@dataclass(frozen=True)
class Compose:
    """What the caller asks to send; a reply or forward fills in what is left out."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[AttachmentSpec, ...] = ()
    send_at: datetime | None = None
    list_unsubscribe: str | None = None
    """An https URL (one-click) or a mailto: URI; None takes the domain's, "" none."""


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and a fingerprint of the request it came with."""

    key: str
    request_sha256: str

    @classmethod
    def of(cls, key: str, operation: str, body: object) -> Idempotency:
        canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"))
        return cls(key, hashlib.sha256(canonical.encode()).hexdigest())


@dataclass(frozen=True)
class Submitted:
    message: MessageView
    replayed: bool
    """True when an earlier request with the same Idempotency-Key made the message."""


def reply_compose(
    parent: MessageView, inbox: Inbox, compose: Compose, *, everyone: bool
) -> Compose:
    """The answer's recipients and subject, where `compose` leaves them out."""
    own = [inbox.address]
    to_kind = [r.address for r in parent.recipients if r.kind == "to"]
    cc_kind = [r.address for r in parent.recipients if r.kind == "cc"]
    if parent.direction == Direction.OUTBOUND:
        to = to_kind
        cc = cc_kind if everyone else []
    else:
        to = list(parent.reply_to) or [parent.from_address]
        cc = without(to_kind + cc_kind, to, own) if everyone else []
    return replace(
        compose,
        to=tuple(without([*to, *compose.to], own)),
        cc=tuple(without([*cc, *compose.cc], [*to, *compose.to], own)),
        subject=compose.subject or reply_subject(parent.subject),
    )


def replying_to(parent: MessageView) -> tuple[str, tuple[str, ...]]:
    """The In-Reply-To and References of an answer to `parent`."""
    return parent.message_id, reference_chain(parent.references, parent.message_id)


def stored_files(message: MessageView) -> tuple[tuple[AttachmentSpec, ...], dict[int, str]]:
    """A stored message's attachments as a send asks for them, and where each is stored
    (by position): a forward carries them, a draft keeps them."""
    specs = tuple(
        AttachmentSpec(a.filename or "attachment", a.content_type, content_id=a.content_id)
        for a in message.attachments
    )
    return specs, {n: a.storage_key for n, a in enumerate(message.attachments)}

"""Checking a message whole before anything is stored: the inbox (live, of the caller's
organisation), its domain (verified for sending), every address, header and attachment, the
sizes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mailman.domain.documents import check_metadata
from mailman.domain.errors import AttachmentTooLarge, NotFound
from mailman.domain.errors import ValidationError as Invalid
from mailman.domain.inbound import content_type_of
from mailman.domain.mailbox import MessageView
from mailman.domain.messages import OutgoingOptions
from mailman.domain.models import DeliveryStatus, Domain, Inbox
from mailman.domain.outbound import (
    Address,
    Outgoing,
    OutgoingAttachment,
    check_list_unsubscribe,
    check_outgoing,
    parse_address,
    parse_addresses,
)
from mailman.domain.sending import (
    MAX_INLINE_ATTACHMENT_BYTES,
    MAX_MESSAGE_BYTES,
    check_send_at,
    encoded_size,
)
from mailman.ports import UnitOfWork
from mailman.services.sending.compose import AttachmentSpec, Compose
from mailman.services.sending.environment import Sending


@dataclass(frozen=True)
class PlannedFile:
    spec: AttachmentSpec
    content_type: str
    size: int
    storage_key: str | None
    """Where the bytes are already (an upload, a forwarded file); None for inline ones."""


@dataclass(frozen=True)
class Plan:
    """A message checked and ready to store."""

    inbox: Inbox
    outgoing: Outgoing
    files: tuple[PlannedFile, ...]
    options: OutgoingOptions


def sender_of(
    work: UnitOfWork, inbox_id: UUID, *, sending: bool = True
) -> tuple[Inbox, Domain, datetime]:
    """The live inbox and its domain, which must be verified for sending when `sending`, and
    the time of the transaction (what the rows it writes are stamped with)."""
    found = work.inboxes.sender(inbox_id)
    if found is None:
        raise NotFound("no such inbox", field="inbox_id")
    if found.domain is None:
        raise NotFound("the inbox's domain is deleted", field="inbox_id")
    if sending:
        found.domain.require_sending()
    return found.inbox, found.domain, found.at


def answered(
    work: UnitOfWork,
    message_id: UUID,
    inbox_id: UUID | None,
    *,
    field: str = "message_id",
    inbox_field: str = "inbox_id",
) -> MessageView:
    """The message a reply or forward answers, of `inbox_id` when given; errors name
    `field`, or `inbox_field` for a message of another inbox."""
    parent = work.mailbox.message(message_id)
    if parent is None:
        raise NotFound("no such message", field=field)
    if inbox_id is not None and parent.inbox_id != inbox_id:
        raise Invalid("the message belongs to another inbox", field=inbox_field)
    if parent.status == DeliveryStatus.DRAFT:
        raise Invalid("a draft cannot be answered or forwarded", field=field)
    return parent


def plan(
    env: Sending,
    work: UnitOfWork,
    inbox: Inbox,
    domain: Domain,
    compose: Compose,
    *,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    stored: dict[int, str] | None = None,
    complete: bool = True,
) -> Plan:
    """Check everything about the message (a draft, when not `complete`, may lack its
    recipients and content); nothing is stored or sent yet."""
    send_at = check_send_at(compose.send_at, env.clock.now())
    files = _files(env, work, compose.attachments, stored or {})
    reply_to = parse_addresses(compose.reply_to, "reply_to")
    if not reply_to and domain.reply_to:
        reply_to = (parse_address(domain.reply_to, "reply_to"),)
    unsubscribe = compose.list_unsubscribe
    if unsubscribe is None:
        unsubscribe = domain.list_unsubscribe
    outgoing = check_outgoing(
        Outgoing(
            sender=Address(inbox.address, inbox.display_name or domain.from_name),
            to=parse_addresses(compose.to, "to"),
            cc=parse_addresses(compose.cc, "cc"),
            bcc=parse_addresses(compose.bcc, "bcc"),
            subject=compose.subject or "",
            text=compose.text,
            html=compose.html,
            reply_to=reply_to,
            headers=compose.headers,
            in_reply_to=in_reply_to,
            references=references,
            attachments=tuple(
                OutgoingAttachment(f.spec.filename, f.content_type, b"", f.spec.content_id)
                for f in files
            ),
        ),
        complete=complete,
    )
    body = len((compose.text or "").encode()) + 2 * len((compose.html or "").encode())
    if body + sum(encoded_size(f.size) for f in files) > MAX_MESSAGE_BYTES:
        raise AttachmentTooLarge(
            f"the message would exceed SES's {MAX_MESSAGE_BYTES // 2**20} MB limit once encoded",
            field="attachments",
        )
    return Plan(
        inbox,
        outgoing,
        files,
        OutgoingOptions(
            send_at,
            compose.labels,
            check_metadata(compose.metadata),
            check_list_unsubscribe(unsubscribe) if unsubscribe else None,
        ),
    )


def _files(
    env: Sending, work: UnitOfWork, specs: Sequence[AttachmentSpec], stored: dict[int, str]
) -> tuple[PlannedFile, ...]:
    inline = sum(len(s.content) for s in specs if s.content is not None)
    if inline > MAX_INLINE_ATTACHMENT_BYTES:
        raise AttachmentTooLarge(
            f"attachments in the request may hold {MAX_INLINE_ATTACHMENT_BYTES // 2**20} MiB in "
            "all; upload larger files with POST /attachments and send their ids",
            field="attachments",
        )
    wanted = [s.upload_id for s in specs if s.upload_id is not None]
    uploads = work.uploads.live(wanted, env.clock.now()) if wanted else {}
    files = []
    for n, spec in enumerate(specs):
        where = f"attachments[{n}]"
        key = stored.get(n)
        if spec.upload_id is not None:
            upload = uploads.get(spec.upload_id)
            if upload is None:
                raise NotFound("no such upload (or it expired)", field=f"{where}.attachment_id")
            key = upload.storage_key
        content_type = spec.content_type or content_type_of(spec.filename)
        if key is None:
            if spec.content is None:
                raise Invalid("give content (base64) or an attachment_id", field=where)
            files.append(PlannedFile(spec, content_type, len(spec.content), None))
            continue
        size = env.blobs.size(key)
        if size is None:
            raise Invalid("the file was not uploaded yet", field=f"{where}.attachment_id")
        files.append(PlannedFile(spec, content_type, size, key))
    return tuple(files)

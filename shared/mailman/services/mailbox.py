"""Reading an inbox back: threads, messages, and short-lived links to raw mail and files."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from mailman.domain.delivery_history import DeliveryEventView, DeliveryOverview
from mailman.domain.errors import NotFound
from mailman.domain.inbound import attachment_key, sha256_hex
from mailman.domain.mailbox import (
    ANY_TIME,
    DeliveryFilter,
    MessageListing,
    MessageView,
    ThreadSummary,
    ThreadView,
    TimeWindow,
)
from mailman.domain.mailbox_state import NO_FILTER, MailboxFilter
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import BlobStore, Clock, UnitOfWork, UnitOfWorkFactory
from mailman.services.mailbox_state import listing_folder

LINK_SECONDS = 300


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime
    filename: str | None = None
    content_type: str | None = None
    size_bytes: int | None = None


def _require_inbox(work: UnitOfWork, inbox_id: UUID) -> None:
    if work.inboxes.get(inbox_id) is None:
        raise NotFound("no such inbox", field="inbox_id")


def list_threads(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    inbox_id: UUID,
    page: PageRequest,
    *,
    delivery_status: DeliveryFilter | None = None,
    filters: MailboxFilter = NO_FILTER,
    window: TimeWindow = ANY_TIME,
) -> Page[ThreadSummary]:
    """The inbox's threads with mail in `filters`' folder (else its label, else outside trash
    and spam), newest activity there first, its other filters held; `window` bounds that
    activity's time."""
    with uow(organization_id) as work:
        _require_inbox(work, inbox_id)
        wanted = replace(filters, folder=listing_folder(work, inbox_id, filters.folder))
        rows = list(
            work.mailbox.threads(
                inbox_id,
                page.limit + 1,
                page.after,
                delivery_status=delivery_status,
                filters=wanted,
                window=window,
            )
        )
    return Page.from_rows(rows, page, lambda thread: thread.position)


def get_thread(uow: UnitOfWorkFactory, organization_id: UUID, thread_id: UUID) -> ThreadView:
    with uow(organization_id) as work:
        thread = work.mailbox.thread(thread_id)
        if thread is None:
            raise NotFound("no such thread", field="thread_id")
        messages = work.mailbox.thread_messages(thread.id)
    return ThreadView(thread=thread, messages=tuple(messages))


def get_message(uow: UnitOfWorkFactory, organization_id: UUID, message_id: UUID) -> MessageView:
    with uow(organization_id) as work:
        found = work.mailbox.message(message_id)
    if found is None:
        raise NotFound("no such message", field="message_id")
    return found


def list_messages(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    inbox_id: UUID,
    page: PageRequest,
    *,
    quarantined: bool,
    delivery_status: DeliveryFilter | None = None,
    window: TimeWindow = ANY_TIME,
    filters: MailboxFilter = NO_FILTER,
) -> Page[MessageView]:
    """The inbox's messages, newest first: those of `filters`' folder, else the live ones
    outside spam; narrowed to a delivery status (`DeliveryFilter`), to those created within
    `window` and to `filters`' others when asked."""
    with uow(organization_id) as work:
        _require_inbox(work, inbox_id)
        listing = MessageListing(
            inbox_id,
            quarantined=quarantined,
            limit=page.limit + 1,
            after=page.after,
            delivery_status=delivery_status,
            window=window,
            filters=replace(filters, folder=listing_folder(work, inbox_id, filters.folder)),
        )
        rows = list(work.mailbox.messages(listing))
    return Page.from_rows(rows, page)


@dataclass(frozen=True)
class DeliveryHistory:
    """A message's delivery as it stands, and a page of the events that brought it there."""

    message: DeliveryOverview
    events: Page[DeliveryEventView]


def delivery_history(
    uow: UnitOfWorkFactory, organization_id: UUID, message_id: UUID, page: PageRequest
) -> DeliveryHistory:
    """Every event SES reported of the message's recipients, oldest first (mail received
    has none)."""
    with uow(organization_id) as work:
        message = work.mailbox.delivery(message_id)
        if message is None:
            raise NotFound("no such message", field="message_id")
        rows = list(work.mailbox.delivery_events(message_id, page.limit + 1, page.after))
    return DeliveryHistory(message, Page.from_rows(rows, page, lambda e: e.occurred_at))


def raw_link(
    uow: UnitOfWorkFactory, blobs: BlobStore, clock: Clock, organization_id: UUID, message_id: UUID
) -> Link:
    message = get_message(uow, organization_id, message_id)
    if message.raw_storage_key is None:
        raise NotFound("this message has no stored raw form", field="message_id")
    url = blobs.presigned_get(
        message.raw_storage_key, expires_in=LINK_SECONDS, filename=f"{message.id}.eml"
    )
    return Link(url, clock.now() + timedelta(seconds=LINK_SECONDS), content_type="message/rfc822")


def attachment_link(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    clock: Clock,
    organization_id: UUID,
    message_id: UUID,
    attachment_id: UUID,
) -> Link:
    message = get_message(uow, organization_id, message_id)
    attachment = next((a for a in message.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound("no such attachment", field="attachment_id")
    url = blobs.presigned_get(
        attachment.storage_key, expires_in=LINK_SECONDS, filename=attachment.filename
    )
    return Link(
        url,
        clock.now() + timedelta(seconds=LINK_SECONDS),
        attachment.filename,
        attachment.content_type,
        attachment.size_bytes,
    )


PARTS = {"text": ("text/plain; charset=utf-8", "txt"), "html": ("text/html; charset=utf-8", "html")}
"""The bodies a message answer may cut short, with how their full form is stored."""


def part_link(blobs: BlobStore, message: MessageView, part: str) -> str:
    """A presigned link to all of the message's `text` or `html`, which is written beside its
    attachments the first time it is asked for (under its content's hash: a draft's text
    changes)."""
    body = message.text_body if part == "text" else message.html_body
    if body is None:
        raise NotFound(f"the message has no {part} part", field="part")
    data = body.encode("utf-8")
    content_type, ext = PARTS[part]
    key = attachment_key(
        message.message_id, message.created_at, f"{part}-{sha256_hex(data)}", f".{ext}"
    )
    if blobs.size(key) is None:
        blobs.put(key, data, content_type)
    return blobs.presigned_get(key, expires_in=LINK_SECONDS, filename=f"{message.id}.{ext}")

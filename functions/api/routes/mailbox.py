"""Reading mail: an inbox's threads, a thread with its messages, a message, downloads."""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.access import Scope
from mailman.domain.folders import SystemFolder, label_name
from mailman.domain.mailbox import DeliveryFilter, MessageView, ThreadView, TimeWindow
from mailman.domain.mailbox_state import MAX_FOLDER_LENGTH, Direction, MailboxFilter
from mailman.domain.names import MAX_ADDRESS_OCTETS
from mailman.domain.pagination import PageRequest
from mailman.domain.sending import MAX_LABEL_LENGTH
from mailman.services import mailbox, mailbox_trash

from .. import budget
from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.common import Limit, ListOf, PageToken, page_of
from ..schemas.mailbox import (
    DeliveryEventOut,
    DeliveryOut,
    LinkOut,
    MessageOut,
    RecipientOut,
    ThreadOut,
    ThreadWithMessagesOut,
)

router = Router()
TAGS = ["Mail"]

DeliveryStatusQuery = Annotated[
    DeliveryFilter | None,
    Query(
        description="Only what a delivery status names: a message whose own status is it, or "
        "any of whose recipients' is (`delayed`: a recipient SES reported delayed, with no "
        "outcome yet); a thread with such a message."
    ),
]

FolderQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_FOLDER_LENGTH,
        description="A folder: a system folder's name (`starred`: starred mail outside trash "
        "and spam) or the id of one of the inbox's own. Without it: mail outside trash and spam.",
    ),
]
LabelQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_LABEL_LENGTH,
        description="A label; `unread`, `starred` and a system folder's name work as labels too.",
    ),
]
UnreadQuery = Annotated[bool | None, Query(description="true: with unread mail; false: without.")]
StarredQuery = Annotated[bool | None, Query(description="true: starred; false: not starred.")]
AttachmentQuery = Annotated[bool | None, Query(description="Whether it has attachments.")]
DirectionQuery = Annotated[Direction | None, Query(description="Mail received or sent.")]
FromQuery = Annotated[
    str | None,
    Query(alias="from", max_length=MAX_ADDRESS_OCTETS, description="The sender's address."),
]


def _label(label: str | None) -> str | None:
    """A listing's label: a system folder's name (a message's folder is among its labels),
    else a label as stored."""
    if label is None:
        return None
    if label.lower() in set(SystemFolder):
        return label.lower()
    return label_name(label, "label")


def _filters(
    folder: str | None,
    label: str | None,
    flags: tuple[bool | None, bool | None, bool | None],
    direction: Direction | None,
    sender: str | None,
) -> MailboxFilter:
    unread, starred, has_attachment = flags
    return MailboxFilter(
        folder=folder,
        label=_label(label),
        unread=unread,
        starred=starred,
        has_attachment=has_attachment,
        direction=direction,
        from_address=sender,
    )


@router.get(
    "/inboxes/<inbox_id>/threads",
    operation_id="threads.list",
    summary="An inbox's threads, newest activity first",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def list_threads(
    inbox_id: UUID,
    folder: FolderQuery = None,
    label: LabelQuery = None,
    unread: UnreadQuery = None,
    starred: StarredQuery = None,
    has_attachment: AttachmentQuery = None,
    direction: DirectionQuery = None,
    from_: FromQuery = None,
    since: Annotated[
        datetime | None,
        Query(description="Latest activity (in the folder listed) at or after this time."),
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Latest activity before this time.")
    ] = None,
    delivery_status: DeliveryStatusQuery = None,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[ThreadOut]:
    page = mailbox.list_threads(
        caller_uow(router),
        organization_id(router),
        inbox_id,
        PageRequest.parse(limit, page_token),
        delivery_status=delivery_status,
        filters=_filters(folder, label, (unread, starred, has_attachment), direction, from_),
        window=TimeWindow.of(since, until),
    )
    return page_of(page, ThreadOut.model_validate)


@router.get(
    "/inboxes/<inbox_id>/messages",
    operation_id="messages.list",
    summary="An inbox's messages, newest first (quarantined ones only when asked)",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def list_messages(
    inbox_id: UUID,
    quarantined: Annotated[bool, Query()] = False,
    folder: FolderQuery = None,
    label: LabelQuery = None,
    unread: UnreadQuery = None,
    starred: StarredQuery = None,
    has_attachment: AttachmentQuery = None,
    direction: DirectionQuery = None,
    from_: FromQuery = None,
    delivery_status: DeliveryStatusQuery = None,
    since: Annotated[
        datetime | None,
        Query(description="Created at or after this time (ISO 8601; UTC without an offset)."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="Created before this time (ISO 8601; UTC without an offset)."),
    ] = None,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[MessageOut]:
    page = mailbox.list_messages(
        caller_uow(router),
        organization_id(router),
        inbox_id,
        PageRequest.parse(limit, page_token),
        quarantined=quarantined,
        delivery_status=delivery_status,
        window=TimeWindow.of(since, until),
        filters=_filters(folder, label, (unread, starred, has_attachment), direction, from_),
    )
    return page_of(page, MessageOut.of)


@router.get(
    "/threads/<thread_id>",
    operation_id="threads.get",
    summary="A thread with its messages in order",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def get_thread(thread_id: UUID) -> ThreadWithMessagesOut:
    return whole_thread(mailbox.get_thread(caller_uow(router), organization_id(router), thread_id))


def whole_thread(view: ThreadView) -> ThreadWithMessagesOut:
    """The thread with as many of its messages whole as one answer holds, the rest light."""
    whole, spent = budget.fit(view.messages, MessageOut.of)
    light, _ = budget.fit(
        view.messages[len(whole) :], lambda m: MessageOut.of(m, light=True), spent=spent
    )
    thread = view.thread
    shown = {"labels": thread.labels, "starred": thread.starred, "folders": thread.folders}
    return ThreadWithMessagesOut.model_validate(
        {**dict(thread), **shown, "messages": whole + light}
    )


@router.delete(
    "/threads/<thread_id>",
    operation_id="threads.delete",
    summary="Delete a thread: its messages move to trash",
    description="The thread leaves every list; it and its messages stay readable by id, and "
    "`POST /threads/{id}/restore` brings them back. Deleting a thread in trash changes "
    "nothing. 409 when a message of it is still to be sent (cancel it first).",
    tags=TAGS,
    responses={204: {"description": "In trash"}},
    **requires(Scope.MESSAGES_WRITE),
)
def delete_thread(thread_id: UUID) -> Response[None]:
    c = container()
    mailbox_trash.trash_thread(caller_uow(router), c.clock, organization_id(router), thread_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.get(
    "/messages/<message_id>",
    operation_id="messages.get",
    summary="A message, parsed",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def get_message(message_id: UUID) -> MessageOut:
    return whole_message(
        mailbox.get_message(caller_uow(router), organization_id(router), message_id)
    )


def whole_message(view: MessageView) -> MessageOut:
    """The message, with presigned links to the bodies the answer cuts short."""
    out = MessageOut.of(view)
    links = {
        f"{part}_url": mailbox.part_link(container().blobs, view, part)
        for part in mailbox.PARTS
        if part in out.truncated
    }
    return out.model_copy(update=links)


@router.get(
    "/messages/<message_id>/delivery",
    operation_id="messages.delivery",
    summary="A message's delivery: each recipient's state, and every event SES reported",
    description="Events come oldest first (by when they happened), one per recipient; mail "
    "received has none.",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def message_delivery(
    message_id: UUID, limit: Limit = None, page_token: PageToken = None
) -> DeliveryOut:
    history = mailbox.delivery_history(
        caller_uow(router),
        organization_id(router),
        message_id,
        PageRequest.parse(limit, page_token),
    )
    rendered, _ = budget.fit(history.events.items, DeliveryEventOut.model_validate)
    return DeliveryOut(
        message_id=history.message.id,
        status=history.message.status,
        recipients=[RecipientOut.model_validate(r) for r in history.message.recipients],
        data=rendered,
        next_page_token=history.events.head(len(rendered)).next_page_token,
    )


@router.get(
    "/messages/<message_id>/raw",
    operation_id="messages.raw",
    summary="A short-lived link to the message as it arrived (RFC 5322)",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def raw_message(message_id: UUID) -> LinkOut:
    c = container()
    link = mailbox.raw_link(
        caller_uow(router), c.blobs, c.clock, organization_id(router), message_id
    )
    return LinkOut.model_validate(link)


@router.get(
    "/messages/<message_id>/attachments/<attachment_id>",
    operation_id="messages.attachment",
    summary="A short-lived link to an attachment",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def attachment(message_id: UUID, attachment_id: UUID) -> LinkOut:
    c = container()
    link = mailbox.attachment_link(
        caller_uow(router), c.blobs, c.clock, organization_id(router), message_id, attachment_id
    )
    return LinkOut.model_validate(link)

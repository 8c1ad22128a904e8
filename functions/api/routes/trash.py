"""Trash, restore and erasure: deleting a message or thread moves it to trash, restore
brings it back, and erasure (of what is in trash) removes it for good."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.access import Scope
from mailman.services import mailbox_trash

from ..access import Requirement, check, requires
from ..dependencies import caller_uow, container, organization_id, principal
from ..schemas.mailbox import MessageOut, ThreadWithMessagesOut
from ..schemas.trash import EmptiedOut
from .mailbox import whole_thread

router = Router()
TAGS = ["Mail"]


@router.delete(
    "/messages/<message_id>",
    operation_id="messages.delete",
    summary="Delete a message: to trash, or (permanent) erase it from trash for good",
    description="Without `permanent`, the message moves to trash (it stays readable by id and "
    "can be restored); deleting a message in trash changes nothing. With `permanent=true`, a "
    "message already in trash is erased: its rows, raw source and attachments are removed "
    "(409 when it is not in trash). Erasing also needs the scope `messages:erase`.",
    tags=TAGS,
    responses={204: {"description": "In trash, or erased"}},
    **requires(Scope.MESSAGES_WRITE),
)
def delete_message(
    message_id: UUID,
    permanent: Annotated[
        bool, Query(description="Erase the message (already in trash) for good.")
    ] = False,
) -> Response[None]:
    c = container()
    if permanent:
        check(Requirement(Scope.MESSAGES_ERASE), principal(router).caller)
        mailbox_trash.erase_message(
            caller_uow(router), c.blobs, c.clock, organization_id(router), message_id
        )
    else:
        mailbox_trash.trash_message(
            caller_uow(router), c.clock, organization_id(router), message_id
        )
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/messages/<message_id>/restore",
    operation_id="messages.restore",
    summary="Bring a message back from trash to where it was",
    description="To the folder it was in (if a custom folder was deleted since: `inbox`, or "
    "`sent` for mail sent). 409 when it is not in trash, or is being erased.",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def restore_message(message_id: UUID) -> MessageOut:
    view = mailbox_trash.restore_message(caller_uow(router), organization_id(router), message_id)
    return MessageOut.of(view)


@router.post(
    "/threads/<thread_id>/restore",
    operation_id="threads.restore",
    summary="Bring a thread's messages in trash back to where they were",
    description="The thread is listed again. 409 when none of its messages is in trash.",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def restore_thread(thread_id: UUID) -> ThreadWithMessagesOut:
    view = mailbox_trash.restore_thread(caller_uow(router), organization_id(router), thread_id)
    return whole_thread(view)


@router.post(
    "/inboxes/<inbox_id>/trash/empty",
    operation_id="trash.empty",
    summary="Erase everything in an inbox's trash for good",
    description="Up to 100 messages are erased at once (200); a larger trash is marked and "
    "the rest erased within minutes by the scheduled worker (202, `pending` > 0). Each "
    "erasure is logged as `message.erased`.",
    tags=TAGS,
    responses={
        200: {"description": "Everything erased"},
        202: {"description": "Some erased, the rest marked for the scheduled worker"},
    },
    **requires(Scope.MESSAGES_ERASE),
)
def empty_trash(inbox_id: UUID) -> Response[EmptiedOut]:
    c = container()
    done = mailbox_trash.empty_trash(
        caller_uow(router), c.blobs, c.clock, organization_id(router), inbox_id
    )
    status = HTTPStatus.ACCEPTED if done.pending else HTTPStatus.OK
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=EmptiedOut(erased=done.erased, pending=done.pending),
    )

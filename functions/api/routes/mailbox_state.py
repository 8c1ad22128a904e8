"""The mailbox's state: mark messages and threads read or starred, file them into folders,
label them (one, or up to 500 at once), an inbox's custom folders, and the counts beside
its folders and labels."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.domain.access import Scope
from mailman.services import mailbox_state

from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.common import ListOf
from ..schemas.mailbox import MessageOut, ThreadOut
from ..schemas.mailbox_state import BatchIn, BatchOut, ChangeIn, FolderIn, FolderOut, LabelOut
from .mailbox import whole_message

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from mailman.domain.folders import MailboxChange
    from mailman.ports import Clock, UnitOfWorkFactory

    # Named for type checking only: spelled out at import, it would load the use case
    # (`mailbox_state.Outcome`) that the routes leave to their first call.
    BatchChange = Callable[
        [UnitOfWorkFactory, Clock, UUID, Sequence[UUID], MailboxChange],
        list[mailbox_state.Outcome],
    ]
    """`change_messages` or `change_threads`."""

router = Router()
TAGS = ["Mailbox"]


@router.patch(
    "/messages/<message_id>",
    operation_id="messages.update",
    summary="Mark a message read or starred, move it to a folder, add or remove labels",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def change_message(message_id: UUID, body: ChangeIn) -> MessageOut:
    view = mailbox_state.change_message(
        caller_uow(router), container().clock, organization_id(router), message_id, body.change()
    )
    return whole_message(view)


@router.patch(
    "/threads/<thread_id>",
    operation_id="threads.update",
    summary="Apply a change to every message of a thread",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def change_thread(thread_id: UUID, body: ChangeIn) -> ThreadOut:
    thread = mailbox_state.change_thread(
        caller_uow(router), container().clock, organization_id(router), thread_id, body.change()
    )
    return ThreadOut.model_validate(thread)


@router.post(
    "/messages/batch",
    operation_id="messages.batch_update",
    summary="Apply one change to up to 500 messages at once, all or none",
    description="Each id answers `updated` or `not_found`; a change refused is refused for "
    "every id, and nothing is changed.",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def change_messages(body: BatchIn) -> BatchOut:
    return _batch(mailbox_state.change_messages, body)


@router.post(
    "/threads/batch",
    operation_id="threads.batch_update",
    summary="Apply one change to every message of up to 500 threads at once, all or none",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def change_threads(body: BatchIn) -> BatchOut:
    return _batch(mailbox_state.change_threads, body)


def _batch(apply: BatchChange, body: BatchIn) -> BatchOut:
    uow, org = caller_uow(router), organization_id(router)
    outcomes = apply(uow, container().clock, org, body.ids, body.change.change())
    return BatchOut.model_validate({"data": outcomes}, from_attributes=True)


@router.get(
    "/inboxes/<inbox_id>/folders",
    operation_id="folders.list",
    summary="An inbox's folders: the seven system folders, then its own, with their counts",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def list_folders(inbox_id: UUID) -> ListOf[FolderOut]:
    found = mailbox_state.list_folders(caller_uow(router), organization_id(router), inbox_id)
    return ListOf(data=[FolderOut.model_validate(f) for f in found])


@router.post(
    "/inboxes/<inbox_id>/folders",
    operation_id="folders.create",
    summary="Make a folder",
    tags=TAGS,
    responses={201: {"description": "The folder"}},
    **requires(Scope.MESSAGES_WRITE),
)
def create_folder(inbox_id: UUID, body: FolderIn) -> Response[FolderOut]:
    made = mailbox_state.create_folder(
        caller_uow(router), organization_id(router), inbox_id, body.name
    )
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=FolderOut.model_validate(made),
    )


@router.get(
    "/inboxes/<inbox_id>/folders/<folder_id>",
    operation_id="folders.get",
    summary="A folder of the inbox's own, with its counts",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def get_folder(inbox_id: UUID, folder_id: UUID) -> FolderOut:
    found = mailbox_state.get_folder(
        caller_uow(router), organization_id(router), inbox_id, folder_id
    )
    return FolderOut.model_validate(found)


@router.patch(
    "/inboxes/<inbox_id>/folders/<folder_id>",
    operation_id="folders.update",
    summary="Rename a folder",
    tags=TAGS,
    **requires(Scope.MESSAGES_WRITE),
)
def rename_folder(inbox_id: UUID, folder_id: UUID, body: FolderIn) -> FolderOut:
    found = mailbox_state.rename_folder(
        caller_uow(router), organization_id(router), inbox_id, folder_id, body.name
    )
    return FolderOut.model_validate(found)


@router.delete(
    "/inboxes/<inbox_id>/folders/<folder_id>",
    operation_id="folders.delete",
    summary="Delete a folder; its messages go back to the inbox",
    tags=TAGS,
    responses={204: {"description": "Deleted"}},
    **requires(Scope.MESSAGES_WRITE),
)
def delete_folder(inbox_id: UUID, folder_id: UUID) -> Response[None]:
    mailbox_state.delete_folder(caller_uow(router), organization_id(router), inbox_id, folder_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.get(
    "/inboxes/<inbox_id>/labels",
    operation_id="labels.list",
    summary="An inbox's labels in use, and the system labels, with their counts",
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def list_labels(inbox_id: UUID) -> ListOf[LabelOut]:
    found = mailbox_state.list_labels(caller_uow(router), organization_id(router), inbox_id)
    return ListOf(data=[LabelOut.model_validate(label) for label in found])

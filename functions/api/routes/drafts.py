"""Drafts: write, change, list, read, delete, and send.

A draft answers 201 when written and 200 when changed, as a message in state `draft` with
no thread. `PATCH` replaces the fields it names and keeps the rest (attachments given
replace them all). `POST /drafts/{id}/send` answers 202 with the message, Pending or
Scheduled, in its thread, under the draft's id; it takes an `Idempotency-Key` as every
send does.
"""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.domain.access import Scope
from mailman.domain.pagination import PageRequest
from mailman.services import sending

from ..access import requires
from ..dependencies import caller_sending, caller_uow, organization_id
from ..schemas.common import Limit, ListOf, PageToken, page_of
from ..schemas.drafts import DraftIn
from ..schemas.mailbox import MessageOut
from ..schemas.sending import SendIn
from .mailbox import whole_message
from .sending import SUPPRESSED_RESPONSE, accepted, answer, compose_of, idempotency_of

router = Router()
TAGS = ["Drafts"]


@router.post(
    "/inboxes/<inbox_id>/drafts",
    operation_id="drafts.create",
    summary="Write a draft (a reply with in_reply_to); it is sent by POST /drafts/{id}/send",
    tags=TAGS,
    responses={201: {"description": "The draft"}},
    **requires(Scope.DRAFTS_WRITE),
)
def create_draft(inbox_id: UUID, body: DraftIn) -> Response[MessageOut]:
    draft = sending.create_draft(
        caller_sending(router),
        organization_id(router),
        inbox_id,
        compose_of(body),
        in_reply_to=body.in_reply_to,
    )
    return answer(HTTPStatus.CREATED, MessageOut.of(draft))


@router.get(
    "/inboxes/<inbox_id>/drafts",
    operation_id="drafts.list",
    summary="An inbox's drafts, newest first",
    tags=TAGS,
    **requires(Scope.DRAFTS_READ),
)
def list_drafts(
    inbox_id: UUID,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[MessageOut]:
    page = sending.list_drafts(
        caller_uow(router), organization_id(router), inbox_id, PageRequest.parse(limit, page_token)
    )
    return page_of(page, MessageOut.of)


@router.get(
    "/drafts/<draft_id>",
    operation_id="drafts.get",
    summary="A draft",
    tags=TAGS,
    **requires(Scope.DRAFTS_READ),
)
def get_draft(draft_id: UUID) -> MessageOut:
    return whole_message(sending.get_draft(caller_uow(router), organization_id(router), draft_id))


@router.patch(
    "/drafts/<draft_id>",
    operation_id="drafts.update",
    summary="Change a draft: the fields given replace its own",
    tags=TAGS,
    **requires(Scope.DRAFTS_WRITE),
)
def update_draft(draft_id: UUID, body: SendIn) -> MessageOut:
    compose = compose_of(body)
    changes = {name: getattr(compose, name) for name in body.model_fields_set}
    view = sending.update_draft(caller_sending(router), organization_id(router), draft_id, changes)
    return MessageOut.of(view)


@router.delete(
    "/drafts/<draft_id>",
    operation_id="drafts.delete",
    summary="Delete a draft",
    tags=TAGS,
    responses={204: {"description": "Deleted"}},
    **requires(Scope.DRAFTS_WRITE),
)
def delete_draft(draft_id: UUID) -> Response[None]:
    sending.delete_draft(caller_uow(router), organization_id(router), draft_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/drafts/<draft_id>/send",
    operation_id="drafts.send",
    summary="Send the draft: it joins its thread, Pending (or Scheduled with its send_at)",
    tags=TAGS,
    responses={202: {"description": "The message, under the draft's id"}, **SUPPRESSED_RESPONSE},
    **requires(Scope.MESSAGES_SEND),
)
def send_draft(draft_id: UUID) -> Response[MessageOut]:
    submitted = sending.send_draft(
        caller_sending(router),
        organization_id(router),
        draft_id,
        idempotency_of(f"send-draft:{draft_id}", None),
    )
    return accepted(submitted)

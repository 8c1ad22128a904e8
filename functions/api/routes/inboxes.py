"""Inboxes: create, list, get, update, soft-delete."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.access import Scope
from mailman.domain.errors import Forbidden
from mailman.domain.pagination import PageRequest
from mailman.services import inboxes

from ..access import requires
from ..dependencies import caller_uow, container, organization_id, principal
from ..schemas.common import Limit, ListOf, PageToken, listing
from ..schemas.inboxes import CreateInbox, InboxOut, UpdateInbox

router = Router()
TAGS = ["Inboxes"]


@router.post(
    "/inboxes",
    operation_id="inboxes.create",
    summary="Create an inbox on a domain",
    tags=TAGS,
    **requires(Scope.INBOXES_WRITE, organization_wide=True),
)
def create_inbox(body: CreateInbox) -> Response[InboxOut]:
    created = inboxes.create_inbox(
        caller_uow(router),
        organization_id(router),
        domain_id=body.domain_id,
        local_part=body.local_part,
        display_name=body.display_name,
        catch_all=body.catch_all,
    )
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=InboxOut.model_validate(created),
    )


@router.get(
    "/inboxes",
    operation_id="inboxes.list",
    summary="List inboxes",
    tags=TAGS,
    **requires(Scope.INBOXES_READ),
)
def list_inboxes(
    domain_id: Annotated[UUID | None, Query()] = None,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[InboxOut]:
    page = inboxes.list_inboxes(
        caller_uow(router),
        organization_id(router),
        PageRequest.parse(limit, page_token),
        domain_id=domain_id,
    )
    return listing(page, InboxOut.model_validate)


@router.get(
    "/inboxes/<inbox_id>",
    operation_id="inboxes.get",
    summary="Get an inbox",
    tags=TAGS,
    **requires(Scope.INBOXES_READ),
)
def get_inbox(inbox_id: UUID) -> InboxOut:
    inbox = inboxes.get_inbox(caller_uow(router), organization_id(router), inbox_id)
    return InboxOut.model_validate(inbox)


@router.patch(
    "/inboxes/<inbox_id>",
    operation_id="inboxes.update",
    summary="Change an inbox",
    tags=TAGS,
    **requires(Scope.INBOXES_WRITE),
)
def update_inbox(inbox_id: UUID, body: UpdateInbox) -> InboxOut:
    changes = body.model_dump(include=body.model_fields_set)
    for flag in ("catch_all", "trash_retention_days"):
        if flag in changes and changes[flag] is None:
            changes.pop(flag)
    if "catch_all" in changes and principal(router).caller.bound:
        # The catch-all takes the mail of every address of the domain that has no inbox.
        raise Forbidden(
            "catch_all is the whole domain's: only a credential not bound to inboxes may change it",
            field="catch_all",
        )
    updated = inboxes.update_inbox(caller_uow(router), organization_id(router), inbox_id, changes)
    return InboxOut.model_validate(updated)


@router.delete(
    "/inboxes/<inbox_id>",
    operation_id="inboxes.delete",
    summary="Delete an inbox",
    tags=TAGS,
    **requires(Scope.INBOXES_WRITE),
)
def delete_inbox(inbox_id: UUID) -> Response[None]:
    c = container()
    inboxes.delete_inbox(caller_uow(router), c.clock, organization_id(router), inbox_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)

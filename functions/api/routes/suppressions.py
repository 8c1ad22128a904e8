"""The suppression list: the organisation's addresses no mail is sent to.

A send whose recipients are all suppressed is refused (422 `recipients_suppressed`, the
addresses in `error.details.recipients`); one where some are leaves those out (their status
`suppressed`) and sends to the rest. Addresses are compared in canonical form (lower case,
the domain in ASCII), so a path may name one in any case, its domain in Unicode or not;
percent-encode it in the path as any path segment (`@` may stay as it is).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AwareDatetime

from mailman.domain.access import Scope
from mailman.domain.documents import check_storable
from mailman.domain.pagination import PageRequest
from mailman.domain.suppressions import (
    MAX_BATCH,
    MAX_PREFIX_LENGTH,
    SuppressionFilter,
    SuppressionReason,
    address_prefix,
)
from mailman.services import suppressions
from mailman.services.suppressions import SuppressionRequest

from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.common import Limit, ListOf, PageToken, listing
from ..schemas.suppressions import (
    AddSuppressionsIn,
    ItemResultOut,
    ItemResultsOut,
    RemoveSuppressionsIn,
    SuppressionOut,
)
from .sending import answer

router = Router()
TAGS = ["Suppressions"]


def _path_address(given: str) -> str:
    """The address a path names, percent-decoded (API Gateway hands a REST API's path on as
    the caller encoded it), refused if it cannot be stored."""
    return check_storable(unquote(given), "address")


@router.get(
    "/suppressions",
    operation_id="suppressions.list",
    summary="List suppressed addresses, oldest first",
    description="Filter by `reason`, by the start of the address (`prefix`, any case) and by "
    "when it was suppressed (`since`, inclusive).",
    tags=TAGS,
    **requires(Scope.SUPPRESSIONS_READ, organization_wide=True),
)
def list_suppressions(
    reason: Annotated[SuppressionReason | None, Query()] = None,
    prefix: Annotated[str | None, Query(max_length=MAX_PREFIX_LENGTH)] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[SuppressionOut]:
    which = SuppressionFilter(reason, address_prefix(prefix) if prefix else None, since)
    page = suppressions.list_suppressions(
        caller_uow(router), organization_id(router), which, PageRequest.parse(limit, page_token)
    )
    return listing(page, SuppressionOut.model_validate)


@router.get(
    "/suppressions/<address>",
    operation_id="suppressions.get",
    summary="Whether an address is suppressed, and why (404 when it is not)",
    tags=TAGS,
    **requires(Scope.SUPPRESSIONS_READ, organization_wide=True),
)
def get_suppression(address: str) -> SuppressionOut:
    found = suppressions.get_suppression(
        caller_uow(router), organization_id(router), _path_address(address)
    )
    return SuppressionOut.model_validate(found)


@router.post(
    "/suppressions",
    operation_id="suppressions.create",
    summary=f"Suppress an address, or up to {MAX_BATCH:,} at once",
    description="One address (`address`, `reason`, `note`) answers its entry: 201 when it was "
    "added, 200 when it was suppressed already (its first reason kept). A batch "
    "(`suppressions`) answers 200 with one result per item, in order: `added`, "
    "`already_suppressed`, or `invalid` with the error (the others are added regardless).",
    tags=TAGS,
    responses={
        200: {"description": "Suppressed already; or a batch's results"},
        201: {"description": "The entry added"},
    },
    **requires(Scope.SUPPRESSIONS_WRITE, organization_wide=True),
)
def add_suppressions(body: AddSuppressionsIn) -> Response[SuppressionOut | ItemResultsOut]:
    uow = caller_uow(router)
    requests = [
        SuppressionRequest(i.address, SuppressionReason(i.reason), i.note) for i in body.items()
    ]
    if body.suppressions is None:
        entry, added = suppressions.suppress(uow, organization_id(router), requests[0])
        status = HTTPStatus.CREATED if added else HTTPStatus.OK
        return answer(status, SuppressionOut.model_validate(entry))
    results = suppressions.suppress_many(uow, organization_id(router), requests)
    return answer(HTTPStatus.OK, ItemResultsOut(results=[ItemResultOut.of(r) for r in results]))


@router.delete(
    "/suppressions/<address>",
    operation_id="suppressions.delete",
    summary="Take an address off the list (404 when it is not on it)",
    tags=TAGS,
    **requires(Scope.SUPPRESSIONS_WRITE, organization_wide=True),
)
def delete_suppression(address: str) -> Response[None]:
    c = container()
    suppressions.unsuppress(
        caller_uow(router), c.clock, organization_id(router), _path_address(address)
    )
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/suppressions/delete",
    operation_id="suppressions.batch_delete",
    summary=f"Take up to {MAX_BATCH:,} addresses off the list",
    description="One result per address, in order: `removed` or `not_suppressed`.",
    tags=TAGS,
    **requires(Scope.SUPPRESSIONS_WRITE, organization_wide=True),
)
def delete_suppressions(body: RemoveSuppressionsIn) -> ItemResultsOut:
    c = container()
    results = suppressions.unsuppress_many(
        caller_uow(router), c.clock, organization_id(router), body.addresses
    )
    return ItemResultsOut(results=[ItemResultOut.of(r) for r in results])

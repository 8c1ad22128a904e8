"""Search: one inbox's mail, or the organisation's (docs/search.md)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.access import Scope
from mailman.services import search as searching

from ..access import requires
from ..dependencies import caller_uow, organization_id
from ..schemas.common import Limit, ListOf, PageToken
from ..schemas.search import SearchHitOut

router = Router()
TAGS = ["Search"]
DESCRIPTION = (
    'Gmail\'s query language: words and "phrases" (all must match), `-` to exclude, `OR`, '
    "parentheses, `from:`, `to:`/`cc:`, `subject:`, `has:attachment`, `is:unread`, "
    "`is:read`, `is:starred`, `in:<folder>` (trash and spam are searched only when named), "
    "`label:<name>`, `after:`/`before:` YYYY-MM-DD. Accents and case do not matter. Hits "
    "are ranked within bands of the 500 newest matches, band after band, newest first on "
    "ties; each has a snippet with the offsets of what matched. A query that cannot be read "
    "is a 400 naming `q`, with `details.position`."
)
Q = Annotated[str, Query(description="The query (at most 1,000 characters).")]


@router.get(
    "/inboxes/<inbox_id>/search",
    operation_id="search.inbox",
    summary="Search an inbox's mail",
    description=DESCRIPTION,
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def search_inbox(
    inbox_id: UUID, q: Q, limit: Limit = None, page_token: PageToken = None
) -> ListOf[SearchHitOut]:
    page = searching.search(
        caller_uow(router),
        organization_id(router),
        q,
        inbox_id=inbox_id,
        limit=limit,
        page_token=page_token,
    )
    return ListOf(
        data=[SearchHitOut.of(h) for h in page.hits], next_page_token=page.next_page_token
    )


@router.get(
    "/search",
    operation_id="search.organization",
    summary="Search the organisation's mail (a credential bound to inboxes: theirs)",
    description=DESCRIPTION,
    tags=TAGS,
    **requires(Scope.MESSAGES_READ),
)
def search_all(q: Q, limit: Limit = None, page_token: PageToken = None) -> ListOf[SearchHitOut]:
    page = searching.search(
        caller_uow(router), organization_id(router), q, limit=limit, page_token=page_token
    )
    return ListOf(
        data=[SearchHitOut.of(h) for h in page.hits], next_page_token=page.next_page_token
    )

"""Search: a page of the messages a query matches, in an inbox or across the organisation
(docs/search.md)."""

from __future__ import annotations

from uuid import UUID

from mailman.domain.errors import NotFound
from mailman.domain.pagination import checked_limit
from mailman.domain.search import SearchCursor, SearchPage, SearchRequest, parse_query
from mailman.ports import UnitOfWorkFactory


def search(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    q: str,
    *,
    inbox_id: UUID | None = None,
    limit: int | None = None,
    page_token: str | None = None,
) -> SearchPage:
    """The page of `q`'s matches after `page_token`. A query that cannot be read, a limit
    out of range or a token this API did not issue is a ValidationError; an inbox not seen
    (another organisation's, or beyond a bound caller's) is NotFound. A bound caller
    searching the organisation finds its own inboxes' mail only: the unit of work sees no
    other."""
    request = SearchRequest(
        query=parse_query(q),
        organization_id=organization_id,
        inbox_id=inbox_id,
        limit=checked_limit(limit),
        after=SearchCursor.decode(page_token) if page_token else None,
    )
    with uow(organization_id) as work:
        if inbox_id is not None and work.inboxes.get(inbox_id) is None:
            raise NotFound("no such inbox", field="inbox_id")
        return work.search.search(request)

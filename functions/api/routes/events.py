"""The event log: everything that happened in the organisation, in order."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.pagination import MAX_EVENT_CURSOR_LENGTH
from mailman.services import events

from ..dependencies import container, organization_id
from ..schemas import EventOut, EventsOut, Limit

router = Router()


@router.get(
    "/events",
    summary="Read the event log after a cursor",
    description=(
        "Events come oldest first. Keep the answer's `cursor` and pass it as `after` next "
        "time to read on without gaps or repeats; with no `after` the log is read from its "
        "start."
    ),
    tags=["Events"],
)
def read_events(
    after: Annotated[str | None, Query(max_length=MAX_EVENT_CURSOR_LENGTH)] = None,
    limit: Limit = None,
    type: Annotated[list[str] | None, Query()] = None,
) -> EventsOut:
    page = events.read_events(
        container().uow, organization_id(router), after=after, limit=limit, types=type or ()
    )
    return EventsOut(data=[EventOut.of(e) for e in page.events], cursor=page.cursor)

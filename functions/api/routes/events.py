"""The event log: everything that happened in the organisation, in order."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from mailman.domain.access import Scope
from mailman.domain.pagination import MAX_EVENT_CURSOR_LENGTH
from mailman.services import events

from .. import budget
from ..access import requires
from ..dependencies import caller_uow, organization_id
from ..schemas.common import Limit
from ..schemas.events import EventOut, EventsOut

router = Router()


@router.get(
    "/events",
    operation_id="events.list",
    summary="Read the event log after a cursor",
    description=(
        "Events come oldest first. Keep the answer's `cursor` and pass it as `after` next "
        "time to read on without gaps or repeats; with no `after` the log is read from its "
        "start. A page may hold fewer events than `limit` when they would not fit in one "
        "answer: read on from its cursor."
    ),
    tags=["Events"],
    **requires(Scope.EVENTS_READ),
)
def read_events(
    after: Annotated[str | None, Query(max_length=MAX_EVENT_CURSOR_LENGTH)] = None,
    limit: Limit = None,
    type: Annotated[list[str] | None, Query()] = None,
) -> EventsOut:
    page = events.read_events(
        caller_uow(router), organization_id(router), after=after, limit=limit, types=type or ()
    )
    rendered, _ = budget.fit(page.events, EventOut.model_validate)
    cut = len(rendered) < len(page.events)
    return EventsOut(data=rendered, cursor=rendered[-1].cursor if cut else page.cursor)

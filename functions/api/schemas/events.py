"""Bodies of `routes/events.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from .common import Body, Out


class ActorOut(Body):
    """The credential whose request appended an event."""

    credential: Literal["api_key", "token"]
    key_id: UUID = Field(
        description="The API key's id, or the id of the registered key that signed the token"
    )
    subject: str | None = Field(default=None, description="The token's `sub`")


class EventOut(Out):
    id: UUID
    type: str
    subject_id: UUID | None
    data: dict[str, Any] = Field(validation_alias="payload")
    actor: ActorOut | None = Field(
        description="Who appended the event: null for what the platform did of itself "
        "(mail received, delivery reports, verification, retries)"
    )
    created_at: datetime
    cursor: str


class EventsOut(Body):
    data: list[EventOut]
    cursor: str = Field(description="Pass as `after` to read the events that follow.")

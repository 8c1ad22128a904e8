"""Bodies of `routes/events.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from .common import Body, Out


class EventOut(Out):
    id: UUID
    type: str
    subject_id: UUID | None
    data: dict[str, Any] = Field(validation_alias="payload")
    created_at: datetime
    cursor: str


class EventsOut(Body):
    data: list[EventOut]
    cursor: str = Field(description="Pass as `after` to read the events that follow.")

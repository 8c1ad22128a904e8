"""Bodies of `routes/inboxes.py`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field, StrictBool, StrictInt, StrictStr

from mailman.domain.folders import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from mailman.domain.names import MAX_DISPLAY_NAME_LENGTH, MAX_LOCAL_PART_OCTETS

from .common import Out, Request


class CreateInbox(Request):
    domain_id: UUID
    local_part: StrictStr = Field(
        max_length=MAX_LOCAL_PART_OCTETS,
        description=f"At most {MAX_LOCAL_PART_OCTETS} octets (RFC 5321).",
        examples=["support"],
    )
    display_name: StrictStr | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    catch_all: StrictBool = Field(
        default=False, description="Also receive mail for addresses of the domain no inbox has."
    )


class UpdateInbox(Request):
    display_name: StrictStr | None = Field(default=None, max_length=MAX_DISPLAY_NAME_LENGTH)
    catch_all: StrictBool | None = None
    trash_retention_days: StrictInt | None = Field(
        default=None,
        ge=MIN_RETENTION_DAYS,
        le=MAX_RETENTION_DAYS,
        description="Days mail stays in trash before it is erased for good.",
    )


class InboxOut(Out):
    id: UUID
    domain_id: UUID
    address: str
    local_part: str
    domain: str = Field(validation_alias="domain_name")
    display_name: str | None
    catch_all: bool
    trash_retention_days: int = Field(
        description="Days mail stays in trash before it is erased for good (default 30)."
    )
    created_at: datetime
    updated_at: datetime

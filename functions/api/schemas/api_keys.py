"""Bodies of `routes/api_keys.py`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, Field, StrictInt, StrictStr, field_validator

from mailman.domain.access import MAX_BOUND_INBOXES, Scope
from mailman.domain.api_keys import MAX_NAME_LENGTH
from mailman.domain.ratelimit import (
    DEFAULT_ORGANIZATION_PER_MINUTE,
    DEFAULT_PER_MINUTE,
    MAX_PER_MINUTE,
)

from .common import Out, Request


class CreateApiKey(Request):
    name: StrictStr = Field(max_length=MAX_NAME_LENGTH, examples=["production"])
    rate_limit_per_minute: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_PER_MINUTE,
        description=(
            "Requests a minute for this key; at most its organisation's limit over all its keys"
            f" ({DEFAULT_ORGANIZATION_PER_MINUTE} unless the operator set another), a larger"
            f" value is refused (400). Unset: the deployment's default ({DEFAULT_PER_MINUTE})."
        ),
    )
    expires_at: AwareDatetime | None = None
    scopes: list[StrictStr] | None = Field(
        default=None,
        description="What the key may do, from the scope catalogue (at least one; an unknown "
        "one is refused, 400). Unset: every scope.",
        examples=[["messages:read", "messages:send"]],
    )
    inbox_ids: list[UUID] | None = Field(
        default=None,
        max_length=MAX_BOUND_INBOXES,
        description="Bind the key to these live inboxes of the organisation (at least one; "
        "an unknown one is refused, 400): it reaches nothing of any other inbox, and the "
        "operations that act on the whole organisation refuse it (403). Unset: every inbox.",
    )


class ApiKeyOut(Out):
    id: UUID
    name: str
    prefix: str
    rate_limit_per_minute: int | None
    scopes: list[Scope] | None = Field(description="null: every scope")
    inbox_ids: list[UUID] | None = Field(description="null: every inbox")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @field_validator("scopes", "inbox_ids", mode="before")
    @classmethod
    def _in_order(cls, given: Iterable[object] | None) -> list[object] | None:
        """A key's scopes and inboxes are sets: shown sorted, the same every time."""
        return None if given is None else sorted(given, key=str)


class CreatedApiKeyOut(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only in this response; store it now.")

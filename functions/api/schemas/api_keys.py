"""Bodies of `routes/api_keys.py`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, Field, StrictInt, StrictStr

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


class ApiKeyOut(Out):
    id: UUID
    name: str
    prefix: str
    rate_limit_per_minute: int | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class CreatedApiKeyOut(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only in this response; store it now.")

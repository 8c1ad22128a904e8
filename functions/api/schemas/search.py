"""Bodies of `routes/search.py`: a page of search hits."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import AliasPath, Field, field_validator

from .common import Out

if TYPE_CHECKING:
    from mailman.domain.search import SearchHit


class SnippetOut(Out):
    text: str = Field(
        description="Plain text around what matched (up to two fragments joined by ' … '), "
        "or the message's preview when the query has no words to look for."
    )
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) character offsets into `text` of the words that matched."
    )


class SearchFromOut(Out):
    address: str = Field(validation_alias=AliasPath("from_address"))
    name: str | None = Field(validation_alias=AliasPath("from_name"))


class SearchHitOut(Out):
    """A message the query matched; GET /messages/{id} reads it whole."""

    id: UUID
    inbox_id: UUID
    thread_id: UUID | None
    subject: str | None
    from_: SearchFromOut = Field(serialization_alias="from")
    folder: str = Field(description="A system folder's name or a custom folder's id.")
    read: bool = Field(validation_alias=AliasPath("is_read"))
    starred: bool
    labels: list[str]
    has_attachments: bool = Field(validation_alias=AliasPath("attachment_count"))
    created_at: datetime
    rank: float = Field(
        description="How well it matched (ts_rank: subject counts most, then the sender, "
        "the recipients, the text); hits come best first within bands of the newest "
        "matches (docs/search.md)."
    )
    snippet: SnippetOut

    @field_validator("has_attachments", mode="before")
    @classmethod
    def _any_attached(cls, attachment_count: int) -> bool:
        return attachment_count > 0

    @classmethod
    def of(cls, hit: SearchHit) -> SearchHitOut:
        values = dataclasses.asdict(hit)
        return cls.model_validate({**values, "from_": values})

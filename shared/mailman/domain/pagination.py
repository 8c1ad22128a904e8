"""Keyset pagination with opaque page tokens."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from mailman.domain.errors import ValidationError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PAGE_TOKEN_LENGTH = 500
MAX_EVENT_CURSOR_LENGTH = 200


def checked_limit(limit: int | None) -> int:
    """The page size asked for (the default when none), refused outside 1..MAX_LIMIT."""
    chosen = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= chosen <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return chosen


class Keyed(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def created_at(self) -> datetime: ...


T = TypeVar("T", bound=Keyed)


@dataclass(frozen=True)
class Cursor:
    """The position after which the next page starts: (created_at, id) of the last item."""

    created_at: datetime
    id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            created_at, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(created_at=datetime.fromisoformat(created_at), id=UUID(item_id))
        except (ValueError, TypeError, binascii.Error) as exc:
            raise ValidationError(
                "page_token is not a token this API issued", field="page_token"
            ) from exc


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: Cursor | None = None

    @classmethod
    def parse(cls, limit: int | None, page_token: str | None) -> PageRequest:
        return cls(
            limit=checked_limit(limit),
            after=Cursor.decode(page_token) if page_token else None,
        )


def _created_at(row: Keyed) -> datetime | None:
    return row.created_at


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str | None
    position: Callable[[T], datetime | None] = field(default=_created_at, repr=False, compare=False)
    """The time the listing is ordered by (then the id)."""

    @classmethod
    def from_rows(
        cls,
        rows: list[T],
        request: PageRequest,
        position: Callable[[T], datetime | None] = _created_at,
    ) -> Page[T]:
        """Build a page from up to `limit + 1` rows: the extra row only says there is more.

        `position` is the time the listing is ordered by (then the id); a last row without one
        ends the listing.
        """
        items = rows[: request.limit]
        at = position(items[-1]) if len(rows) > request.limit and items else None
        token = Cursor(at, items[-1].id).encode() if at is not None else None
        return cls(items=items, next_page_token=token, position=position)

    def head(self, count: int) -> Page[T]:
        """The first `count` items, with the token that reads on after them (a page cut short
        to fit a response)."""
        if count >= len(self.items):
            return self
        last = self.items[count - 1]
        at = self.position(last)
        token = Cursor(at, last.id).encode() if at is not None else None
        return Page(items=self.items[:count], next_page_token=token, position=self.position)

"""What the bodies of every resource share: request and response bases, pages, listings'
query parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from mailman.domain.pagination import MAX_LIMIT, MAX_PAGE_TOKEN_LENGTH, Keyed, Page
from mailman.domain.sending import MAX_UNSUBSCRIBE_LENGTH

from .. import budget

T = TypeVar("T")
K = TypeVar("K", bound=Keyed)
M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """A request or response body. Each is built (its validator, its serialiser) when first
    used rather than at import: a request builds the few it uses, not all of them."""

    model_config = ConfigDict(defer_build=True)


class Request(Body):
    """Request bodies refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid")


class Out(Body):
    """A response body, read from the attributes of what it shows (`Model.model_validate`):
    fields named otherwise there give the name as their `validation_alias`."""

    model_config = ConfigDict(from_attributes=True)


class ListOf(Body, Generic[T]):
    data: list[T]
    next_page_token: str | None = Field(
        default=None,
        description="Pass as page_token for the next page; null on the last one. A page may "
        "hold fewer items than `limit` when they would not fit in one answer.",
    )


def listing(page: Page[K], render: Callable[[K], M]) -> ListOf[M]:
    """Every item of a page, rendered for the answer (items of a known, small size)."""
    return ListOf(data=[render(item) for item in page.items], next_page_token=page.next_page_token)


def page_of(page: Page[K], render: Callable[[K], M]) -> ListOf[M]:
    """A page of items rendered for the answer, ended early if they would not fit in it."""
    rendered, _ = budget.fit(page.items, render)
    kept = page.head(len(rendered))
    return ListOf(data=rendered, next_page_token=kept.next_page_token)


ListUnsubscribe = Annotated[StrictStr | None, Field(max_length=MAX_UNSUBSCRIBE_LENGTH)]
"""A List-Unsubscribe URI, of a domain's mail or of one message."""
Limit = Annotated[int | None, Query(ge=1, le=MAX_LIMIT)]
PageToken = Annotated[str | None, Query(max_length=MAX_PAGE_TOKEN_LENGTH)]


class Health(Body):
    status: str

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.pagination import Cursor, Page, PageRequest


@dataclass(frozen=True)
class Item:
    id: UUID
    created_at: datetime


def test_cursor_survives_its_token() -> None:
    cursor = Cursor(datetime(2026, 11, 21, 12, 0, tzinfo=UTC), uuid4())

    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("token", ["garbage", "e30", "W10", "!!!!"])
def test_foreign_page_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PageRequest.parse(None, token)

    assert caught.value.field == "page_token"


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_limits_out_of_range_are_refused(limit: int) -> None:
    with pytest.raises(ValidationError) as caught:
        PageRequest.parse(limit, None)

    assert caught.value.field == "limit"


def test_page_with_an_extra_row_carries_a_token_to_its_last_item() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [Item(uuid4(), start + timedelta(seconds=i)) for i in range(3)]
    request = PageRequest(limit=2)

    page = Page.from_rows(rows, request)

    assert page.items == rows[:2]
    assert page.next_page_token is not None
    assert Cursor.decode(page.next_page_token) == Cursor(rows[1].created_at, rows[1].id)


def test_last_page_has_no_token() -> None:
    rows = [Item(uuid4(), datetime(2026, 1, 1, tzinfo=UTC))]

    assert Page.from_rows(rows, PageRequest(limit=2)).next_page_token is None

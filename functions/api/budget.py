"""Answers that fit what carries them: a Lambda proxy response holds at most 6 MB.

API Gateway hands the function's answer on only if the function's whole response payload
(the proxy result as JSON, the body a JSON string inside it) is at most 6,291,556 bytes;
above that the caller gets a 502 and the data never arrives. Stored mail has no such bound
(a 25 MiB text part is legal mail), so every answer is built within budgets:

- each inline body (`text`, `html`, `extracted_text`) at most `MAX_INLINE_PART_BYTES` and the
  header list at most `MAX_INLINE_HEADERS_BYTES`, measured as they travel; a part cut short
  is named in the message's `truncated`, and the full part is a presigned link away;
- a page of a listing (and a thread's messages) at most `MAX_PAGE_BYTES`: a page that would
  be larger ends early, with the token for the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import BaseModel

MAX_LAMBDA_RESPONSE_BYTES = 6_291_556
"""What Lambda returns to API Gateway at most: the proxy result, as JSON."""
MAX_INLINE_PART_BYTES = 262_144
MAX_INLINE_HEADERS_BYTES = 131_072
MAX_PAGE_BYTES = 2_500_000
"""A page's items as the body carries them; in the payload the body is escaped once more,
which at most doubles it, and the rest of the answer is small."""

MAX_CHARACTER_COST = 12
"""The most one character costs in the body: an astral one, escaped as a surrogate pair."""
MAX_HEADERS_SIZE = 65_536
"""A generous bound on the rest of a proxy result besides its body."""

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def cost(value: object) -> int:
    """Bytes `value` takes in the response body (JSON, non-ASCII escaped as the API writes)."""
    return len(json.dumps(value, separators=(",", ":")))


def clip(text: str, limit: int = MAX_INLINE_PART_BYTES) -> tuple[str, bool]:
    """`text`, or its longest head that costs at most `limit`; and whether it was cut."""
    if len(text) * MAX_CHARACTER_COST + 2 <= limit:  # nearly every body: no need to measure
        return text, False
    spent = cost(text)
    if spent <= limit:
        return text, False
    keep = len(text)
    while spent > limit and keep > 0:
        keep = min(keep - 1, keep * limit // spent)
        spent = cost(text[:keep])
    return text[:keep], True


def clip_list(items: Iterable[T], limit: int) -> tuple[list[T], bool]:
    """The leading `items` whose cost together stays within `limit`; and whether any were left."""
    kept: list[T] = []
    spent = 2
    for item in items:
        spent += cost(item) + 1
        if spent > limit:
            return kept, True
        kept.append(item)
    return kept, False


def fit(
    items: Iterable[T], render: Callable[[T], M], limit: int = MAX_PAGE_BYTES, spent: int = 0
) -> tuple[list[M], int]:
    """`render` each item while the page, `spent` bytes already, stays within `limit` (a page
    that starts empty takes its first item whatever it costs); the page and its bytes."""
    page: list[M] = []
    for item in items:
        rendered = render(item)
        size = cost(rendered.model_dump(mode="json", by_alias=True)) + 1
        if spent + size > limit and (page or spent):
            break
        page.append(rendered)
        spent += size
    return page, spent

"""What any JSON a caller sends must be before a service sees it, and the metadata rules.

Every string the API takes ends up in PostgreSQL `text`, which refuses NUL, and in UTF-8,
which has no lone surrogates (JSON can spell both: `\\u0000`, `\\ud800`). Neither can ever be
stored, so a request holding one is refused whole, naming where it was. Nesting is bounded
too: deep documents cost recursion everywhere they are read, written and serialised.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from mailman.domain.errors import ValidationError

MAX_DOCUMENT_DEPTH = 32
"""Objects and arrays nested in a request body, the body itself counting as one."""
MAX_METADATA_KEYS = 50
"""Keys in a message's `metadata`, nested objects' keys included."""
MAX_METADATA_KEY_LENGTH = 100
MAX_METADATA_DEPTH = 5
"""Objects and arrays nested in `metadata`, the metadata object itself counting as one."""
MAX_METADATA_BYTES = 16_384
"""`metadata` as compact UTF-8 JSON."""
METADATA_RULES = (
    f"At most {MAX_METADATA_KEYS} keys in all (nested ones included), keys of at most "
    f"{MAX_METADATA_KEY_LENGTH} characters, {MAX_METADATA_DEPTH} levels of nesting and "
    f"{MAX_METADATA_BYTES:,} bytes as JSON."
)


def storable(value: str) -> bool:
    """True when `value` can be stored: no NUL, no lone surrogate."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_storable(value: str, field: str) -> str:
    if not storable(value):
        raise ValidationError(
            "must not contain NUL characters or unpaired surrogates (not valid UTF-8 text)",
            field=field,
        )
    return value


def _walk(value: Any, where: str, depth: int) -> Iterator[tuple[str, Any, int]]:
    """Every value of a JSON document with where it is and how deep, without recursion."""
    stack: list[tuple[str, Any, int]] = [(where, value, depth)]
    while stack:
        at, item, level = stack.pop()
        yield at, item, level
        if isinstance(item, dict):
            stack.extend(
                (f"{at}.{key}" if at else str(key), child, level + 1) for key, child in item.items()
            )
        elif isinstance(item, list):
            stack.extend((f"{at}[{n}]", child, level + 1) for n, child in enumerate(item))


def _container_depth(item: Any, level: int) -> int:
    return level + 1 if isinstance(item, dict | list) else level


def check_document(document: Any, *, max_depth: int = MAX_DOCUMENT_DEPTH, where: str = "") -> Any:
    """Refuse a parsed JSON document that nests deeper than `max_depth` or holds a string
    (key or value) that cannot be stored; the error names the field at fault."""
    for at, item, level in _walk(document, where, 0):
        if _container_depth(item, level) > max_depth:
            raise ValidationError(
                f"is nested more than {max_depth} levels deep", field=at or "body"
            )
        if isinstance(item, str):
            check_storable(item, at or "body")
        elif isinstance(item, dict):
            for key in item:
                check_storable(key, f"{at}.{key}" if at else key)
    return document


def _not_a_number(constant: str) -> float:
    raise ValidationError(f"{constant} is not JSON (numbers must be finite)", field="body")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValidationError(f"{text} is too large a number", field="body")
    return number


NOT_AN_OBJECT = "the body must be a JSON object"


def parse_document(text: str) -> Any:
    """A request body parsed as JSON (strictly: no NaN or Infinity, which JSON lacks and
    PostgreSQL refuses, and no number too large to be one), an object (every operation takes
    one: an array is not read as its first item) and checked by `check_document`."""
    try:
        document = json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
    except RecursionError as exc:
        raise ValidationError(
            f"is nested more than {MAX_DOCUMENT_DEPTH} levels deep", field="body"
        ) from exc
    except json.JSONDecodeError as exc:
        error = ValidationError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            f"(character {exc.pos})",
            field="body",
        )
        error.details = {"line": exc.lineno, "column": exc.colno, "position": exc.pos}
        raise error from exc
    except ValueError as exc:
        raise ValidationError("holds an integer too long to read", field="body") from exc
    if not isinstance(document, dict):
        raise ValidationError(NOT_AN_OBJECT, field="body")
    return check_document(document)


def check_metadata(metadata: dict[str, Any], field: str = "metadata") -> dict[str, Any]:
    """Metadata within its bounds (see `METADATA_RULES`), else a ValidationError naming the
    place at fault."""
    keys = 0
    for at, item, level in _walk(metadata, field, 0):
        if _container_depth(item, level) > MAX_METADATA_DEPTH:
            raise ValidationError(
                f"metadata may nest at most {MAX_METADATA_DEPTH} levels deep", field=at
            )
        if isinstance(item, str):
            check_storable(item, at)
        elif isinstance(item, dict):
            keys += len(item)
            for key in item:
                check_storable(key, f"{at}.{key}")
                if not 1 <= len(key) <= MAX_METADATA_KEY_LENGTH:
                    raise ValidationError(
                        f"metadata keys must be 1 to {MAX_METADATA_KEY_LENGTH} characters",
                        field=f"{at}.{key[:MAX_METADATA_KEY_LENGTH]}",
                    )
    if keys > MAX_METADATA_KEYS:
        raise ValidationError(
            f"metadata may hold at most {MAX_METADATA_KEYS} keys (nested ones included)",
            field=field,
        )
    size = len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise ValidationError(
            f"metadata may be at most {MAX_METADATA_BYTES:,} bytes as JSON", field=field
        )
    return metadata


def within_metadata_limits(metadata: Any) -> bool:
    """True when a stored value is metadata the API would accept today."""
    if not isinstance(metadata, dict):
        return False
    try:
        check_metadata(metadata)
    except ValidationError:
        return False
    return True

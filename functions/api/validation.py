"""Turns pydantic's validation errors into one message and the name of the field at fault."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from mailman.domain.documents import NOT_AN_OBJECT

_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "field required",
    "uuid_parsing": "not a UUID",
    "uuid_type": "not a UUID",
}


def describe_validation_error(error: RequestValidationError) -> tuple[str, str | None]:
    details: list[dict[str, Any]] = list(error.errors())
    if not details:
        return "the request is not valid", None
    first = details[0]
    location = tuple(first.get("loc", ()))
    field = _field_of(location)
    kind = str(first.get("type", ""))
    if location == ("body",):
        # No body at all (JSON that is not an object is refused as it is read).
        return NOT_AN_OBJECT, "body"
    message = _MESSAGES.get(kind) or str(first.get("msg", "invalid value"))
    if field:
        message = f"{field}: {message}"
    return message, field


def _field_of(location: tuple[str | int, ...]) -> str | None:
    """`suppressions[3].address`: names joined by dots, positions in brackets (as the
    services name fields); where the parameter came from (body, path, query) left out."""
    field = ""
    for part in location:
        if isinstance(part, int):
            field += f"[{part}]"
        elif part not in ("body", "path", "query"):
            field += f".{part}" if field else str(part)
    return field or None

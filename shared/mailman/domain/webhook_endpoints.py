"""What a webhook endpoint may hold besides its URL (`webhook_targets`): the event types it
takes, the inboxes it is limited to, its description."""

from __future__ import annotations

from collections.abc import Sequence

from mailman.domain.errors import ValidationError
from mailman.domain.event_catalogue import unknown_types

MAX_DESCRIPTION_LENGTH = 500
MAX_INBOXES = 100
"""Inboxes one endpoint may be limited to."""
MAX_EVENT_TYPES = 100
"""Event types one request may name (the catalogue holds fewer: some may repeat)."""
MAX_EVENT_TYPE_LENGTH = 100


def checked_types(names: Sequence[str]) -> tuple[str, ...]:
    """The event types, each once, or ValidationError naming those not in the catalogue."""
    if len(names) > MAX_EVENT_TYPES:
        raise ValidationError(f"name at most {MAX_EVENT_TYPES} event types", field="event_types")
    unknown = unknown_types(names)
    if unknown:
        raise ValidationError(
            f"unknown event types: {', '.join(unknown)} (see GET /event-types)",
            field="event_types",
        )
    return tuple(dict.fromkeys(names))


def checked_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return description

"""`mailman tail`: an organisation's event log followed live, one line per event."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from mailman.domain.events import Event
from mailman.domain.pagination import MAX_LIMIT
from mailman.services.events import EventPage

Read = Callable[[str | None], EventPage]
"""A page of at most `MAX_LIMIT` events after a cursor (None: from the first)."""

_IDS = (("inbox", "inbox_id"), ("message", "message_id"))
_DETAIL = ("domain", "from", "recipient", "status", "subject", "reason")
_LONGEST = 60


def _said(value: object) -> str:
    text = str(value)
    if len(text) > _LONGEST:
        text = text[: _LONGEST - 1] + "…"
    return (
        json.dumps(text, ensure_ascii=False) if not text or any(c.isspace() for c in text) else text
    )


def event_line(event: Event) -> str:
    """When (UTC), the type, the inbox and message it is about, and what it says in short."""
    payload = event.payload
    at = event.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    ids = " ".join(f"{label} {payload[key]}" for label, key in _IDS if payload.get(key))
    detail = " ".join(
        f"{key}={_said(payload[key])}" for key in _DETAIL if payload.get(key) is not None
    )
    return "  ".join(part for part in (at, event.type, ids, detail) if part)


def follow(
    read: Read,
    emit: Callable[[str], None],
    until: threading.Event,
    *,
    after: str | None,
    since: datetime | None = None,
    interval: float = 0.5,
) -> None:
    """Emit a line for each event after cursor `after` (those since `since`, when given) as it
    appears, looking again every `interval` seconds, until `until` is set."""
    cursor = after
    while not until.is_set():
        page = read(cursor)
        for event in page.events:
            if since is None or event.created_at >= since:
                emit(event_line(event))
        if page.events:
            cursor = page.cursor
        if len(page.events) < MAX_LIMIT:
            until.wait(interval)
